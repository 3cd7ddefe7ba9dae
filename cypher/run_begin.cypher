// Open an ingest run (graph/run_journal.py): from now until run_end, recovery undoes what its
// journal entries name. Committed before the run writes anything.
CREATE (:IngestRun {id: $run, state: 'running', dataset: $dataset, host: $host, pid: $pid, started: $started})
