// Findings that concern the given nodes, as one record: the CONCERNS edges grouped as in
// upstream_step, and the distinct findings with all their properties (answers quote them).
UNWIND $ids AS id
MATCH (f:RiskFinding)-[r:CONCERNS]->(n:Entity {id: id})
WITH collect(r) AS rels, collect(DISTINCT f) AS found
CALL (rels) {
  UNWIND rels AS r
  WITH [k IN $edge_keys | r[k]] + [CASE WHEN r['retired'] THEN r['prov'] END] AS shared,
       [r['id'], r['src'], r['dst']] AS own
  WITH shared, collect(own) AS members
  RETURN collect([shared, members]) AS edges
}
RETURN edges, [f IN found | properties(f)] AS nodes
