// One upstream tier, as one record: the chain edges out of / into the frontier nodes and the
// distinct nodes at their far ends, grouped by the facts they share (few distinct: the rows stay
// small). Edge group: [values of $edge_keys (a retired edge adds its prov: it dates the end),
// [[id, src, dst], ...]]; node group: [values of $node_keys, [[id, name], ...]]; r[k]: an absent
// property is null (graph/query/sources.py rebuilds the elements). Types are fixed here
// (graph/query/arcs.py UP_OUT / UP_IN); $candidates adds the candidate links.
UNWIND $ids AS id
MATCH (n:Entity {id: id})
CALL (n) {

  MATCH (n)-[r:OWNS|OPERATES|AWARDED_TO|COVERS|SPENDS_WITH|BUYER_OF|OWNERSHIP_CANDIDATE|SAME_AS_CANDIDATE]->(m)
  WHERE $candidates OR NOT type(r) IN ['OWNERSHIP_CANDIDATE', 'SAME_AS_CANDIDATE']
  RETURN r, m
  UNION

  MATCH (n)<-[r:SUPPLIES|OWNS|OWNERSHIP_CANDIDATE|SAME_AS_CANDIDATE]-(m)
  WHERE $candidates OR NOT type(r) IN ['OWNERSHIP_CANDIDATE', 'SAME_AS_CANDIDATE']
  RETURN r, m
}
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
