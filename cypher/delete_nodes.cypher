// Delete nodes and every relationship touching them.
UNWIND $ids AS id
MATCH (n:Entity {id: id})
DETACH DELETE n
