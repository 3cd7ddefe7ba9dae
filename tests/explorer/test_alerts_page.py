"""The Alerts page on a copy of the demo graph (watching writes to the store): refused to the public
role, and for an analyst the watchlist, an added entity, and the alerts an ingest raised."""

from __future__ import annotations

from pathlib import Path

import pytest
from tierwatch.graph.settings import get_settings

from tests.explorer.test_pages import RCMP, app, texts

FINDING = Path(__file__).parents[1] / "watch" / "fixtures" / "test_rcmp_smelter_finding.csv"


@pytest.fixture
def demo_copy_env(demo_store_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from tierwatch.graph.sqlite_store import SQLiteStore

    (tmp_path / "store").mkdir()
    source = SQLiteStore(demo_store_dir)
    try:
        source.backup(tmp_path / "store" / "graph.sqlite")
    finally:
        source.close()
    monkeypatch.setenv("TIERWATCH_STORE", "embedded")
    monkeypatch.setenv("TIERWATCH_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("TIERWATCH_KEYS_FILE", str(tmp_path / "keys.json"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_alerts_page_for_public_and_analyst(demo_copy_env) -> None:
    public = app(page="alerts")
    assert "for the analyst role" in texts(public) and not public.dataframe

    at = app(page="alerts", role="analyst")
    assert "Nothing watched yet" in texts(at)
    at.text_input(key="w_add_id").input(RCMP)
    at.button[0].click().run()  # the form's Watch button
    assert not at.exception, [e.value for e in at.exception]
    assert "Watching canada:dept:rcmp-grc (Royal Canadian Mounted Police)" in texts(at)

    from tierwatch.graph.sqlite_store import SQLiteStore
    from tierwatch.graph.watch.alerts import after_ingest
    from tierwatch.ingest.runner import run_ingest

    store = SQLiteStore(demo_copy_env.store_dir)
    try:
        report = run_ingest("findings", [FINDING], store, demo_copy_env, dataset="test-watch-findings")
        after_ingest(store, demo_copy_env, f"{report.dataset}@{report.version}", report.dataset)
    finally:
        store.close()
    at = app(page="alerts", role="analyst")
    watched, raised = at.dataframe[0].value, at.dataframe[1].value
    assert list(watched["id"]) == [RCMP]
    assert "finding:tierwatch-test-suite:test-watch-1" in set(raised["subject"])
    assert set(raised["dataset"]) == {"test-watch-findings"}
