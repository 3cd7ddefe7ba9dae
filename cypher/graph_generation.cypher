// The graph's generation (graph/neo4j_changes.py): one tiny read. No row: no writer recorded one.
MATCH (g:GraphGeneration {id: 'graph'})
RETURN g.epoch AS epoch, g.generation AS generation
