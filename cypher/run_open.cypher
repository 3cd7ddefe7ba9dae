// Runs still open (running, or died before their end): oldest first.
MATCH (r:IngestRun)
RETURN r.id AS id, r.dataset AS dataset, r.host AS host, r.pid AS pid, r.started AS started
ORDER BY r.started, r.id
