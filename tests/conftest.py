"""Shared fixtures: settings on a temp folder, the store parametrised over both backends, real data.

- ``store``: every test that takes it runs on the embedded store (SQLite) and on the real Neo4j the
  test command starts (``scripts/test``). Without a Neo4j answering at TIERWATCH_NEO4J_URI the Neo4j
  variant is skipped with the reason, except under CI=true where it fails.
- ``real_data``: the real-data directory (TIERWATCH_REAL_DATA_DIR). Tests that need restricted
  files skip, saying why, when it is not set; under CI=true its absence is a failure.
- ``open_data``: the committed open files (data/open), always present.

Parallel workers (pytest-xdist, ``scripts/test`` runs two): Neo4j community holds one database and
the store tests clear it, so every worker has a Neo4j of its own: worker ``gwN`` uses port
TIERWATCH_NEO4J_PORT + N (scripts/test starts them). With ``--dist loadgroup`` a worker takes a
test file at a time, or all the Neo4j tests of a folder whose fixtures load a demo graph into Neo4j
(:func:`work_unit`), the slowest groups first.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tierwatch.graph.settings import REPO_ROOT, Settings

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
OPEN_DATA = REPO_ROOT / "data" / "open"


def _neo4j_of_this_worker() -> None:
    """Point this xdist worker (``gwN``) at the Neo4j on TIERWATCH_NEO4J_PORT + N (its own)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or os.environ.get("TIERWATCH_TEST_NEO4J_WORKER") == worker:
        return  # not a worker, or done already (this file may be imported twice)
    port = int(os.environ.get("TIERWATCH_NEO4J_PORT", "7687")) + int(worker[2:])
    uri = urlsplit(os.environ.get("TIERWATCH_NEO4J_URI", "bolt://127.0.0.1:7687"))
    os.environ["TIERWATCH_NEO4J_PORT"] = str(port)
    os.environ["TIERWATCH_NEO4J_URI"] = f"{uri.scheme}://{uri.hostname}:{port}"
    os.environ["TIERWATCH_TEST_NEO4J_WORKER"] = worker


_neo4j_of_this_worker()

# Directories whose fixtures put their own demo graph into Neo4j: their Neo4j tests form one group
# (reloading a demo graph into Neo4j costs tens of seconds; one group loads it about once).
DEMO_GRAPH_DIRS = ("api", "explorer", "query")


def work_unit(nodeid: str) -> str:
    """The unit of work a parallel worker takes: the Neo4j variants of a demo-graph folder's tests
    (``[neo4j]`` or ``neo4j`` in the test's name) together, otherwise the test file (its module
    fixtures are then built once)."""
    path, _, name = nodeid.partition("::")
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == "tests" and parts[1] in DEMO_GRAPH_DIRS and "neo4j" in name:
        return f"neo4j-{parts[1]}"
    return path


def _on_demo_graph(item: pytest.Item) -> bool:
    return any(name.startswith("demo") for name in getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the slowest groups first (``slow`` marks, then the Neo4j demo-graph groups), so
    that the longest units start early (scripts/test passes ``--no-loadscope-reorder``); in a Neo4j
    group the tests on generated graphs before those on the demo graph, which is then loaded into
    the worker's Neo4j once instead of after every module that wrote another graph."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return  # a plain run keeps the usual order
    slow = {work_unit(item.nodeid) for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> tuple[int, bool]:
        group = work_unit(item.nodeid)
        if group.startswith("neo4j-"):
            return 1, _on_demo_graph(item)
        return (0 if group in slow else 2), False

    items.sort(key=rank)


if importlib.util.find_spec("xdist"):

    def pytest_xdist_make_scheduler(config: pytest.Config, log):
        """``--dist loadgroup`` hands out the groups of :func:`work_unit` (xdist's own loadgroup
        reads ``xdist_group`` marks through a node id suffix that pytest 9.2 no longer keeps)."""
        if config.getvalue("dist") != "loadgroup":
            return None
        from xdist.scheduler import LoadScopeScheduling

        class WorkUnitScheduling(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                return work_unit(nodeid)

        return WorkUnitScheduling(config, log)


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
