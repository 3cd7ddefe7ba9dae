// Where the given nodes are: their LOCATED_IN edges and the places, plus places named by property.
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[r:LOCATED_IN]->(m)
RETURN properties(r) AS e, properties(m) AS n
