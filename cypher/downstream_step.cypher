// One downstream tier: the reverse of upstream_step (who the frontier nodes supply).
UNWIND $ids AS id
MATCH (n:Entity {id: id})
CALL (n) {

  MATCH (n)<-[r:OWNS|OPERATES|AWARDED_TO|COVERS|SPENDS_WITH|BUYER_OF|OWNERSHIP_CANDIDATE|SAME_AS_CANDIDATE]-(m)
  WHERE $candidates OR NOT type(r) IN ['OWNERSHIP_CANDIDATE', 'SAME_AS_CANDIDATE']
  RETURN r, m
  UNION

  MATCH (n)-[r:SUPPLIES|OWNS|OWNERSHIP_CANDIDATE|SAME_AS_CANDIDATE]->(m)
  WHERE $candidates OR NOT type(r) IN ['OWNERSHIP_CANDIDATE', 'SAME_AS_CANDIDATE']
  RETURN r, m
}
RETURN properties(r) AS e, properties(m) AS n
