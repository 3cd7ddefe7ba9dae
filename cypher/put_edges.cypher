// Create or fully replace relationships of one type between existing nodes.
UNWIND $rows AS row
MATCH (a:Entity {id: row.src})
MATCH (b:Entity {id: row.dst})
MERGE (a)-[r:{{rel}} {id: row.id}]->(b)
SET r = row
