// Runs still open (running, or died before their end): oldest first. Read through properties(r) so
// a database that never had a run (a fresh or bulk-imported one) raises no unknown-property warning.
MATCH (r:IngestRun)
WITH properties(r) AS p
RETURN p['id'] AS id, p['dataset'] AS dataset, p['host'] AS host, p['pid'] AS pid, p['started'] AS started
ORDER BY started, id
