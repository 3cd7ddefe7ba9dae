// Every node, optionally only some types or those asserted by one dataset.
MATCH (n:Entity)
WHERE ($types IS NULL OR n.type IN $types)
  AND ($dataset IS NULL OR $dataset IN n.datasets)
RETURN properties(n) AS p
