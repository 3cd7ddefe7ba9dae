"""Query-layer fixtures: the real demo graph with canaries, and generated graphs, on both stores.

The demo graph is built once per test run (tests/demo_graph.py; ``TIERWATCH_TEST_DEMO_STORE`` may
name a store directory already holding it) and copied here, never changed. Neo4j receives the same
stored elements (the stores hold byte-identical elements), reloaded whenever another test module
left different content in the shared test database.

Canaries, written with the real ``findings`` and ``links`` pipelines:
- access: a restricted-access finding on Dell, and one on an organisation only that row names;
- licence: a dataset of licence class ``restricted`` (a supplier link into Dell from an
  organisation it alone names, and a public-access finding on Dell).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from demo_graph import load_into_neo4j, shared_demo_store
from tierwatch.graph.settings import Settings

ACCESS_TEXTS = ("QCANARY-ACCESS-DELL", "QCANARY-ACCESS-ORG", "Qcanaryaccess")
LICENCE_TEXTS = ("QCANARY-LICENCE-LINK", "QCANARY-LICENCE-FINDING", "Qcanarylicence")
ACCESS_ONLY_ORG = "org:qcanaryaccess-widgets"
LICENCE_ONLY_ORG = "org:qcanarylicence-mining"


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def add_canaries(store, settings: Settings, work: Path) -> None:
    from tierwatch.ingest.runner import run_ingest

    work.mkdir(parents=True, exist_ok=True)
    head = "finding_ref,entity,category,evidence,reported_by,access,severity"
    findings = _write(
        work / "q_findings.csv",
        head,
        [
            "qacc-1,org:dell,forced_labour,QCANARY-ACCESS-DELL interviews,Qcanary Monitor,restricted,high",
            "qacc-2,Qcanaryaccess Widgets Ltd,health_and_safety,QCANARY-ACCESS-ORG exposure,Qcanary Monitor,"
            "restricted,high",
            "qpub-1,org:dell,freedom_of_association,QPUBLIC-CONTROL union report,Qcanary Monitor,"
            "public,medium",
        ],
    )
    run_ingest(
        "findings",
        [findings],
        store,
        settings,
        dataset="qcanary-findings",
        publisher="Qcanary Monitor",
        licence="test",
        licence_class="open",
    )
    links = _write(
        work / "q_links.csv",
        "upstream,downstream,commodity,evidence",
        ["Qcanarylicence Mining Co,org:dell,tin,QCANARY-LICENCE-LINK shipping record"],
    )
    run_ingest(
        "links",
        [links],
        store,
        settings,
        dataset="qcanary-licds",
        publisher="Qcanary Licensor",
        licence="no redistribution",
        licence_class="restricted",
    )
    lic = _write(
        work / "q_lic_findings.csv",
        head,
        ["qlic-1,org:dell,child_labour,QCANARY-LICENCE-FINDING list entry,Qcanary Licensor,public,high"],
    )
    run_ingest(
        "findings",
        [lic],
        store,
        settings,
        dataset="qcanary-licds-findings",
        publisher="Qcanary Licensor",
        licence="no redistribution",
        licence_class="restricted",
    )


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tierwatch.graph.sqlite_ops import copy_store
    from tierwatch.graph.sqlite_store import SQLiteStore

    real = os.environ.get("TIERWATCH_REAL_DATA_DIR")
    if not real:
        pytest.skip("the demo graph's chains need the real-data directory (TIERWATCH_REAL_DATA_DIR)")
    base = tmp_path_factory.mktemp("query-demo")
    directory = base / "store"
    settings = Settings(store_dir=directory, real_data_dir=Path(real))
    copy_store(shared_demo_store(tmp_path_factory), directory)
    store = SQLiteStore(directory)
    add_canaries(store, settings, base / "canaries")
    return directory


def _service(backend: str, directory: Path, request: pytest.FixtureRequest):
    from tierwatch.graph.query import open_query_service

    if backend == "neo4j":
        uri = request.getfixturevalue("neo4j_uri")
        load_into_neo4j(directory, uri)
        svc = open_query_service(Settings(store_dir=directory, neo4j_uri=uri), "neo4j")
    else:
        svc = open_query_service(Settings(store_dir=directory), "embedded")
    svc.refresh()
    return svc


def services_on(directory: Path, request: pytest.FixtureRequest, nodes: list, edges: list):
    """(embedded, neo4j) services on a store written from these records (generated graphs)."""
    from tierwatch.graph.query import open_query_service
    from tierwatch.graph.sqlite_store import SQLiteStore
    from tierwatch.graph.writer import GraphWriter

    store = SQLiteStore(directory)
    with store.write_lock():
        w = GraphWriter(store)
        w.write_nodes(nodes)
        w.write_edges(edges)
    uri = request.getfixturevalue("neo4j_uri")
    load_into_neo4j(directory, uri)
    a = open_query_service(Settings(store_dir=directory), "embedded")
    b = open_query_service(Settings(store_dir=directory, neo4j_uri=uri), "neo4j")
    return a, b


@pytest.fixture(params=["embedded", "neo4j"])
def demo(request: pytest.FixtureRequest, demo_dir: Path):
    """A QueryService on the demo graph (with canaries), on each store."""
    svc = _service(request.param, demo_dir, request)
    yield svc
    svc.close()


@pytest.fixture
def demo_pair(request: pytest.FixtureRequest, demo_dir: Path):
    """(embedded, neo4j) services on the demo graph."""
    a = _service("embedded", demo_dir, request)
    b = _service("neo4j", demo_dir, request)
    yield a, b
    a.close()
    b.close()
