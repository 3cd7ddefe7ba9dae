// Distinct nodes within {{hops}} upstream chain links of a root (no filters: a cross-check of the
// per-tier expansion). SUPPLIES runs target -> source upstream; the other chain types source -> target.
MATCH (root:Entity {id: $id})
MATCH p = (root)-[rels:SUPPLIES|OWNS|OPERATES|AWARDED_TO|COVERS|SPENDS_WITH|BUYER_OF*1..{{hops}}]-(m)
WHERE all(i IN range(0, size(rels) - 1) WHERE
        (type(rels[i]) = 'SUPPLIES' AND endNode(rels[i]) = nodes(p)[i]
           AND coalesce(rels[i].status, '') <> 'not_realised')
        OR (type(rels[i]) <> 'SUPPLIES' AND startNode(rels[i]) = nodes(p)[i])
        OR (type(rels[i]) = 'OWNS' AND endNode(rels[i]) = nodes(p)[i]))
  AND all(r IN rels WHERE NOT coalesce(r.retired, false) AND NOT coalesce(r.candidate, false))
  AND m <> root
RETURN count(DISTINCT m) AS reached
