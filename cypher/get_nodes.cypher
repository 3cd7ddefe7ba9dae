// Stored nodes by id.
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN properties(n) AS p
