"""The ``tierwatch`` command. Each command group lives in its own module."""

from __future__ import annotations

import os
import sys
from typing import cast

import click
import typer
from rich.console import Console

from tierwatch.graph.errors import EmptyStoreError, TierwatchError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="tierwatch: a supply-chain risk knowledge graph from public buyers down to mines.",
)
err = Console(stderr=True)


def _register() -> None:
    from tierwatch.cli import data_cmds, neo4j_cmd, query_cmds, report_cmd, serve_cmds, store_cmd

    data_cmds.register(app)
    query_cmds.register(app)
    report_cmd.register(app)
    serve_cmds.register(app)
    from tierwatch.cli import explore_cmd

    explore_cmd.register(app)
    from tierwatch.cli import watch_cmds

    watch_cmds.register(app)
    from tierwatch.cli import leverage_cmd

    leverage_cmd.register(app)
    from tierwatch.cli import match_cmd

    match_cmd.register(app)
    app.add_typer(neo4j_cmd.app, name="neo4j")
    app.add_typer(store_cmd.app, name="store")


#: usage errors of click and of the click typer vendors (typer._click): exit 2 with click's message
_CLICK_ERRORS = cast(
    tuple[type[click.ClickException], ...],
    tuple({click.ClickException, *(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")}),
)


def exit_code(exc: TierwatchError) -> int:
    """2 for bad input (what the API answers with a 4xx: an unknown value, id or file) and for a
    query on an empty store; 1 for anything else that went wrong."""
    return 2 if 400 <= exc.http_status < 500 or isinstance(exc, EmptyStoreError) else 1


def main() -> None:
    """Entry point: runs the app; users see one line per error, never a traceback."""
    _register()
    try:
        app(standalone_mode=False)
    except TierwatchError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exit_code(exc))
    except _CLICK_ERRORS as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # the last line of defence: still one line
        if os.environ.get("TIERWATCH_DEBUG"):
            raise
        err.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc} (set TIERWATCH_DEBUG=1 for details)",
            highlight=False,
        )
        sys.exit(2)
