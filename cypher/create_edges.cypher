// Create relationships of one type that the writer has just checked do not exist.
UNWIND $rows AS row
MATCH (a:Entity {id: row.src})
MATCH (b:Entity {id: row.dst})
CREATE (a)-[r:{{rel}}]->(b)
SET r = row
