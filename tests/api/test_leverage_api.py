"""Shared leverage through the API and the CLI on the real demo graph (both stores): the same answer
as the query layer, errors as 4xx / exit code 2 naming the parameter."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from tierwatch.api.app import create_app
from tierwatch.graph.query import open_query_service
from tierwatch.graph.query.leverage import BuyerSelection
from tierwatch.graph.query.service import Page, Viewer
from tierwatch.graph.settings import Settings
from typer.testing import CliRunner


@pytest.fixture
def client(demo_settings: Settings) -> TestClient:
    return TestClient(create_app(demo_settings), raise_server_exceptions=False)


def test_route_gives_the_query_layer_answer(client: TestClient, demo_settings: Settings) -> None:
    body = client.get("/v1/leverage", params={"buyer_country": "CA", "limit": 10, "paths": 1}).json()
    svc = open_query_service(demo_settings)
    try:
        direct = svc.leverage(BuyerSelection(country="CA"), Viewer.public(), paths=1, page=Page(limit=10))
    finally:
        svc.close()
    assert body == json.loads(direct.model_dump_json())
    assert body["rows"] and all(r["buyers"] >= 2 for r in body["rows"])
    assert all(len(r["paths"]) == 1 for r in body["rows"])


def test_export_holds_the_rows_paths_and_evidence(client: TestClient) -> None:
    params = {"buyer_country": "CA", "limit": 5, "paths": 3, "evidence": 5}
    answer = client.get("/v1/leverage", params=params).json()
    response = client.get("/v1/leverage/export", params={"buyer_country": "CA", "limit": 5, "format": "json"})
    assert response.status_code == 200, response.text
    graph = response.json()
    ids = {n["id"] for n in graph["nodes"]}
    links = {e["id"] for e in graph["links"]}
    assert graph["graph"]["export"] == "leverage" and graph["graph"]["rows"] == 5
    for row in answer["rows"]:
        assert row["entity"]["id"] in ids and set(row["buyer_ids"]) <= ids
        for p in row["paths"]:
            assert set(p["path"]["nodes"]) <= ids and {lk["id"] for lk in p["path"]["links"]} <= links
        assert {e["finding"]["id"] for e in row["evidence"]} <= ids
    bad = client.get("/v1/leverage/export", params={"all": "true", "format": "docx"})
    assert bad.status_code == 422


def test_route_refuses_bad_input(client: TestClient) -> None:
    for params, word in (
        ({"buyer_country": "CA", "all": "true"}, "one way"),
        ({}, "one way"),
        ({"buyer_kind": "federal departmnt"}, "federal department"),
        ({"all": "true", "commodity": "unobtainium"}, "commodity"),
        ({"buyer": "org:dell"}, "not a public buyer"),
    ):
        response = client.get("/v1/leverage", params=params)
        assert response.status_code == 422, (params, response.text)
        assert word in response.json()["error"]["message"]
    assert client.get("/v1/leverage", params={"buyer": "zz:none"}).status_code == 404
    assert client.get("/v1/leverage", params={"all": "true", "min_buyers": 1}).status_code == 422


def test_cli(demo_settings: Settings, monkeypatch) -> None:
    from tierwatch.graph import settings as settings_module

    from tierwatch.cli import _register, app

    get = lambda: demo_settings  # noqa: E731
    monkeypatch.setattr(settings_module, "get_settings", get)
    monkeypatch.setattr("tierwatch.cli.query_cmds.get_settings", get)
    if not any(c.name == "leverage" for c in app.registered_commands):
        _register()
    runner = CliRunner()
    store = ["--store", demo_settings.store]
    kind = ["--kind", "federal department"]
    result = runner.invoke(app, ["leverage", *kind, "--json", "--limit", "5", *store])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["selection"] == "kind federal department" and len(answer["rows"]) == 5
    text = runner.invoke(app, ["leverage", "--country", "CA", "--limit", "3", "--paths", "1", *store])
    assert text.exit_code == 0 and answer["rows"][0]["entity"]["id"] in text.stdout.replace("\n", "")
    bad = runner.invoke(app, ["leverage", "--country", "CA", "--all", *store])
    assert bad.exit_code != 0
