// The run journal's schema (graph/run_journal.py): one IngestRun node per open ingest run, unique
// by id, and its IngestJournal entries found by run. Neither label is an Entity: canonical dumps,
// counts and queries never see them.
CREATE CONSTRAINT ingest_run_id IF NOT EXISTS FOR (r:IngestRun) REQUIRE r.id IS UNIQUE
