"""Several query services on one Neo4j each keep their own index and refresh it from the change
record a writer leaves in the database (graph/neo4j_changes.py, graph/query/neo4j_index.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tierwatch.graph.query import Viewer
from tierwatch.graph.records import EdgeRecord, NodeRecord, Provenance, edge_id
from tierwatch.graph.settings import Settings

from .conftest import services_on

pytestmark = pytest.mark.neo4j
ANALYST = Viewer.analyst()
ROOT = "syn:buyer:0"


def _finding_on(target: str) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    prov = [Provenance("syn-late", "v2", "late.csv", "row 2", 0.9, "declared")]
    finding = NodeRecord(
        "syn:finding:late",
        "RiskFinding",
        {"category": "forced_labour", "scope_kind": "entity", "evidence": "LATE-FINDING report"},
        prov,
    )
    link = EdgeRecord(edge_id("CONCERNS", finding.id, target), "CONCERNS", finding.id, target, {}, prov)
    return [finding], [link]


def _write(store, nodes: list[NodeRecord], edges: list[EdgeRecord]) -> None:
    from tierwatch.graph.writer import GraphWriter

    with store.write_lock():
        writer = GraphWriter(store)
        writer.write_nodes(nodes)
        writer.write_edges(edges)


def _answer(svc) -> dict:
    return svc.exposure(ROOT, ANALYST, tiers=6, hits_per_category=50).model_dump()


@pytest.fixture
def three(tmp_path: Path, request: pytest.FixtureRequest):
    """The embedded service and two Neo4j services (each its own driver and index, as two API
    processes would have) on one generated graph."""
    from tierwatch.graph.query import open_query_service
    from tierwatch.graph.synthetic import generate

    nodes, edges = generate(3000, seed=5)
    emb, neo_a = services_on(tmp_path / "store", request, nodes, edges)
    neo_b = open_query_service(Settings(store_dir=tmp_path / "store", neo4j_uri=neo_a.store.uri), "neo4j")
    yield emb, neo_a, neo_b, tmp_path / "store"
    for svc in (emb, neo_a, neo_b):
        svc.close()


def test_two_services_see_a_third_writers_run_and_answer_alike(three, neo4j_uri):
    from tierwatch.graph.neo4j_store import Neo4jStore
    from tierwatch.graph.sqlite_store import SQLiteStore

    emb, neo_a, neo_b, directory = three
    before = _answer(emb)
    assert _answer(neo_a) == _answer(neo_b) == before
    reached = emb.upstream(ROOT, ANALYST, tiers=4).hits[-1].entity.id
    nodes, edges = _finding_on(reached)
    writer_store = Neo4jStore(neo4j_uri, "neo4j", "tierwatch")  # a third process: the ingest
    emb_writer = SQLiteStore(directory)  # and its twin on the embedded store
    try:
        generation = neo_a.generation
        _write(writer_store, nodes, edges)
        _write(emb_writer, nodes, edges)
        assert emb.refresh() and neo_a.refresh() and neo_b.refresh()
        assert neo_a.generation == neo_b.generation != generation  # one run: one new generation
        after = _answer(emb)
        assert after != before and "LATE-FINDING" in str(after)
        assert _answer(neo_a) == _answer(neo_b) == after
        # each read only what the run changed: the finding and its link
        assert neo_a.source.last_build.kind == neo_b.source.last_build.kind == "patched"
        assert not neo_a.refresh()  # nothing new: one tiny read, the index stays

        # a deletion outside any run is a generation of its own; the link to a deleted node goes too
        writer_store.delete_nodes(["syn:finding:late"])
        with emb_writer.write_lock():
            emb_writer.delete_nodes(["syn:finding:late"])
        assert emb.refresh() and neo_a.refresh() and neo_b.refresh()
        assert _answer(neo_a) == _answer(neo_b) == _answer(emb) == before
        assert neo_b.source.last_build.kind == "patched"
    finally:
        writer_store.close()
        emb_writer.close()


def test_a_cleared_database_is_read_again_whole(three, neo4j_uri):
    from tierwatch.graph.neo4j_store import Neo4jStore

    emb, neo_a, _, _ = three
    _answer(neo_a)
    source = neo_a.source
    writer_store = Neo4jStore(neo4j_uri, "neo4j", "tierwatch")
    try:
        with writer_store.write_lock():  # the same elements again, after a clear (a new epoch)
            writer_store.clear()
            writer_store.create_nodes(list(emb.store.iter_nodes()))
            writer_store.create_edges(list(emb.store.iter_edges()))
    finally:
        writer_store.close()
    assert neo_a.refresh()
    assert _answer(neo_a) == _answer(emb)
    assert source.last_build.kind == "loaded"
