"""A Neo4j ingest killed with SIGKILL mid-run is undone from the journal kept in the database.

The run commits batch by batch, so right after the kill readers see part of it (the problem); the
next process that opens the store completes the undo (graph/run_journal.py), and a re-run gives
the same graph as a clean run (the embedded store, whose run is one transaction, is the reference).
bench/kill_neo4j_ingest.py does this at 60+ random moments and with the server itself killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.neo4j_store import Neo4jStore
from tierwatch.graph.sqlite_store import SQLiteStore
from tierwatch.ingest.runner import run_ingest

APPLE = "facilities/apple_supplier_list_2012-2022_cwgrouptw.csv"


def _rows(open_data: Path, tmp_path: Path, n: int) -> Path:
    lines = (open_data / APPLE).read_text(encoding="utf-8").splitlines()
    path = tmp_path / f"apple_{n}.csv"
    path.write_text("\n".join(lines[: n + 1]) + "\n", encoding="utf-8")
    return path


def _journaled_batches(store: Neo4jStore) -> int:
    return sum(len(store.journal_entries(r["id"])) for r in store.open_runs())


def test_a_run_killed_mid_write_is_undone_and_a_rerun_is_clean(neo4j_uri, settings, open_data, tmp_path):
    base, run = _rows(open_data, tmp_path, 300), _rows(open_data, tmp_path, 2500)
    store = Neo4jStore(neo4j_uri, "neo4j", "tierwatch", batch_size=100, recover=False)
    store.clear()
    run_ingest("apple-suppliers", [base], store, settings)
    before = canonical_hash(store)

    env = {
        **os.environ,
        "TIERWATCH_STORE": "neo4j",
        "TIERWATCH_NEO4J_URI": neo4j_uri,
        "TIERWATCH_NEO4J_BATCH_SIZE": "100",
        "TIERWATCH_STORE_DIR": str(settings.store_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "tierwatch", "ingest", "apple-suppliers", str(run)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while proc.poll() is None and _journaled_batches(store) < 5:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be killed mid-write"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()

    assert len(store.open_runs()) == 1  # the dead run's journal is in the database
    assert canonical_hash(store) != before  # readers see part of it until it is undone
    store.close()

    reopened = Neo4jStore(neo4j_uri, "neo4j", "tierwatch", batch_size=100)  # as the API does at start
    assert reopened.open_runs() == []
    assert canonical_hash(reopened) == before

    run_ingest("apple-suppliers", [run], reopened, settings)
    clean = SQLiteStore(tmp_path / "clean")
    run_ingest("apple-suppliers", [base], clean, settings)
    run_ingest("apple-suppliers", [run], clean, settings)
    assert canonical_hash(reopened) == canonical_hash(clean)
    reopened.close()
