// What the runs after generation $since changed (graph/neo4j_changes.py), oldest first, with the
// element counts now (the refreshed index must hold as many).
MATCH (g:GraphGeneration {id: 'graph'})
OPTIONAL MATCH (c:GraphChange)
WHERE c.epoch = g.epoch AND c.generation > $since
WITH g, c ORDER BY c.generation
WITH g, collect(c {.generation, .everything, .nodes, .edges}) AS changes
CALL () { MATCH (n:Entity) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS edges }
RETURN g.epoch AS epoch, g.generation AS generation, changes, nodes, edges
