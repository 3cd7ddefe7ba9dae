// skeleton_nodes.cypher for the given ids only (an incremental refresh; missing ids: deleted).
UNWIND $ids AS id
MATCH (n:Entity {id: id})
WHERE NOT n.type IN $whole_types
RETURN [k IN $node_keys | n[k]] AS facts, collect([n.id, n.name]) AS members
UNION ALL
UNWIND $ids AS id
MATCH (n:Entity {id: id})
WHERE n.type IN $whole_types
RETURN properties(n) AS facts, null AS members
