// skeleton_edges.cypher for the given ids of one relationship type (an incremental refresh).
UNWIND $ids AS id
MATCH ()-[r:{{rel}} {id: id}]->()
RETURN [k IN $edge_keys | r[k]] + [CASE WHEN r.retired THEN r.prov END] AS facts,
       collect([r.id, r.src, r.dst]) AS members
