"""The README documents every setting and every command (as Datasette tests its settings docs):
a setting or command added without a word in the README fails here."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from tierwatch.graph.settings import REPO_ROOT, Settings

README = Path(REPO_ROOT) / "README.md"


def _commands() -> list[str]:
    """Every command path of the ``tierwatch`` CLI: ``search``, ``keys add``, ``neo4j start`` ..."""
    from tierwatch.cli import _register, app

    if not any(c.name == "search" for c in app.registered_commands):
        _register()
    found: list[str] = []

    def walk(command, prefix: str) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            found.append(f"{prefix}{name}")
            walk(sub, f"{prefix}{name} ")

    walk(typer.main.get_command(app), "")
    return found


def test_every_setting_is_in_the_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `TIERWATCH_([A-Z0-9_]+)` \|", text, flags=re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set(), "settings missing from README.md's Settings table"
    assert documented - fields == set(), "README.md documents settings the code does not have"


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    block = text[text.index("## The command line") : text.index("## Settings")]
    lines = [line.strip() for line in block.splitlines() if line.strip().startswith("tierwatch ")]
    commands = _commands()
    assert len(commands) >= 20 and "keys add" in commands and "export" in commands
    missing = [
        c for c in commands if not any(re.match(rf"tierwatch {re.escape(c)}(\s|$)", line) for line in lines)
    ]
    assert missing == [], "commands missing from README.md's command list"


def test_every_option_of_the_query_commands_is_documented() -> None:
    """Options in README.md's command list or docs/API.md exist (no documented option is stale)."""
    from tierwatch.cli import _register, app

    if not any(c.name == "search" for c in app.registered_commands):
        _register()
    root = typer.main.get_command(app)
    text = README.read_text(encoding="utf-8")
    block = text[text.index("## The command line") : text.index("## Settings")]
    for line in block.splitlines():
        match = re.match(r"\s*tierwatch ([a-z0-9-]+)(?: ([a-z]+))?", line)
        if not match:
            continue
        command = root.commands[match.group(1)]  # type: ignore[attr-defined]
        if match.group(2) and match.group(2) in getattr(command, "commands", {}):
            command = command.commands[match.group(2)]
        options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for option in re.findall(r"(?<![\w-])(--?[a-z][a-z0-9-]*)", line.split("#")[0]):
            assert option in options, (line, option)
