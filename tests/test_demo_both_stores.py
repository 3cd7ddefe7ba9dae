"""The whole demo bundle on both stores: every dataset of the manifest loads, the two stores hold
identical graphs (canonical dumps), and loading it again changes nothing."""

from __future__ import annotations

import pytest
from rich.console import Console
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.neo4j_store import Neo4jStore
from tierwatch.graph.sqlite_store import SQLiteStore
from tierwatch.ingest.manifest import load_demo, load_manifest
from tierwatch.ingest.runner import run_ingest

pytestmark = pytest.mark.slow


def _load(settings, store):
    def run(source, paths, graph, **options):
        return run_ingest(source, paths, graph, settings, **options)

    return load_demo(settings, store, run=run, on_report=lambda r: None, console=Console(quiet=True))


def test_demo_loads_every_dataset_identically_on_both_stores(settings, real_data, neo4j_uri, tmp_path):
    manifest = [d for d in load_manifest(settings.manifest_file) if d.demo]  # not the tests-only sets
    embedded = SQLiteStore(tmp_path / "embedded")
    neo = Neo4jStore(neo4j_uri, "neo4j", "tierwatch")
    neo.clear()
    try:
        reports = _load(settings, embedded)
        assert [r.dataset for r in reports] == [d.dataset for d in manifest], "every dataset loads"
        for r in reports:
            for c in r.counts.values():
                assert c.read == c.written + c.quarantined + c.duplicate + c.skipped, r.dataset
        neo_reports = _load(settings, neo)
        assert [(r.dataset, r.nodes, r.edges) for r in reports] == [
            (r.dataset, r.nodes, r.edges) for r in neo_reports
        ]
        assert embedded.counts() == neo.counts()
        first = canonical_hash(embedded)
        assert first == canonical_hash(neo)
        sources = {n["dataset"] for n in embedded.iter_nodes(types=["Source"])}
        assert sources == {d.dataset for d in manifest}
        # again: a no-op on both
        for store in (embedded, neo):
            again = _load(settings, store)
            assert (
                sum(r.nodes_created + r.nodes_updated + r.edges_created + r.edges_updated for r in again) == 0
            )
        assert canonical_hash(embedded) == canonical_hash(neo) == first
    finally:
        neo.clear()
        neo.close()
