"""``tierwatch neo4j start|stop|status|import``: a local Neo4j 5.26 (embedded build from Maven Central);
``tierwatch neo4j recover``: undo ingest runs that died, from the journal kept in the database."""

from __future__ import annotations

import time
from pathlib import Path
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


@app.command("import")
def import_(
    directory: Annotated[
        Path, typer.Argument(help="folder of `tierwatch export --all --format neo4j-admin`")
    ],
    port: PortOpt = 7687,
    replace: Annotated[bool, typer.Option(help="overwrite a database that is not empty")] = False,
) -> None:
    """Bulk first load of the local Neo4j on PORT from neo4j-admin CSVs (neo4j-admin database import,
    run from the local launcher's jars; the server is stopped for it and started again)."""
    from tierwatch.graph.neo4j_store import Neo4jStore
    from tierwatch.graph.settings import get_settings
    from tierwatch.neo4j_import import bulk_import

    settings = get_settings()
    uri = f"bolt://127.0.0.1:{port}"

    def open_local() -> Neo4jStore:
        return Neo4jStore(uri, settings.neo4j_user, settings.neo4j_password, database="neo4j", recover=False)

    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such folder")
    if _wrap(_local().status, port=port).running and not replace:
        store = open_local()
        held = sum(store.counts()["nodes"].values())
        store.close()
        if held:
            raise ConfigError(f"the Neo4j on {uri} holds {held:,} nodes; --replace overwrites them")
    result = _wrap(bulk_import, directory, port)
    t0 = time.perf_counter()
    open_local().close()  # creates the constraints on the imported data
    constraints_s = time.perf_counter() - t0
    out.print(
        f"imported {result.nodes:,} nodes and {result.relationships:,} relationships into {uri} in "
        f"{result.import_s:.1f} s ({result.records_per_s:,.0f} records/s; JVM {_local().JAVA_HEAP}); "
        f"constraints {constraints_s:.1f} s; log {result.log}"
    )
