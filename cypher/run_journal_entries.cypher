// One run's journal entries in the order they were written.
MATCH (j:IngestJournal {run: $run})
RETURN j.seq AS seq, j.created_nodes AS created_nodes, j.created_edges AS created_edges,
       j.nodes AS nodes, j.edges AS edges
ORDER BY seq
