// concerns_into found from the findings' side: cheaper when the given nodes outnumber the
// findings (graph/query/sources.py picks); the same answer.
MATCH (f:RiskFinding)-[r:CONCERNS]->(n:Entity)
WHERE n.id IN $ids
WITH collect(r) AS rels, collect(DISTINCT f) AS found
CALL (rels) {
  UNWIND rels AS r
  WITH [k IN $edge_keys | r[k]] + [CASE WHEN r['retired'] THEN r['prov'] END] AS shared,
       [r['id'], r['src'], r['dst']] AS own
  WITH shared, collect(own) AS members
  RETURN collect([shared, members]) AS edges
}
RETURN edges, [f IN found | properties(f)] AS nodes
