// Nodes carrying any of the given identifiers ("scheme:value").
MATCH (n:Entity)
WHERE n.identifiers IS NOT NULL AND any(i IN n.identifiers WHERE i IN $identifiers)
RETURN n.id AS id, [i IN n.identifiers WHERE i IN $identifiers] AS matched
ORDER BY id
