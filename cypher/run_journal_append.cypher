// One write-ahead journal entry, committed before the batch it describes is written: the ids the
// batch creates and the before-images (JSON) of the elements it changes for the first time in the run.
MATCH (r:IngestRun {id: $run})
CREATE (:IngestJournal {run: $run, seq: $seq, created_nodes: $created_nodes, created_edges: $created_edges,
                        nodes: $nodes, edges: $edges})
