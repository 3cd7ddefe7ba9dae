// One finished write (a run under the write lock, or a single write outside one): bump the graph's
// generation and keep what it changed ($nodes, $edges ids, or $everything: too many to list),
// dropping records older than $keep generations (graph/neo4j_changes.py). A new epoch starts when
// the generation node is missing (a new or cleared database).
MERGE (g:GraphGeneration {id: 'graph'})
  ON CREATE SET g.epoch = randomUUID(), g.generation = 0
SET g.generation = g.generation + 1, g.committed_at = datetime().epochMillis
CREATE (c:GraphChange {epoch: g.epoch, generation: g.generation, everything: $everything,
                       nodes: $nodes, edges: $edges})
WITH g
OPTIONAL MATCH (old:GraphChange)
WHERE old.epoch <> g.epoch OR old.generation <= g.generation - $keep
DELETE old
RETURN DISTINCT g.generation AS generation
