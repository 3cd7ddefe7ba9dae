// Every edge touching the given nodes (both directions), with the node at the far end.
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[r]-(m)
RETURN properties(r) AS e, properties(m) AS n
