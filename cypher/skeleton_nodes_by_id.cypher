// skeleton_nodes.cypher for the given ids only (an incremental refresh; missing ids: deleted).
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN CASE WHEN n.type IN $whole_types THEN properties(n)
       ELSE [n.id, n.name, [k IN $node_keys | n[k]]] END AS p
