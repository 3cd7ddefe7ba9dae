// End a run in one transaction: its run node and journal entries go together. After a successful
// run this transaction is the run's commit point; after an undo it discards the spent journal.
MATCH (r:IngestRun {id: $run})
OPTIONAL MATCH (j:IngestJournal {run: $run})
DETACH DELETE j, r
