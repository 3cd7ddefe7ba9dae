"""Watchlists, alerts and "what changed since": ``tierwatch watch add|list|remove``, ``tierwatch
alerts``, ``tierwatch changes``. The CLI is the local operator (role analyst)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tierwatch.graph.settings import Settings, get_settings
from tierwatch.graph.store import GraphStore, open_store

out = Console(emoji=False)  # ids hold colons: "canada:dept" is no emoji code
StoreOpt = Annotated[str | None, typer.Option("--store", help="embedded (default) or neo4j")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the answer as JSON")]

watch_app = typer.Typer(no_args_is_help=True, help="Watch entities: alerts when their exposure changes.")


def register(app: typer.Typer) -> None:
    app.add_typer(watch_app, name="watch")
    app.command("alerts")(alerts)
    app.command("changes")(changes)


@contextmanager
def _store(name: str | None) -> Iterator[GraphStore]:
    graph = open_store(get_settings(), name)
    try:
        yield graph
    finally:
        graph.close()


def _json(value: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n")


@watch_app.command("add")
def watch_add(
    entity_id: Annotated[str, typer.Argument(help="the entity's id, e.g. canada:dept:rcmp-grc")],
    store: StoreOpt = None,
) -> None:
    """Watch an entity: alerts are raised when an ingest changes its exposure."""
    from tierwatch.graph.watch.alerts import query_service, watch_add

    with _store(store) as graph:
        row = watch_add(graph, query_service(graph), entity_id)
    out.print(
        f"watching {row['id']} ({row['name']}): {row['findings']} findings and {row['links']} links "
        "in its exposure now",
        highlight=False,
    )


@watch_app.command("remove")
def watch_remove(entity_id: Annotated[str, typer.Argument()], store: StoreOpt = None) -> None:
    """Stop watching an entity (its recorded alerts stay)."""
    from tierwatch.graph.watch.alerts import watch_remove

    with _store(store) as graph:
        watch_remove(graph, entity_id)
    out.print(f"no longer watching {entity_id}", highlight=False)


@watch_app.command("list")
def watch_list(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """The watched entities and their exposure when last checked."""
    from tierwatch.graph.watch.alerts import watch_list

    with _store(store) as graph:
        rows = watch_list(graph)
    if as_json:
        _json(rows)
        return
    if not rows:
        out.print("nothing watched (add with: tierwatch watch add ID)")
        return
    table = Table(title="watchlist", title_justify="left")
    for col in ("id", "name", "since", "checked on", "findings", "links", "lapsed"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["id"],
            r["name"] or "",
            r["added_at"],
            r["snapshot_on"] or "",
            str(r["findings"]),
            str(r["links"]),
            str(r["lapsed"]),
        )
    out.print(table)


def alerts(
    since: Annotated[str | None, typer.Option("--since", help="only alerts on or after YYYY-MM-DD")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Alerts raised on watched entities after ingests, oldest first."""
    from tierwatch.graph.watch.alerts import list_alerts

    with _store(store) as graph:
        rows = list_alerts(graph, since)
    if as_json:
        _json(rows)
        return
    print_alerts(rows)


def print_alerts(rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("no alerts")
        return
    for a in rows:
        head = f"[bold]{a['at']}[/] {escape(a['entity'])}: " if "at" in a else ""  # recorded, not a change
        run = f"run {escape(a['run'])}, " if "run" in a else ""
        dataset = escape(a.get("dataset") or "-")
        out.print(f"{head}{a['kind']} {escape(a['subject'])} ({run}dataset {dataset})", highlight=False)
        out.print(f"    {escape(a['evidence'])}", highlight=False)


def changes(
    entity_id: Annotated[str, typer.Argument(help="the entity's id")],
    since: Annotated[str, typer.Option("--since", help="YYYY-MM-DD: the exposure as of this day ...")],
    until: Annotated[
        str | None, typer.Option("--until", help="... compared with this day (default today)")
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed in an entity's exposure between two days (findings, links, strongest evidence)."""
    from tierwatch.graph.watch.alerts import changes, query_service

    with _store(store) as graph:
        answer = changes(query_service(graph), entity_id, since, until)
    if as_json:
        _json(answer)
        return
    out.print(
        f"{answer['entity']} ({answer['name']}) from {answer['since']} to {answer['until']}: "
        f"{answer['before']['findings']} -> {answer['after']['findings']} findings, "
        f"{answer['before']['links']} -> {answer['after']['links']} links on its paths",
        highlight=False,
    )
    print_alerts(answer["changes"])


def after_ingest(graph: GraphStore, settings: Settings, run: str, dataset: str | None) -> None:
    """The ingest hook of the CLI: alerts for the watched entities, said in one line."""
    from tierwatch.graph.watch.alerts import after_ingest as compute

    result = compute(graph, settings, run, dataset)
    if result.watched:
        out.print(
            f"  watch: {len(result.alerts)} alerts on {result.watched} watched entities "
            f"({result.seconds:.1f} s; tierwatch alerts)"
            + (f"; webhook {result.webhook}" if result.webhook else ""),
            highlight=False,
        )
