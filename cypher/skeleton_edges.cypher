// The query index's links (graph/query/neo4j_index.py), streamed one record per group of links
// sharing the facts the search reads: [values of $edge_keys (an absent property is null) and the
// prov of a retired link (it dates the end), [[id, src, dst], ...]].
MATCH ()-[r]->()
RETURN [k IN $edge_keys | r[k]] + [CASE WHEN r.retired THEN r.prov END] AS facts,
       collect([r.id, r.src, r.dst]) AS members
