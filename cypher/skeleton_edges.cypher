// The query index's links (graph/query/neo4j_index.py), streamed: per relationship [id, src, dst,
// the values of $edge_keys, its prov when retired (it dates the end)]. An absent property is null.
MATCH ()-[r]->()
RETURN [r.id, r.src, r.dst, [k IN $edge_keys | r[k]], CASE WHEN r.retired THEN r.prov END] AS p
