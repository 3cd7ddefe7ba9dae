// Nodes by id, as one record shaped like upstream_step's (no edges).
UNWIND $ids AS id
MATCH (far:Entity {id: id})
WITH collect(far) AS far
CALL (far) {
  UNWIND far AS m
  WITH [k IN $node_keys | m[k]] AS shared, [m['id'], m['name']] AS own
  WITH shared, collect(own) AS members
  RETURN collect([shared, members]) AS nodes
}
RETURN [] AS edges, nodes
