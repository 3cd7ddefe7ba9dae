// Every relationship, optionally only some types or those asserted by one dataset.
MATCH ()-[r]->()
WHERE ($types IS NULL OR r.type IN $types)
  AND ($dataset IS NULL OR $dataset IN r.datasets)
RETURN properties(r) AS p
