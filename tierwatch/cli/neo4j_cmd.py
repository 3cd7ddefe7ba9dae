"""``tierwatch neo4j start|stop|status``: a local Neo4j 5.26 (embedded build from Maven Central)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from tierwatch.graph.errors import ConfigError

app = typer.Typer(no_args_is_help=True, help="A local Neo4j for development and tests (Java 17 + Maven).")
out = Console()
PortOpt = Annotated[int, typer.Option(help="Bolt port on 127.0.0.1")]


def _local():
    from tierwatch import neo4j_local

    return neo4j_local


def _wrap(fn, *args, **kwargs):
    local = _local()
    try:
        return fn(*args, **kwargs)
    except local.Neo4jLocalError as exc:
        raise ConfigError(str(exc)) from None


@app.command()
def start(port: PortOpt = 7687) -> None:
    """Build (first time) and start Neo4j on 127.0.0.1; waits until it answers."""
    status = _wrap(_local().start, port=port)
    out.print(f"neo4j running: {status.uri} (pid {status.pid}); log {status.log}")


@app.command()
def stop(port: PortOpt = 7687) -> None:
    """Stop the local Neo4j."""
    stopped = _wrap(_local().stop, port=port)
    out.print("neo4j stopped" if stopped else "neo4j was not running")


@app.command()
def status(port: PortOpt = 7687) -> None:
    """Is the local Neo4j running?"""
    st = _wrap(_local().status, port=port)
    out.print(f"neo4j {'running' if st.running else 'not running'}: {st.uri} {st.message}")
    if not st.running:
        raise typer.Exit(3)
