// The query index's nodes (graph/query/neo4j_index.py), streamed one record per group of nodes
// sharing the facts the search reads: [values of $node_keys (an absent property is null),
// [[id, name], ...]]; nodes of $whole_types (findings, indicators: answers quote them) come whole,
// one record each, with null members.
MATCH (n:Entity)
WHERE NOT n.type IN $whole_types
RETURN [k IN $node_keys | n[k]] AS facts, collect([n.id, n.name]) AS members
UNION ALL
MATCH (n:Entity)
WHERE n.type IN $whole_types
RETURN properties(n) AS facts, null AS members
