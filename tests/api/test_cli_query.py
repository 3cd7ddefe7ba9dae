"""The terminal commands: search, entity, upstream, downstream, exposure, paths, export, keys."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner


@pytest.fixture
def cli(demo_settings, monkeypatch):
    from tierwatch.graph import settings as settings_module

    from tierwatch.cli import _register, app

    get = lambda: demo_settings  # noqa: E731
    monkeypatch.setattr(settings_module, "get_settings", get)
    for module in ("query_cmds", "export_cmd", "serve_cmds"):
        monkeypatch.setattr(f"tierwatch.cli.{module}.get_settings", get)
    if not any(c.name == "search" for c in app.registered_commands):
        _register()
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(
            app, [*args, "--store", demo_settings.store] if args[0] != "keys" else list(args)
        )
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.stdout

    return run


def test_query_commands_json(cli) -> None:
    assert json.loads(cli("search", "dell", "--json"))["hits"][0]["entity"]["id"] == "org:dell"
    assert json.loads(cli("entity", "org:dell", "--json"))["entity"]["id"] == "org:dell"
    up = json.loads(cli("upstream", "canada:dept:rcmp-grc", "--tiers", "2", "--json"))
    assert up["total"] > 0 and up["max_tiers"] == 2
    down = json.loads(cli("downstream", "org:dell", "--tiers", "1", "--json"))
    assert down["direction"] == "downstream"
    exposure = json.loads(cli("exposure", "canada:dept:rcmp-grc", "--json"))
    assert exposure["categories"] and exposure["coverage"]["chains"]
    paths = json.loads(cli("paths", "canada:dept:rcmp-grc", "org:dell", "--json"))
    assert paths["paths"]


def test_public_preview_hides_canaries(cli) -> None:
    analyst = cli("entity", "org:dell", "--json")
    public = cli("entity", "org:dell", "--json", "--role", "public")
    assert "CANARY-ACCESS-DELL" in analyst and "CANARY-ACCESS-DELL" not in public
    assert "CANARY-LICENCE" not in public


def test_human_output_and_export(cli, tmp_path) -> None:
    assert "Royal Canadian Mounted Police" in cli("exposure", "canada:dept:rcmp-grc", "--hits", "2")
    assert "org:dell" in cli("search", "dell")
    out = tmp_path / "n.graphml"
    cli("export", "org:dell", "--format", "graphml", "--tiers", "1", "-o", str(out))
    assert out.read_bytes().startswith(b"<?xml")
    bulk = tmp_path / "bulk"
    cli("export", "--all", "--format", "neo4j-admin", "-o", str(bulk), "--role", "public")
    assert (bulk / "import.sh").exists() and list(bulk.glob("nodes_*.csv"))
    assert not any(b"CANARY-" in p.read_bytes() for p in bulk.glob("*.csv"))


def test_keys_add_prints_a_key_once(cli, demo_settings) -> None:
    key = cli("keys", "add", "--role", "analyst").strip().splitlines()[0]
    assert key.startswith("tw_")
    from tierwatch.api.auth import KeyStore

    assert KeyStore(demo_settings.keys_path).role_for(key).value == "analyst"
    assert key not in cli("keys", "list")
