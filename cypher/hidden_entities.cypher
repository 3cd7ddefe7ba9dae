// Entities an access-restricted finding concerns, with the kind of every node they are linked to
// (graph/query/index.py hidden_ids_of decides which are named only by restricted findings).
MATCH (f:RiskFinding {access: 'restricted'})-[:CONCERNS]->(n:Entity)
WHERE n.type <> 'RiskFinding'
WITH DISTINCT n
MATCH (n)-[r]-(m)
RETURN n.id AS id, n.type AS type, n.datasets AS datasets,
       collect({type: m.type, access: m.access}) AS linked
