"""``tierwatch neo4j start|stop|status``: a local Neo4j 5.26 (embedded build from Maven Central);
``tierwatch neo4j recover``: undo ingest runs that died, from the journal kept in the database."""

from __future__ import annotations

from typing import Annotated, cast

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


@app.command()
def recover() -> None:
    """Undo every ingest run that died on the configured Neo4j (TIERWATCH_NEO4J_URI), from the run
    journal kept in the database (docs/NEO4J.md). Refused while an ingest on this host is writing."""
    from tierwatch.graph.neo4j_store import Neo4jStore
    from tierwatch.graph.settings import get_settings
    from tierwatch.graph.store import open_store

    settings = get_settings()
    store = cast(Neo4jStore, open_store(settings, "neo4j", recover=False))
    try:
        done = store.recover()
    finally:
        store.close()
    for run, size in done:
        out.print(
            f"undone: run {run.id} ({run.dataset}, started {run.started} on {run.host}, pid {run.pid}): "
            f"{size:,} elements deleted or restored"
        )
    out.print(
        f"{len(done)} open run(s) undone on {settings.neo4j_uri}" if done else "no open runs: nothing to undo"
    )
