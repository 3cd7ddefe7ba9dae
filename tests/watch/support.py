"""Shared by the watchlist tests of the API and the explorer: a copy of the demo store (watching
writes to the store) and the test finding ingested into it with the alerts computed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tierwatch.graph.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
FINDING_1 = FIXTURES / "test_rcmp_smelter_finding.csv"
TEST_DATASET = "test-watch-findings"


def copy_demo_store(demo_store_dir: Path, target: Path) -> Path:
    """A consistent copy of the embedded demo store in ``target`` (a new folder)."""
    from tierwatch.graph.sqlite_store import SQLiteStore

    target.mkdir(parents=True)
    source = SQLiteStore(demo_store_dir)
    try:
        source.backup(target / "graph.sqlite")
    finally:
        source.close()
    return target


def ingest_test_finding(settings: Settings, path: Path = FINDING_1) -> list[dict[str, Any]]:
    """Ingest the test findings file into the embedded store of ``settings`` as the CLI does, then
    compute the alerts; returns them."""
    from tierwatch.graph.sqlite_store import SQLiteStore
    from tierwatch.graph.watch.alerts import after_ingest
    from tierwatch.ingest.runner import run_ingest

    store = SQLiteStore(settings.store_dir)
    try:
        report = run_ingest("findings", [path], store, settings, dataset=TEST_DATASET)
        return after_ingest(store, settings, f"{report.dataset}@{report.version}", report.dataset).alerts
    finally:
        store.close()
