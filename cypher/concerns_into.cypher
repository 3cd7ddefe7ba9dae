// Findings that concern the given nodes, with the CONCERNS edges.
UNWIND $ids AS id
MATCH (f:RiskFinding)-[r:CONCERNS]->(n:Entity {id: id})
RETURN properties(r) AS e, properties(f) AS n
