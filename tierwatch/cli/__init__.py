"""The ``tierwatch`` command. Each command group lives in its own module."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

from tierwatch.graph.errors import TierwatchError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="tierwatch: a supply-chain risk knowledge graph from public buyers down to mines.",
)
err = Console(stderr=True)


def _register() -> None:
    from tierwatch.cli import data_cmds, neo4j_cmd, query_cmds, serve_cmds, store_cmd

    data_cmds.register(app)
    query_cmds.register(app)
    serve_cmds.register(app)
    from tierwatch.cli import explore_cmd

    explore_cmd.register(app)
    app.add_typer(neo4j_cmd.app, name="neo4j")
    app.add_typer(store_cmd.app, name="store")


def main() -> None:
    """Entry point: runs the app; users see one line per error, never a traceback."""
    _register()
    try:
        app(standalone_mode=False)
    except TierwatchError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # the last line of defence: still one line
        if os.environ.get("TIERWATCH_DEBUG"):
            raise
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        err.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc} (set TIERWATCH_DEBUG=1 for details)",
            highlight=False,
        )
        sys.exit(2)
