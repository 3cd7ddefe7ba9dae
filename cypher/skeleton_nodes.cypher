// The query index's nodes (graph/query/neo4j_index.py), streamed: per node [id, name, the values of
// $node_keys] (only the facts the search reads), or the whole node when its type is in $whole_types
// (findings and indicators: answers quote them). An absent property is null.
MATCH (n:Entity)
RETURN CASE WHEN n.type IN $whole_types THEN properties(n)
       ELSE [n.id, n.name, [k IN $node_keys | n[k]]] END AS p
