// Recorded alerts at or after $since (an ISO timestamp prefix; null: all), oldest first.
MATCH (a:WatchAlert)
WHERE $since IS NULL OR a.at >= $since
RETURN a.seq AS seq, a.at AS at, a.run AS run, a.dataset AS dataset, a.entity AS entity,
       a.kind AS kind, a.subject AS subject, a.data AS data
ORDER BY seq
