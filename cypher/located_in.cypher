// Where the given nodes are, with the facts a place arc reads (graph/query/arcs.py place_arc): their
// LOCATED_IN edges and those places, as one record shaped like upstream_step's. For paths that end
// at a country or region (location_context fetches only what findings need).
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[r:LOCATED_IN]->(m)
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
