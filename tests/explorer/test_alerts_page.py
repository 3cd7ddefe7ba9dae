"""The Alerts page on a copy of the demo graph (watching writes to the store): refused to the public
role, and for an analyst the watchlist, an added entity, and the alerts an ingest raised."""

from __future__ import annotations

from pathlib import Path

import pytest
from tierwatch.graph.settings import get_settings

from tests.explorer.test_pages import RCMP, app, texts
from tests.watch.support import copy_demo_store, ingest_test_finding


@pytest.fixture
def demo_copy_env(demo_store_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("TIERWATCH_STORE", "embedded")
    monkeypatch.setenv("TIERWATCH_STORE_DIR", str(copy_demo_store(demo_store_dir, tmp_path / "store")))
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

    ingest_test_finding(demo_copy_env)
    at = app(page="alerts", role="analyst")
    watched, raised = at.dataframe[0].value, at.dataframe[1].value
    assert list(watched["id"]) == [RCMP]
    assert "finding:tierwatch-test-suite:test-watch-1" in set(raised["subject"])
    assert set(raised["dataset"]) == {"test-watch-findings"}
