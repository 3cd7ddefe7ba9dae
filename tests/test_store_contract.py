"""The store contract on both backends: same graph, atomic failed ingests, retirement, locking."""

from __future__ import annotations

from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_dump, canonical_hash
from tierwatch.graph.errors import IngestError, StoreLockedError
from tierwatch.graph.sqlite_store import SQLiteStore
from tierwatch.ingest.runner import run_ingest

APPLE = "facilities/apple_supplier_list_2012-2022_cwgrouptw.csv"


@pytest.fixture
def neo4j_store(neo4j_uri, settings):
    from tierwatch.graph.neo4j_store import Neo4jStore

    s = Neo4jStore(neo4j_uri, "neo4j", "tierwatch", batch_size=2000)
    s.clear()
    yield s
    s.close()


def test_both_stores_hold_the_same_graph(neo4j_store, settings, open_data, tmp_path):
    embedded = SQLiteStore(tmp_path / "embedded")
    for store in (embedded, neo4j_store):
        run_ingest("apple-suppliers", [open_data / APPLE], store, settings)
    assert embedded.counts() == neo4j_store.counts()
    emb_lines, neo_lines = canonical_dump(embedded), canonical_dump(neo4j_store)
    assert len(emb_lines) > 10_000
    assert emb_lines == neo_lines
    # the embedded store persisted what it holds: a fresh process reads the same graph
    assert canonical_hash(SQLiteStore(tmp_path / "embedded")) == canonical_hash(neo4j_store)


def test_failed_ingest_leaves_the_store_as_it_was(store, settings, open_data, tmp_path, failing_writes):
    small = tmp_path / "apple_small.csv"
    lines = (open_data / APPLE).read_text(encoding="utf-8").splitlines()
    small.write_text("\n".join(lines[:400]) + "\n", encoding="utf-8")
    run_ingest("apple-suppliers", [small], store, settings)
    before = canonical_hash(store)
    settings.neo4j_batch_size = 50  # many batches, so some commit before the failure
    failing_writes(store, after=5)
    with pytest.raises(IngestError, match="injected failure"):
        run_ingest(
            "apple-suppliers",
            [open_data / APPLE],
            store,
            settings,
        )
    assert canonical_hash(store) == before
    if isinstance(store, SQLiteStore):
        assert canonical_hash(SQLiteStore(settings.store_dir)) == before


def test_new_version_retires_facts_it_no_longer_holds(store, settings, tmp_path):
    header = "year,supplier_name,country_area,country,supplier_address\n"
    v1 = tmp_path / "v1.csv"
    v1.write_text(header + "2021,Foo Ltd,x,Japan,Tokyo\n2021,Bar Corp,x,Japan,Osaka\n", encoding="utf-8")
    v2 = tmp_path / "v2.csv"
    v2.write_text(header + "2021,Foo Ltd,x,Japan,Tokyo\n", encoding="utf-8")
    run_ingest("apple-suppliers", [v1], store, settings, dataset="apple-test")
    report = run_ingest("apple-suppliers", [v2], store, settings, dataset="apple-test")
    assert report.retired > 0
    bar = store.get_edges(["SUPPLIES:org:bar->org:apple"])["SUPPLIES:org:bar->org:apple"]
    foo = store.get_edges(["SUPPLIES:org:foo->org:apple"])["SUPPLIES:org:foo->org:apple"]
    assert bar["retired"] is True and '"ended"' in bar["prov"][0]
    assert foo["retired"] is False
    # retired facts are kept, not deleted
    assert "org:bar" in store.get_nodes(["org:bar"])


def test_one_writer_at_a_time(tmp_path):
    store = SQLiteStore(tmp_path / "s")
    other = SQLiteStore(tmp_path / "s")
    with store.write_lock(), pytest.raises(StoreLockedError), other.write_lock():
        pass


def test_unknown_source_and_missing_file(store, settings, tmp_path):
    with pytest.raises(IngestError, match="unknown source"):
        run_ingest("no-such-source", [tmp_path / "x.csv"], store, settings)
    from tierwatch.graph.errors import InputFileError

    with pytest.raises(InputFileError, match="no such file"):
        run_ingest("apple-suppliers", [Path(tmp_path / "missing.csv")], store, settings)
