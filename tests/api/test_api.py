"""The API on the real demo graph (both stores): routes, roles, limits, one error model, offline docs."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tierwatch.api.app import create_app
from tierwatch.api.auth import KeyStore, Role
from tierwatch.graph.settings import Settings

BUYER = "canada:dept:rcmp-grc"


@pytest.fixture
def client(demo_settings: Settings) -> TestClient:
    return TestClient(create_app(demo_settings), raise_server_exceptions=False)


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and {"status", "code", "message", "fields"} <= set(body["error"])
    assert body["error"]["status"] == response.status_code
    return body["error"]


def test_routes_answer_on_the_demo_graph(client: TestClient, demo_settings: Settings) -> None:
    assert client.get("/v1/ping").json() == {"ok": True}
    health = client.get("/v1/health").json()
    assert health["status"] == "ok" and health["backend"] == demo_settings.store
    hits = client.get("/v1/search", params={"q": "royal canadian mounted"}).json()["hits"]
    assert hits[0]["entity"]["id"] == BUYER
    detail = client.get(f"/v1/entities/{BUYER}").json()
    assert detail["entity"]["name"] == "Royal Canadian Mounted Police" and detail["provenance"]
    up = client.get(f"/v1/entities/{BUYER}/upstream", params={"tiers": 2, "limit": 5}).json()
    assert up["total"] > 5 and len(up["hits"]) == 5 and up["more"] == up["total"] - 5
    assert all(h["path"]["nodes"][0] == BUYER for h in up["hits"])
    down = client.get("/v1/entities/org:dell/downstream", params={"tiers": 1}).json()
    assert any(h["entity"]["id"] == BUYER for h in down["hits"]) or down["total"] > 0
    exposure = client.get(f"/v1/entities/{BUYER}/exposure").json()
    assert exposure["categories"] and exposure["aggregate_formula"] and exposure["coverage"]["chains"]
    assert all(hit["path"]["links"] for c in exposure["categories"] for hit in c["hits"] if hit["tier"] > 0)
    paths = client.get("/v1/paths", params={"src": BUYER, "dst": "org:dell"}).json()
    assert paths["paths"] and paths["paths"][0]["nodes"][-1] == "org:dell"
    assert client.get("/v1/entities/org:dell/risk").json()["formula"]
    assert client.get("/v1/risk", params={"limit": 3}).json()["items"]


def test_exports_download(client: TestClient) -> None:
    response = client.get(f"/v1/entities/{BUYER}/export", params={"format": "graphml", "hops": 1})
    assert response.status_code == 200 and response.content.startswith(b"<?xml")
    assert 'filename="neighbourhood-canada_dept_rcmp-grc.graphml"' in response.headers["content-disposition"]
    response = client.get(f"/v1/entities/{BUYER}/exposure/export", params={"format": "json"})
    assert response.status_code == 200 and response.json()["graph"]["export"] == "exposure"
    response = client.get("/v1/paths/export", params={"src": BUYER, "dst": "org:dell", "format": "cypher"})
    assert response.status_code == 200 and b"MERGE (a)-[r:`SPENDS_WITH`" in response.content


def test_limits_and_error_model(client: TestClient) -> None:
    assert (
        _error(client.get(f"/v1/entities/{BUYER}/upstream", params={"tiers": 9}))["code"] == "invalid_request"
    )
    assert client.get("/v1/search", params={"q": "x", "limit": 501}).status_code == 422
    assert client.get("/v1/paths", params={"src": BUYER, "dst": "org:dell", "k": 21}).status_code == 422
    assert client.get(f"/v1/entities/{BUYER}/upstream", params={"as_of": "2020-13-45"}).status_code in (
        400,
        422,
    )
    assert _error(client.get("/v1/entities/zz:missing"))["message"] == "no entity with id 'zz:missing'"
    assert _error(client.get("/v1/nowhere"))["code"] == "not_found"
    assert _error(client.get("/v1/entities/org:dell/export", params={"format": "xls"}))["status"] == 422


def test_keys_and_roles(client: TestClient, demo_settings: Settings, caplog) -> None:
    keys = KeyStore(demo_settings.keys_path)
    analyst = keys.add(Role.ANALYST)
    assert client.get("/v1/whoami").json()["role"] == "public"
    assert client.get("/v1/whoami", headers={"X-API-Key": analyst}).json()["role"] == "analyst"
    assert (
        client.get("/v1/whoami", headers={"Authorization": f"Bearer {analyst}"}).json()["role"] == "analyst"
    )
    wrong = analyst[:-2] + "zz"
    response = client.get("/v1/whoami", headers={"X-API-Key": wrong})
    assert response.status_code == 401 and wrong not in response.text
    assert _error(client.get("/v1/whoami", headers={"Authorization": "Basic abc"}))["status"] == 401
    assert analyst not in caplog.text and wrong not in caplog.text


def test_docs_work_offline(client: TestClient) -> None:
    html = client.get("/docs").text
    hosts = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html) + re.findall(
        r"url:\s*'([^']+)'", html
    )
    assert hosts and all(h.startswith("/") for h in hosts), hosts
    assert "http://" not in html and "https://" not in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/static/swagger/{asset}").status_code == 200
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/v1/entities/{entity_id}/exposure" in spec["paths"]
    assert "ErrorBody" in spec["components"]["schemas"]


def test_tierwatch_serve_starts_the_api(tmp_path) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TIERWATCH_STORE": "networkx", "TIERWATCH_STORE_DIR": str(tmp_path / "store")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tierwatch", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/ping", timeout=1) as r:
                    assert r.read() == b'{"ok":true}'
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("tierwatch serve did not answer")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=5) as r:
            assert b"/static/swagger/swagger-ui-bundle.js" in r.read()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
