"""Watchlist, alerts and changes routes on a copy of the real demo graph (embedded store; both
stores' records are compared in tests/watch): analyst only, bad input 4xx, the RCMP alert."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tierwatch.api.app import create_app
from tierwatch.api.auth import KeyStore, Role
from tierwatch.graph.settings import Settings
from tierwatch.graph.watch.snapshot import KINDS

from tests.watch.support import copy_demo_store, ingest_test_finding

RCMP = "canada:dept:rcmp-grc"


@pytest.fixture
def demo_copy(demo_store_dir: Path, tmp_path: Path) -> Settings:
    """Settings on a consistent copy of the demo store (watching writes to the store)."""
    return Settings(
        store="embedded",
        store_dir=copy_demo_store(demo_store_dir, tmp_path / "store"),
        keys_file=tmp_path / "keys.json",
        api_query_timeout_s=120,
    )


def test_public_role_is_refused(demo_copy: Settings) -> None:
    client = TestClient(create_app(demo_copy), raise_server_exceptions=False)
    for method, url in (
        ("GET", "/v1/watch"),
        ("POST", f"/v1/watch/{RCMP}"),
        ("DELETE", f"/v1/watch/{RCMP}"),
        ("GET", "/v1/alerts"),
        ("GET", f"/v1/changes/{RCMP}?since=2020-01-01"),
    ):
        response = client.request(method, url)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["error"]["code"] == "forbidden"


def test_analyst_watches_the_rcmp_and_sees_the_alert(demo_copy: Settings) -> None:
    key = KeyStore(demo_copy.keys_path).add(Role.ANALYST)
    client = TestClient(create_app(demo_copy), raise_server_exceptions=False, headers={"X-API-Key": key})
    added = client.post(f"/v1/watch/{RCMP}")
    assert added.status_code == 200, added.text
    assert added.json()["name"] == "Royal Canadian Mounted Police" and added.json()["findings"] > 0
    assert [r["id"] for r in client.get("/v1/watch").json()] == [RCMP]
    missing = client.post("/v1/watch/ca-buyer:no-such-buyer")
    assert missing.status_code == 404 and "no-such-buyer" in missing.json()["error"]["message"]
    for since in ("2999-01-01", "last-week"):
        bad = client.get("/v1/alerts", params={"since": since})
        assert bad.status_code == 422 and "since" in bad.json()["error"]["message"]
    assert client.get("/v1/alerts").json() == []

    ingest_test_finding(demo_copy)
    raised = client.get("/v1/alerts").json()
    assert ("finding_new", "finding:tierwatch-test-suite:test-watch-1") in {
        (a["kind"], a["subject"]) for a in raised
    }
    assert all(a["entity"] == RCMP and a["run"].startswith("test-watch-findings@") for a in raised)

    assert client.delete(f"/v1/watch/{RCMP}").status_code == 200
    assert client.get("/v1/watch").json() == []
    assert client.delete(f"/v1/watch/{RCMP}").status_code == 404
    assert client.get("/v1/alerts").json() == raised  # alerts stay


def test_changes_route(demo_copy: Settings) -> None:
    key = KeyStore(demo_copy.keys_path).add(Role.ANALYST)
    client = TestClient(create_app(demo_copy), raise_server_exceptions=False, headers={"X-API-Key": key})
    answer = client.get(f"/v1/changes/{RCMP}", params={"since": "2018-01-01", "until": "2025-06-30"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["since"] == "2018-01-01" and body["until"] == "2025-06-30"
    assert body["before"]["findings"] > 0 and body["changes"]
    assert {c["kind"] for c in body["changes"]} <= set(KINDS)
    future = client.get(f"/v1/changes/{RCMP}", params={"since": "2999-01-01"})
    assert future.status_code == 422 and "future" in future.json()["error"]["message"]
    assert client.get("/v1/changes/zz:missing", params={"since": "2020-01-01"}).status_code == 404
