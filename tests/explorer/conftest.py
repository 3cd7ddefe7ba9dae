"""The explorer's fixtures: the demo graph loaded once per session, settings pointing at it.

``TIERWATCH_TEST_DEMO_STORE`` may name an already loaded demo store (a folder with graph.sqlite, or
an older version's graph.pickle) to skip the load during development; it is copied, never written.
CI loads the bundle afresh.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rich.console import Console
from tierwatch.graph.settings import Settings, get_settings


def _real_dir() -> Path | None:
    value = os.environ.get("TIERWATCH_REAL_DATA_DIR")
    return Path(value) if value else None


@pytest.fixture(scope="session")
def demo_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tierwatch.graph.sqlite_ops import copy_store, has_store
    from tierwatch.graph.sqlite_store import SQLiteStore
    from tierwatch.ingest.manifest import load_demo
    from tierwatch.ingest.runner import run_ingest

    directory = tmp_path_factory.mktemp("explorer-demo") / "store"
    prebuilt = os.environ.get("TIERWATCH_TEST_DEMO_STORE")
    if prebuilt and has_store(Path(prebuilt)):
        copy_store(Path(prebuilt), directory)
        SQLiteStore(directory).close()  # an older version's pickle is converted here, once
        return directory
    settings = Settings(store_dir=directory, real_data_dir=_real_dir())
    store = SQLiteStore(directory)

    def run(source, paths, graph, **options):
        return run_ingest(source, paths, graph, settings, **options)

    try:
        load_demo(settings, store, run=run, on_report=lambda r: None, console=Console(quiet=True))
    finally:
        store.close()
    return directory


@pytest.fixture
def demo_env(demo_store_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Settings (through the environment, as `tierwatch explore` passes them) on the demo store,
    with a keys file of the test's own."""
    monkeypatch.setenv("TIERWATCH_STORE", "embedded")
    monkeypatch.setenv("TIERWATCH_STORE_DIR", str(demo_store_dir))
    monkeypatch.setenv("TIERWATCH_KEYS_FILE", str(tmp_path / "keys.json"))
    monkeypatch.delenv("TIERWATCH_OPEN_LICENCE_RESTRICTED_TO_PUBLIC", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def load_into_neo4j(nx_dir: Path, uri: str) -> None:
    """Copy the embedded demo store's elements into the test Neo4j unless it already holds exactly them
    (the two stores hold byte-identical elements, so this is the demo graph on Neo4j)."""
    from tierwatch.graph.neo4j_store import Neo4jStore
    from tierwatch.graph.sqlite_store import SQLiteStore

    source = SQLiteStore(nx_dir)
    neo = Neo4jStore(uri, "neo4j", "tierwatch")
    try:
        all_ids = [n["id"] for n in source.iter_nodes()]
        ids = all_ids[:: max(1, len(all_ids) // 200)]
        if neo.counts() == source.counts() and source.get_nodes(ids) == neo.get_nodes(ids):
            return
        with neo.write_lock():
            neo.clear()
            neo.create_nodes(list(source.iter_nodes()))
            neo.create_edges(list(source.iter_edges()))
    finally:
        neo.close()


@pytest.fixture
def demo_env_neo4j(demo_store_dir: Path, neo4j_uri: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Settings on the demo graph held by the test Neo4j."""
    load_into_neo4j(demo_store_dir, neo4j_uri)
    monkeypatch.setenv("TIERWATCH_STORE", "neo4j")
    monkeypatch.setenv("TIERWATCH_NEO4J_URI", neo4j_uri)
    monkeypatch.setenv("TIERWATCH_STORE_DIR", str(demo_store_dir))
    monkeypatch.setenv("TIERWATCH_KEYS_FILE", str(tmp_path / "keys.json"))
    monkeypatch.delenv("TIERWATCH_OPEN_LICENCE_RESTRICTED_TO_PUBLIC", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
