"""The explorer's fixtures: the demo graph loaded once per session, settings pointing at it.

The demo graph comes from tests/demo_graph.py (built once per test run, or the store that
``TIERWATCH_TEST_DEMO_STORE`` names: a folder with graph.sqlite, or an older version's graph.pickle);
it is copied, never written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_graph import load_into_neo4j, shared_demo_store
from tierwatch.graph.settings import get_settings


@pytest.fixture(scope="session")
def demo_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tierwatch.graph.sqlite_ops import copy_store
    from tierwatch.graph.sqlite_store import SQLiteStore

    directory = tmp_path_factory.mktemp("explorer-demo") / "store"
    copy_store(shared_demo_store(tmp_path_factory), directory)
    SQLiteStore(directory).close()  # an older version's pickle is converted here, once
    return directory


@pytest.fixture(scope="module")
def demo_service(demo_store_dir: Path):
    """A query service on the demo store (embedded)."""
    from tierwatch.graph.query import open_query_service
    from tierwatch.graph.settings import Settings

    svc = open_query_service(Settings(store_dir=demo_store_dir))
    yield svc
    svc.close()


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
