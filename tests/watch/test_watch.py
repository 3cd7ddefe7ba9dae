"""Watchlists and alerts on both stores, from real files: the RCMP's spend with Microsoft (Canadian
open data) and the smelters Microsoft declares in its Form SD (restricted copy), then a findings
file (tests/watch/fixtures: TEST INPUT, one made-up finding on a smelter the RCMP reaches)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tierwatch.graph.errors import NotFoundError, QueryError
from tierwatch.graph.settings import Settings
from tierwatch.graph.watch import alerts as watch
from tierwatch.graph.watch.snapshot import today

from tests.conftest import BACKENDS, empty_store
from tests.watch.support import FINDING_1, FIXTURES, TEST_DATASET

FINDING_2 = FIXTURES / "test_rcmp_smelter_finding_v2.csv"
REMEDY_1 = FIXTURES / "test_watch_remedy.csv"
REMEDY_2 = FIXTURES / "test_watch_remedy_v2.csv"
TEST_FINDING = "finding:tierwatch-test-suite:test-watch-1"
CANADA = (
    "procurement/canada_federal_contracts_brand_vendor_by_department_fy2017-2022.csv",
    "procurement/canada_federal_contracts_brand_vendor_name_variants.csv",
)
FORM_SD = "smelters/sec_form_sd/form_sd_brand_smelter_lists_cy2025_msi_tm_msft_hpe_xrx.csv"
RCMP = "canada:dept:rcmp-grc"
SMELTER = "sec:smelter:tin:pt-masbro-alam-stania"


def build_chain(ingest, real_data: Path, open_data: Path) -> None:
    ingest("canada-spend", *(open_data / p for p in CANADA))
    ingest("sec-smelters", real_data / FORM_SD)


def ingest_findings(ingest, path: Path):
    return ingest("findings", path, dataset=TEST_DATASET, licence_class="open")


def stable(alerts: list[dict]) -> list[dict]:
    """Alerts without what differs between two runs of the same ingest (time, sequence number)."""
    return [{k: v for k, v in a.items() if k not in ("at", "seq")} for a in alerts]


@pytest.fixture
def chain(ingest, store, settings, real_data, open_data):
    build_chain(ingest, real_data, open_data)
    return store


def test_new_finding_on_a_reached_smelter_raises_alerts(chain, ingest, settings) -> None:
    store = chain
    row = watch.watch_add(store, watch.query_service(store), RCMP)
    assert row["id"] == RCMP and row["name"] == "Royal Canadian Mounted Police" and row["links"] > 0
    assert SMELTER not in {a["subject"] for a in watch.list_alerts(store)}

    report = ingest_findings(ingest, FINDING_1)
    run = f"{report.dataset}@{report.version}"
    result = watch.after_ingest(store, settings, run, report.dataset)
    kinds = {(a["kind"], a["subject"]) for a in result.alerts}
    assert kinds == {
        ("finding_new", "finding:tierwatch-test-suite:test-watch-1"),
        ("strongest_changed", "health_and_safety"),
    }
    new = next(a for a in result.alerts if a["kind"] == "finding_new")
    assert new["run"] == run and new["dataset"] == TEST_DATASET and new["entity"] == RCMP
    assert new["evidence"].startswith("TEST INPUT") and new["detail"]["entity"] == SMELTER
    assert new["detail"]["path"][0] == RCMP and new["detail"]["path"][-1] == SMELTER
    # recorded in the store and in the outbox, the same alerts
    assert stable(watch.list_alerts(store)) == stable(result.alerts)
    lines = settings.alerts_outbox.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == result.alerts

    # the same graph again: nothing changed, nothing raised
    assert watch.after_ingest(store, settings, run, report.dataset).alerts == []

    # a new version of the dataset replaces the finding: the new one, and the old one's evidence
    # lapses (the dataset end-dated it; the graph keeps it, marked ended)
    report2 = ingest_findings(ingest, FINDING_2)
    second = watch.after_ingest(store, settings, f"{report2.dataset}@{report2.version}", report2.dataset)
    assert [(a["kind"], a["subject"]) for a in second.alerts] == [
        ("finding_new", "finding:tierwatch-test-suite:test-watch-2"),
        ("evidence_lapsed", "finding:tierwatch-test-suite:test-watch-1"),
    ]
    assert "every source of this finding has ended it" in second.alerts[1]["evidence"]
    assert len(watch.list_alerts(store)) == len(result.alerts) + len(second.alerts)
    assert watch.list_alerts(store, since=today()) == watch.list_alerts(store)


def test_remedy_status_change_raises_an_alert(chain, ingest, settings) -> None:
    """A remedy record on a watched finding changes its latest status: one ``remedy_changed`` alert
    naming the run, the remedy's dataset and its evidence; a later record changes it again. Runs on
    both stores (the ``store`` fixture), with the same alerts."""
    store = chain
    ingest_findings(ingest, FINDING_1)
    watch.watch_add(store, watch.query_service(store), RCMP)
    seen = []
    for path, dataset, was, now in (
        (REMEDY_1, "test-watch-remedy-1", None, "acknowledged"),
        (REMEDY_2, "test-watch-remedy-2", "acknowledged", "remedied"),
    ):
        report = ingest(
            "remedy", path, dataset=dataset, licence_class="open", publisher="test", licence="test"
        )
        run = f"{report.dataset}@{report.version}"
        alerts = watch.after_ingest(store, settings, run, report.dataset).alerts
        assert [(a["kind"], a["subject"]) for a in alerts] == [("remedy_changed", TEST_FINDING)]
        alert = alerts[0]
        assert alert["run"] == run and alert["dataset"] == dataset and alert["entity"] == RCMP
        assert alert["detail"]["before"] == was and alert["detail"]["now"] == now
        assert alert["evidence"].startswith(f"remedy status was {was or 'none'}, now {now}: TEST INPUT")
        assert alert["detail"]["path"][-1] == SMELTER
        seen += stable(alerts)
    # nothing more changed: nothing raised; the recorded alerts are the ones raised
    assert watch.after_ingest(store, settings, "again", None).alerts == []
    assert [a for a in stable(watch.list_alerts(store)) if a["kind"] == "remedy_changed"] == seen


def test_watchlist_add_list_remove_and_bad_ids(chain) -> None:
    store = chain
    svc = watch.query_service(store)
    with pytest.raises(NotFoundError, match="no-such-buyer"):
        watch.watch_add(store, svc, "ca-buyer:no-such-buyer")
    watch.watch_add(store, svc, RCMP)
    watch.watch_add(store, svc, "org:microsoft")
    assert [r["id"] for r in watch.watch_list(store)] == [RCMP, "org:microsoft"]
    watch.watch_remove(store, "org:microsoft")
    assert [r["id"] for r in watch.watch_list(store)] == [RCMP]
    with pytest.raises(NotFoundError, match="not on the watchlist"):
        watch.watch_remove(store, "org:microsoft")


def test_lapsed_supply_links_alert_once(chain, settings) -> None:
    """Microsoft's 2025 Form SD links end on 2025-12-31: checked mid-2025 and again in 2026, each
    link on the RCMP's paths lapses once."""
    store = chain
    watch.watch_add(store, watch.query_service(store), RCMP, on="2025-06-30")
    result = watch.after_ingest(store, settings, "check", None, on="2026-01-15")
    lapsed = [a for a in result.alerts if a["kind"] == "evidence_lapsed"]
    assert lapsed and all(a["subject"].startswith("SUPPLIES:") for a in lapsed)
    assert all("period ended on 2025-12-31" in a["evidence"] for a in lapsed)
    assert {a["kind"] for a in result.alerts} == {"evidence_lapsed"}
    assert watch.after_ingest(store, settings, "check", None, on="2026-02-01").alerts == []


def test_changes_between_two_dates(chain) -> None:
    """As of mid-2025 Microsoft reaches the smelters of its 2025 Form SD; as of today (the links'
    period over) it does not: those links and the smelters' findings leave its exposure. The RCMP's
    spend with Microsoft is of fiscal 2017-2022: as of mid-2025 the RCMP reaches nothing."""
    svc = watch.query_service(chain)
    answer = watch.changes(svc, "org:microsoft", since="2025-06-30")
    assert answer["until"] == today()
    retired = {c["subject"] for c in answer["changes"] if c["kind"] == "link_retired"}
    assert any(s.startswith("SUPPLIES:") and SMELTER in s for s in retired)
    assert answer["before"]["links"] > answer["after"]["links"] == 0
    rcmp = watch.changes(svc, RCMP, since="2018-01-01", until="2025-06-30")
    gone = [c for c in rcmp["changes"] if c["kind"] == "link_retired"]
    assert any(c["detail"]["src"] == RCMP and c["detail"]["type"] == "SPENDS_WITH" for c in gone)
    assert rcmp["after"] == {"findings": 0, "links": 0} and len(gone) == rcmp["before"]["links"]
    same = watch.changes(svc, RCMP, since="2025-06-30", until="2025-06-30")
    assert same["changes"] == []
    for bad, message in (
        ("2999-01-01", "in the future"),
        ("30/06/2025", "ISO date"),
    ):
        with pytest.raises(QueryError, match=message):
            watch.changes(svc, RCMP, since=bad)
    with pytest.raises(QueryError, match="after until"):
        watch.changes(svc, RCMP, since="2025-06-30", until="2025-01-01")
    with pytest.raises(QueryError, match="since"):
        watch.list_alerts(chain, since="yesterday")


def test_same_alerts_on_both_stores_neo4j(request, tmp_path, real_data, open_data) -> None:
    """The same ingests give the same alerts, in the same order, on the embedded store and Neo4j."""
    from tierwatch.ingest.runner import run_ingest

    raised = {}
    for backend in BACKENDS:
        settings = Settings(store_dir=tmp_path / backend, real_data_dir=real_data)
        store = empty_store(backend, settings, request)
        try:

            def ingest(source, *paths, **options):
                return run_ingest(source, list(paths), store, settings, **options)  # noqa: B023

            build_chain(ingest, real_data, open_data)
            watch.watch_add(store, watch.query_service(store), RCMP, on="2025-06-30")
            watch.watch_add(store, watch.query_service(store), "org:microsoft", on="2025-06-30")
            report = ingest_findings(ingest, FINDING_1)
            run = f"{report.dataset}@{report.version}"
            watch.after_ingest(store, settings, run, report.dataset, on="2026-01-15")
            raised[backend] = stable(watch.list_alerts(store))
            assert [a["seq"] for a in watch.list_alerts(store)] == list(range(1, len(raised[backend]) + 1))
        finally:
            store.close()
    kinds = {a["kind"] for a in raised["embedded"]}
    assert {"finding_new", "strongest_changed", "evidence_lapsed"} <= kinds
    assert raised["embedded"] == raised["neo4j"]


@pytest.mark.parametrize("store", ["embedded"], indirect=True)
def test_cli_bad_input_exit_2(chain, settings) -> None:
    env = {**os.environ, "TIERWATCH_STORE_DIR": str(settings.store_dir), "TIERWATCH_STORE": "embedded"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        code = "from tierwatch.cli import main; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300
        )

    for args, said in (
        (("watch", "add", "ca-buyer:no-such-buyer"), "no-such-buyer"),
        (("watch", "remove", RCMP), "not on the watchlist"),
        (("alerts", "--since", "2999-01-01"), "in the future"),
        (("changes", RCMP, "--since", "June 2025"), "ISO date"),
    ):
        done = cli(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert said in done.stderr and "Traceback" not in done.stderr
    changed = cli("changes", "org:microsoft", "--since", "2025-06-30")
    assert changed.returncode == 0 and "link_retired SUPPLIES:" in changed.stdout, changed.stderr
    done = cli("watch", "add", RCMP)
    assert done.returncode == 0 and "watching canada:dept:rcmp-grc" in done.stdout
    listed = json.loads(cli("watch", "list", "--json").stdout)
    assert [r["id"] for r in listed] == [RCMP]


def test_a_version_3_store_gains_the_watch_tables(settings, open_data, tmp_path) -> None:
    """A store written before watchlists (schema version 3, no watch tables) is migrated in place
    on open, its graph untouched."""
    import sqlite3

    from tierwatch.graph.sqlite_schema import FILE_NAME, SCHEMA_VERSION
    from tierwatch.graph.sqlite_store import SQLiteStore
    from tierwatch.ingest.runner import run_ingest

    store = SQLiteStore(settings.store_dir)
    run_ingest("canada-spend", [open_data / p for p in CANADA], store, settings)
    counts = store.counts()
    store.close()
    with sqlite3.connect(settings.store_dir / FILE_NAME) as conn:
        conn.execute("DROP TABLE watchlist")
        conn.execute("DROP TABLE alerts")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    store = SQLiteStore(settings.store_dir)
    try:
        assert store.counts() == counts and watch.watch_list(store) == []
        with sqlite3.connect(settings.store_dir / FILE_NAME) as conn:
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        assert version == str(SCHEMA_VERSION) == "4"
    finally:
        store.close()
