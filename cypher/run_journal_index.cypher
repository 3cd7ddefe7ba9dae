// Journal entries of one run, read back in order by recovery (graph/run_journal.py).
CREATE INDEX ingest_journal_run IF NOT EXISTS FOR (j:IngestJournal) ON (j.run)
