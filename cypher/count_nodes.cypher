// Node counts by type.
MATCH (n:Entity)
RETURN n.type AS type, count(*) AS n
ORDER BY type
