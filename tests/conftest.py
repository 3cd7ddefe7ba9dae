"""Shared fixtures: settings on a temp folder, the store parametrised over both backends, real data.

- ``store``: every test that takes it runs on the embedded store (SQLite) and on the real Neo4j the
  test command starts (``scripts/test``). Without a Neo4j answering at TIERWATCH_NEO4J_URI the Neo4j
  variant is skipped with the reason, except under CI=true where it fails.
- ``real_data``: the real-data directory (TIERWATCH_REAL_DATA_DIR). Tests that need restricted
  files skip, saying why, when it is not set; under CI=true its absence is a failure.
- ``open_data``: the committed open files (data/open), always present.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tierwatch.graph.settings import REPO_ROOT, Settings

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
OPEN_DATA = REPO_ROOT / "data" / "open"


def _neo4j_available(uri: str) -> str | None:
    try:
        from neo4j import GraphDatabase

        with GraphDatabase.driver(uri, auth=("neo4j", "tierwatch")) as driver:
            driver.verify_connectivity()
        return None
    except Exception as exc:  # connection refused, no server
        return f"no Neo4j at {uri} ({type(exc).__name__}); run scripts/test, which starts one"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store_dir=tmp_path / "store", real_data_dir=_real_dir())


def _real_dir() -> Path | None:
    value = os.environ.get("TIERWATCH_REAL_DATA_DIR")
    return Path(value) if value else None


@pytest.fixture(scope="session")
def real_data() -> Path:
    path = _real_dir()
    if path is None or not path.is_dir():
        reason = (
            "real-data directory not configured (TIERWATCH_REAL_DATA_DIR); restricted files "
            "(RMI lists, CMRTs, IPIS, ...) are never committed"
        )
        if CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def open_data() -> Path:
    return OPEN_DATA


@pytest.fixture(scope="session")
def neo4j_uri() -> str:
    uri = os.environ.get("TIERWATCH_NEO4J_URI", "bolt://127.0.0.1:7687")
    problem = _neo4j_available(uri)
    if problem:
        if CI:
            pytest.fail(f"CI=true but {problem}")
        pytest.skip(problem)
    return uri


BACKENDS = ["embedded", "neo4j"]


def empty_store(backend: str, settings: Settings, request: pytest.FixtureRequest):
    """An empty store of ``backend`` (the embedded one in ``settings.store_dir``; the test Neo4j cleared)."""
    if backend == "embedded":
        from tierwatch.graph.sqlite_store import SQLiteStore

        return SQLiteStore(settings.store_dir)
    uri = request.getfixturevalue("neo4j_uri")
    from tierwatch.graph.neo4j_store import Neo4jStore

    s = Neo4jStore(uri, "neo4j", "tierwatch", batch_size=settings.neo4j_batch_size)
    s.clear()
    return s


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, settings: Settings):
    """An empty store of each backend."""
    s = empty_store(request.param, settings, request)
    yield s
    s.close()


@pytest.fixture
def ingest(store, settings):
    """``ingest(source, *paths, **options)`` runs a real ingest into the test's store."""
    from tierwatch.ingest.runner import run_ingest

    def run(source: str, *paths: Path, **options):
        return run_ingest(source, [Path(p) for p in paths], store, settings, **options)

    return run


@pytest.fixture
def failing_writes(monkeypatch: pytest.MonkeyPatch):
    """``failing_writes(store, after)``: the real store, made to fail at its ``after + 1``-th node
    batch write (``create_nodes``/``put_nodes``) with "injected failure (test)"; once failed it
    writes again, so the undo can run. Fault injection lives here, not in the ingest runner."""
    from tierwatch.graph.errors import IngestError

    def arm(store, after: int) -> None:
        calls = {"n": 0, "failed": False}

        def failing(original):
            def write(elements):
                calls["n"] += 1
                if calls["n"] > after and not calls["failed"]:
                    calls["failed"] = True
                    raise IngestError("injected failure (test)")
                return original(elements)

            return write

        for name in ("create_nodes", "put_nodes"):
            monkeypatch.setattr(store, name, failing(getattr(store, name)))

    return arm
