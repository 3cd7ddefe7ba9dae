// Where the given nodes are, as one record shaped like upstream_step's: their LOCATED_IN edges to
// the places that can bring findings (one a RiskFinding concerns, or a region: its country may
// have some) and those places.
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[r:LOCATED_IN]->(m)
WHERE m.type = 'Region' OR EXISTS { (m)<-[:CONCERNS]-(:RiskFinding) }
WITH collect(r) AS rels, collect(DISTINCT m) AS far
CALL (rels) {
  UNWIND rels AS r
  WITH [k IN $edge_keys | r[k]] + [CASE WHEN r['retired'] THEN r['prov'] END] AS shared,
       [r['id'], r['src'], r['dst']] AS own
  WITH shared, collect(own) AS members
  RETURN collect([shared, members]) AS edges
}
CALL (far) {
  UNWIND far AS m
  WITH [k IN $node_keys | m[k]] AS shared, [m['id'], m['name']] AS own
  WITH shared, collect(own) AS members
  RETURN collect([shared, members]) AS nodes
}
RETURN edges, nodes
