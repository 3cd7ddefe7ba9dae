"""Matching over HTTP and in the terminal, on the real demo graph and both stores: ``POST /v1/match``
(query by example), the W3C / OpenRefine reconciliation API (``/v1/reconcile``) and
``tierwatch match`` / ``tierwatch match decide`` (docs/MATCH.md). The canary routes are in
tests/api/api_canaries.py (POST_REQUESTS, MATCH_URLS)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from tierwatch.api.app import create_app
from tierwatch.api.auth import KeyStore, Role
from tierwatch.graph.settings import REPO_ROOT, Settings
from typer.testing import CliRunner

FIXTURE = REPO_ROOT / "tests" / "match" / "fixtures" / "buyer_suppliers.csv"


def _analyst(settings: Settings) -> dict[str, str]:
    return {"X-API-Key": KeyStore(settings.keys_path).add(Role.ANALYST)}


def test_match_route(demo_settings: Settings) -> None:
    client = TestClient(create_app(demo_settings))
    records = [
        {"name": "Zijin Mining Group Co Ltd", "country": "China"},
        {"name": "云南锡业股份有限公司锡业分公司", "ref": "my-42"},
        {"name": "", "identifiers": ["13041988"], "country": "GB"},
    ]
    analyst = client.post("/v1/match", json={"records": records, "limit": 2}, headers=_analyst(demo_settings))
    assert analyst.status_code == 200, analyst.text
    rows = analyst.json()["rows"]
    assert [r["candidates"][0]["entity"]["id"] for r in rows] == [
        "org:zijin-mining-group",
        "rmi:CID002180",
        "org:acuphon",
    ]
    assert rows[1]["record"]["ref"] == "my-42"
    assert rows[2]["candidates"][0]["reasons"][0] == {
        "kind": "identifier",
        "points": 100.0,
        "detail": "identifier '13041988' equal",
    }
    public = client.post("/v1/match", json={"records": records, "limit": 2}).json()["rows"]
    assert public[1]["status"] == "none" and public[1]["withheld"] == 1, "the RMI smelter: withheld, counted"
    assert public[0]["candidates"][0]["entity"]["id"] == "org:zijin-mining-group"


def test_match_route_bad_input_and_cap(demo_settings: Settings) -> None:
    client = TestClient(create_app(demo_settings))
    empty = client.post("/v1/match", json={"records": []})
    assert empty.status_code == 422 and "records" in empty.json()["error"]["message"]
    unknown = client.post("/v1/match", json={"records": [{"name": "x"}], "types": ["Planet"]})
    assert unknown.status_code == 422 and "Planet" in unknown.json()["error"]["message"]
    extra = client.post("/v1/match", json={"records": [{"nom": "x"}]})
    assert extra.status_code == 422 and "nom" in extra.json()["error"]["message"]
    capped = TestClient(create_app(demo_settings.model_copy(update={"match_max_rows": 2})))
    body = capped.post("/v1/match", json={"records": [{"name": f"Dell {i}"} for i in range(5)]}).json()
    assert len(body["rows"]) == 2 and body["left_out"] == 3 and "3 records" in body["left_out_reason"]


def test_reconciliation_service(demo_settings: Settings) -> None:
    client = TestClient(create_app(demo_settings))
    manifest = client.get("/v1/reconcile").json()
    assert manifest["versions"] == ["0.2"] and "{{id}}" in manifest["view"]["url"]
    types = {t["id"] for t in manifest["defaultTypes"]}
    assert {"Company", "Brand", "Smelter", "PublicBuyer"} <= types and "RiskFinding" not in types
    queries = {
        "q0": {
            "query": "Europaische Zentralbank",
            "type": "PublicBuyer",
            "properties": [{"pid": "country", "v": "Germany"}],
        },
        "q1": {"query": "Acuphon", "properties": [{"pid": "identifier", "v": "GB-COH:13041988"}]},
        "q2": {"query": "Electric Lion", "limit": 1},
    }
    posted = client.post("/v1/reconcile", data={"queries": json.dumps(queries)})
    assert posted.status_code == 200, posted.text
    answer = posted.json()
    first = answer["q0"]["result"][0]
    assert first["id"] == "buyer:de:european-central-bank" and first["match"] is True
    assert first["type"] == [{"id": "PublicBuyer", "name": "PublicBuyer"}]
    assert {"id": "country", "value": 3.0} in first["features"]
    assert answer["q1"]["result"][0]["id"] == "org:acuphon" and answer["q1"]["result"][0]["score"] == 100.0
    assert (
        answer["q2"]["result"][0]["id"] == "org:lion-electric" and answer["q2"]["result"][0]["match"] is False
    )
    got = client.get("/v1/reconcile", params={"queries": json.dumps(queries)}).json()
    assert got == answer
    jsonp = client.get("/v1/reconcile", params={"callback": "cb_1"})
    assert jsonp.text.startswith("cb_1({") and jsonp.headers["content-type"].startswith(
        "application/javascript"
    )
    preview = client.get("/v1/reconcile/preview", params={"id": "buyer:de:european-central-bank"})
    assert preview.status_code == 200 and "<b>European Central Bank</b>" in preview.text
    # the public role gets a licence-restricted smelter's preview as a missing id
    assert client.get("/v1/reconcile/preview", params={"id": "rmi:CID002180"}).status_code == 404
    for bad, words in (
        ("{not json", "not JSON"),
        (json.dumps({"q0": {"query": "x", "type": "Planet"}}), "Planet"),
        (json.dumps({"q0": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}}), "colour"),
        (json.dumps({"q0": {"query": "x", "limit": 0}}), "limit"),
    ):
        response = client.post("/v1/reconcile", data={"queries": bad})
        assert response.status_code == 422 and words in response.json()["error"]["message"], bad
    assert client.get("/v1/reconcile", params={"callback": "alert(1)"}).status_code == 422


# -- the terminal --------------------------------------------------------------------------------


@pytest.fixture
def cli(demo_settings: Settings, monkeypatch, tmp_path):
    from tierwatch.graph import settings as settings_module

    from tierwatch.cli import _register, app

    settings = demo_settings.model_copy(update={"match_decisions_file": tmp_path / "decisions.csv"})
    get = lambda: settings  # noqa: E731
    monkeypatch.setattr(settings_module, "get_settings", get)
    for module in ("query_cmds", "match_cmd"):
        monkeypatch.setattr(f"tierwatch.cli.{module}.get_settings", get)
    if not any(c.name == "match" for c in app.registered_commands):
        _register()
    from tierwatch.cli.query_cmds import out

    monkeypatch.setattr(out, "width", 300)  # ids and reasons on one line each
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        from tierwatch.graph.errors import TierwatchError

        from tierwatch.cli import exit_code

        result = runner.invoke(app, [*args, "--store", settings.store])
        if code == 0:
            assert result.exit_code == 0, (args, result.output, result.exception)
        else:  # what main() turns into one line and this exit code
            assert isinstance(result.exception, TierwatchError), (args, result.output, result.exception)
            assert exit_code(result.exception) == code
        return result.stdout

    return run


def test_cli_match_table_json_decide_and_links(cli, tmp_path) -> None:
    table = cli("match", str(FIXTURE), "--limit", "1")
    assert "org:zijin-mining-group" in table and "normalised name equal" in table
    assert "skipped row 16: no name" in table
    result = json.loads(cli("match", str(FIXTURE), "--json"))
    by_ref = {r["record"]["ref"]: r for r in result["rows"]}
    assert by_ref["S05"]["status"] == "review"
    out = cli("match", "decide", by_ref["S05"]["key"], "org:lion-electric", "yes")
    assert "recorded" in out
    links = tmp_path / "links.csv"
    again = json.loads(
        cli(
            "match",
            str(FIXTURE),
            "--json",
            "--write-links",
            str(links),
            "--downstream",
            "org:dell",
            "--product",
            "components",
        )
    )
    s05 = next(r for r in again["rows"] if r["record"]["ref"] == "S05")
    assert s05["status"] == "decided"
    assert "org:lion-electric,org:dell" in links.read_text(encoding="utf-8")
    cli("match", "decide", "nokey", "org:dell", "yes", code=2)
    cli("match", "decide", by_ref["S05"]["key"], "org:no-such-entity", "yes", code=2)


def test_cli_bad_files_exit_2_naming_file_and_column(tmp_path) -> None:
    import os
    import subprocess
    import sys

    bad = tmp_path / "bad.csv"
    bad.write_text("code,amount\n1,2\n", encoding="utf-8")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERWATCH_")}
    env.update(TIERWATCH_STORE_DIR=str(tmp_path / "store"), COLUMNS="400")
    for path, words in (
        (bad, "row 1: no name column: the header is 'code', 'amount'"),
        (empty, "empty.xlsx"),
    ):
        run = subprocess.run(
            [sys.executable, "-m", "tierwatch", "match", str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert run.returncode == 2, run.stderr
        assert words in " ".join(run.stderr.split()) and "Traceback" not in run.stderr
