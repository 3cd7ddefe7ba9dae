"""The demo graph for tests: built once per test run, shared by every pytest worker, and copied
into the test Neo4j only when that server does not already hold it.

- :func:`shared_demo_store`: a store directory holding the demo graph, never written by tests
  (they copy it). ``TIERWATCH_TEST_DEMO_STORE`` may name one already built; otherwise the first
  worker that needs it builds it into the run's shared temporary folder under a file lock, and
  the other workers wait and reuse it (one build per run instead of one per fixture and worker).
- :func:`load_into_neo4j`: the elements of an embedded store copied into a test Neo4j. Under
  pytest-xdist every worker has a Neo4j of its own (tests/conftest.py), so what this process
  loaded last is what the server holds unless a test changed it since (counts then differ).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest
from tierwatch.graph.settings import Settings

_COMPLETE = "build-complete"


def _real_dir() -> Path | None:
    value = os.environ.get("TIERWATCH_REAL_DATA_DIR")
    return Path(value) if value else None


def build_demo_store(directory: Path) -> None:
    """Load the demo bundle (the open files, and the restricted ones when configured) into a new
    embedded store in ``directory``."""
    from rich.console import Console
    from tierwatch.graph.sqlite_store import SQLiteStore
    from tierwatch.ingest.manifest import load_demo
    from tierwatch.ingest.runner import run_ingest

    settings = Settings(store_dir=directory, real_data_dir=_real_dir())
    store = SQLiteStore(directory)

    def run(source, paths, graph, **options):
        return run_ingest(source, paths, graph, settings, **options)

    try:
        load_demo(settings, store, run=run, on_report=lambda report: None, console=Console(quiet=True))
    finally:
        store.close()


def shared_demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store directory holding the demo graph (read-only for the caller: copy it to write)."""
    from tierwatch.graph.sqlite_ops import has_store

    prebuilt = os.environ.get("TIERWATCH_TEST_DEMO_STORE")
    if prebuilt and has_store(Path(prebuilt)):
        return Path(prebuilt)
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, shared by its workers (each has popen-gwN inside)
    directory = base / "demo-store"
    with open(base / "demo-store.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (directory / _COMPLETE).is_file():
            if directory.exists():
                import shutil

                shutil.rmtree(directory)  # a build interrupted earlier in this run
            build_demo_store(directory)
            (directory / _COMPLETE).write_text("the demo graph, built by tests/demo_graph.py\n")
    return directory


_LOADED: dict[str, tuple[str, dict]] = {}  # uri -> (store dir, counts) this process loaded


def load_into_neo4j(directory: Path, uri: str) -> None:
    """Copy the embedded store's elements into the test Neo4j unless it already holds exactly them:
    what this process loaded last (same counts: no test changed it since), or, the first time, a
    server kept from an earlier run holding the same elements (a full comparison)."""
    from tierwatch.graph.dump import canonical_hash
    from tierwatch.graph.neo4j_store import Neo4jStore
    from tierwatch.graph.sqlite_store import SQLiteStore

    source = SQLiteStore(directory)
    neo = Neo4jStore(uri, "neo4j", "tierwatch")
    try:
        counts = neo.counts()
        if _LOADED.get(uri) == (str(directory), counts):
            return
        if uri not in _LOADED and counts == source.counts() and canonical_hash(neo) == canonical_hash(source):
            _LOADED[uri] = (str(directory), counts)
            return
        with neo.write_lock():
            neo.clear()
            neo.create_nodes(list(source.iter_nodes()))
            neo.create_edges(list(source.iter_edges()))
        _LOADED[uri] = (str(directory), neo.counts())
    finally:
        neo.close()
        source.close()
