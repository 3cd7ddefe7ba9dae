"""Bad parameters are refused (one status, one message, every route; the CLI says the same with exit
code 2), exports of one question are the same from the API, the CLI and the explorer's code path,
and the CLI's store does not depend on where it runs. Real demo graph, both stores."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tierwatch.api.app import create_app
from tierwatch.graph.settings import Settings

BUYER = "canada:dept:rcmp-grc"
HUAYOU = "org:huayou-cobalt"

#: (route, params, parameter named in the message, an allowed value the message lists)
BAD = [
    (
        f"/v1/entities/{BUYER}/exposure",
        {"category": "spaceship"},
        "risk category 'spaceship'",
        "forced_labour",
    ),
    (f"/v1/entities/{BUYER}/exposure", {"commodity": "unobtainium"}, "commodity 'unobtainium'", "cobalt"),
    (f"/v1/entities/{BUYER}/upstream", {"commodity": "unobtainium"}, "commodity 'unobtainium'", "cobalt"),
    ("/v1/paths", {"src": BUYER, "dst": "org:dell", "commodity": "unobtainium"}, "commodity", "tin"),
    ("/v1/search", {"q": "apple", "country": "zz"}, "country 'zz'", "ISO 3166-1 alpha-2"),
    (f"/v1/entities/{BUYER}/upstream", {"country": "zz"}, "country 'zz'", "ISO 3166-1 alpha-2"),
    ("/v1/search", {"q": "apple", "type": "Spaceship"}, "entity type 'Spaceship'", "PublicBuyer"),
    (f"/v1/entities/{BUYER}/downstream", {"type": "Spaceship"}, "entity type 'Spaceship'", "Smelter"),
    ("/v1/risk", {"type": "Spaceship"}, "entity type 'Spaceship'", "Smelter"),
    ("/v1/entities/org:dell/export", {"format": "xls"}, "export format 'xls'", "graphml"),
    (f"/v1/entities/{BUYER}/exposure/export", {"format": "xls"}, "export format 'xls'", "cypher"),
    (f"/v1/entities/{BUYER}/exposure/export", {"commodity": "unobtainium"}, "commodity", "cobalt"),
]


@pytest.fixture
def client(demo_settings: Settings) -> TestClient:
    return TestClient(create_app(demo_settings), raise_server_exceptions=False)


def test_unknown_values_are_one_422_with_the_allowed_values(client: TestClient) -> None:
    for route, params, named, allowed in BAD:
        response = client.get(route, params=params)
        body = response.json()["error"]
        assert (response.status_code, body["code"]) == (422, "invalid_request"), (route, params, body)
        assert named in body["message"] and allowed in body["message"], (route, body["message"])
    # out-of-range values are the same kind of error: the same status
    assert client.get(f"/v1/entities/{BUYER}/upstream", params={"tiers": 9}).status_code == 422
    # known values still answer
    assert (
        client.get(f"/v1/entities/{BUYER}/exposure", params={"category": "forced_labour"}).status_code == 200
    )
    assert (
        client.get(f"/v1/entities/{BUYER}/upstream", params={"commodity": "Tin", "country": "cn"}).status_code
        == 200
    )
    assert client.get("/v1/search", params={"q": "dell", "type": "Brand"}).json()["hits"]
    assert client.get("/v1/search", params={"q": "huayou", "country": "cn"}).json()["hits"]


# -- the CLI, run as a user runs it (its own process, outside the repository) ----------------------


def _env(settings: Settings, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TIERWATCH_") or k == "TIERWATCH_REAL_DATA_DIR"
    }
    env.update(
        TIERWATCH_STORE=settings.store,
        TIERWATCH_STORE_DIR=str(settings.store_dir),
        TIERWATCH_NEO4J_URI=settings.neo4j_uri,
        TIERWATCH_API_QUERY_TIMEOUT_S="120",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        COLUMNS="400",
    )
    env.update(extra)
    return env


def _tierwatch(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tierwatch", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_refuses_bad_values_with_the_api_message_and_exit_2(
    client: TestClient, demo_settings: Settings, tmp_path: Path
) -> None:
    env = _env(demo_settings, tmp_path)
    cases = [
        (
            ["exposure", BUYER, "--category", "spaceship"],
            f"/v1/entities/{BUYER}/exposure",
            {"category": "spaceship"},
        ),
        (
            ["upstream", BUYER, "--commodity", "unobtainium"],
            f"/v1/entities/{BUYER}/upstream",
            {"commodity": "unobtainium"},
        ),
        (["search", "apple", "--country", "zz"], "/v1/search", {"q": "apple", "country": "zz"}),
        (["export", "org:dell", "--format", "xls"], "/v1/entities/org:dell/export", {"format": "xls"}),
    ]
    for args, route, params in cases:
        run = _tierwatch(env, tmp_path, *args)
        message = client.get(route, params=params).json()["error"]["message"]
        assert run.returncode == 2, (args, run.stdout, run.stderr)
        assert " ".join(run.stderr.split()) == f"error: {message}", args
        assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    run = _tierwatch(env, tmp_path, "export", "org:dell", "--tiers", "100")
    assert run.returncode == 2 and "--tiers" in run.stderr and "internal error" not in run.stderr
    # a file whose extension is not its format's is refused; the extension alone picks the format
    run = _tierwatch(env, tmp_path, "export", "org:dell", "--format", "csv", "-o", str(tmp_path / "x.csv"))
    assert run.returncode == 2 and ".csv.zip" in run.stderr and not (tmp_path / "x.csv").exists()
    run = _tierwatch(env, tmp_path, "export", "org:dell", "--tiers", "1", "-o", str(tmp_path / "x.graphml"))
    assert run.returncode == 0 and (tmp_path / "x.graphml").read_bytes().startswith(b"<?xml")


def test_exports_are_one_code_path(client: TestClient, demo_settings: Settings, tmp_path: Path) -> None:
    """The CLI's and the API's exports of one question for one role hold the same elements; a path
    export holds the paths `paths` finds."""
    env = _env(demo_settings, tmp_path)
    for role_args, headers in ((["--role", "public"], {}),):
        out = tmp_path / "exposure.json"
        run = _tierwatch(env, tmp_path, "export", BUYER, "--what", "exposure", "-o", str(out), *role_args)
        assert run.returncode == 0, run.stderr
        cli = json.loads(out.read_bytes())
        api = client.get(f"/v1/entities/{BUYER}/exposure/export", headers=headers).json()
        ids = lambda g: ({n["id"] for n in g["nodes"]}, {e["id"] for e in g["links"]})  # noqa: E731
        assert ids(cli) == ids(api) and len(cli["nodes"]) > 10
        assert cli["graph"]["tiers"] == api["graph"]["tiers"] == 6
    out = tmp_path / "paths.json"
    run = _tierwatch(env, tmp_path, "export", BUYER, "--what", "paths", "--to", "org:dell", "-o", str(out))
    assert run.returncode == 0, run.stderr
    found = json.loads(_tierwatch(env, tmp_path, "paths", BUYER, "org:dell", "--json").stdout)
    exported = json.loads(out.read_bytes())
    links = {link["id"] for p in found["paths"] for link in p["links"]}
    assert found["paths"] and links == {e["id"] for e in exported["links"]}
    assert exported["graph"]["paths"] == len(found["paths"])
    api = client.get("/v1/paths/export", params={"src": BUYER, "dst": "org:dell"}).json()
    assert {e["id"] for e in api["links"]} == links
    run = _tierwatch(env, tmp_path, "export", BUYER, "--what", "paths", "--to", "org:dell", "--tiers", "2")
    assert run.returncode == 2 and "--max-hops" in run.stderr


def test_explorer_downloads_use_the_same_code_path() -> None:
    from tierwatch import explorer

    views = Path(explorer.__file__).parent / "views"
    assert "answers.exposure(" in (views / "exposure.py").read_text(encoding="utf-8")
    assert "answers.paths(" in (views / "paths.py").read_text(encoding="utf-8")


def test_store_does_not_depend_on_the_working_directory(demo_settings: Settings, tmp_path: Path) -> None:
    if demo_settings.store != "embedded":
        pytest.skip("the store directory is the embedded store's")
    env = _env(demo_settings, tmp_path)
    env.pop("TIERWATCH_STORE_DIR")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    empty = tmp_path / "xdg" / "tierwatch" / "store"
    run = _tierwatch(env, elsewhere, "search", "apple")
    assert run.returncode == 2 and f"store at {empty} holds no graph" in run.stderr, run.stderr
    assert "0 matches" not in run.stdout
    stats = json.loads(_tierwatch(env, elsewhere, "stats", "--json").stdout)
    assert stats["store"] == {"backend": "embedded", "location": str(empty)}
    # with the demo store in the per-user place, the same command finds Apple from any directory
    env["TIERWATCH_STORE_DIR"] = str(demo_settings.store_dir)
    found = json.loads(_tierwatch(env, elsewhere, "search", "apple", "--json").stdout)
    assert found["total"] > 0
    assert json.loads(_tierwatch(env, elsewhere, "stats", "--json").stdout)["store"]["location"] == str(
        demo_settings.store_dir
    )


def test_settings_default_store_is_per_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TIERWATCH_STORE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    if sys.platform.startswith("linux"):
        assert Settings().store_dir == tmp_path / "tierwatch" / "store"


def test_demo_refuses_a_taken_port_before_loading(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERWATCH_")}
    env["TIERWATCH_STORE_DIR"] = str(tmp_path / "store")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = _tierwatch(env, tmp_path, "demo", "--api-port", str(port), "--explorer-port", str(port + 1))
        assert run.returncode == 2, run.stderr
        text = " ".join(run.stderr.split())
        assert f"port {port} on 127.0.0.1 is in use" in text and "--api-port" in text
        assert "TIERWATCH_API_PORT" in text and not (tmp_path / "store" / "graph.sqlite").exists()
        env["TIERWATCH_API_PORT"] = str(port + 1)
        env["TIERWATCH_EXPLORER_PORT"] = str(port)
        run = _tierwatch(env, tmp_path, "demo")
        text = " ".join(run.stderr.split())
        assert run.returncode == 2 and "explorer cannot start" in text and "TIERWATCH_EXPLORER_PORT" in text
        run = _tierwatch(env, tmp_path, "serve", "--port", str(port))
        assert run.returncode == 2 and "--port PORT or TIERWATCH_API_PORT" in " ".join(run.stderr.split())
