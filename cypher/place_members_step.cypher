// One downstream tier from places and commodities (graph/query/arcs.py PLACE_TYPES), as one record
// shaped like downstream_step's: what is in a country or region (a stored LOCATED_IN into it, or
// its own country/region property naming it), what deals in a commodity (its commodities or metal
// name it) and a commodity's forms (their parents name it). The property rules are
// graph/query/index.py with_derived_links (the links themselves are derived there, never stored);
// $unplaced: node types never placed (index.py UNPLACED_TYPES); $ids: the places and commodities.
CALL () {

  UNWIND $ids AS id
  MATCH (:Entity {id: id})<-[r:LOCATED_IN]-(m)
  RETURN [r] AS rs, m
  UNION

  // one pass over the nodes for every place and commodity of the tier ($countries, $regions: the
  // codes their ids end with; $commodities: commodity ids)
  MATCH (m:Entity)
  WHERE NOT m.type IN $unplaced
    AND (m.country IN $countries OR m.region IN $regions
         OR any(x IN coalesce(m.commodities, []) + CASE WHEN m.metal IS NULL THEN [] ELSE [m.metal] END
                     + CASE WHEN m.type = 'Commodity' THEN coalesce(m.parents, []) ELSE [] END
                WHERE CASE WHEN x STARTS WITH 'commodity:' THEN x
                           ELSE 'commodity:' + replace(toLower(trim(x)), ' ', '-') END IN $commodities))
  RETURN [] AS rs, m
}
WITH collect(rs) AS nested, collect(DISTINCT m) AS far
CALL (nested) {
  UNWIND nested AS rs
  UNWIND rs AS r
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
