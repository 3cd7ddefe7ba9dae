"""Data commands: ingest, demo, stats, sources, candidates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from tierwatch.graph.settings import get_settings
from tierwatch.graph.store import open_store
from tierwatch.ingest.framework import IngestReport

out = Console()
StoreOpt = Annotated[str | None, typer.Option("--store", help="embedded (default) or neo4j")]


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("demo")(demo)
    app.command("stats")(stats)
    app.command("sources")(sources)
    from tierwatch.cli import candidates_cmd

    app.command("candidates")(candidates_cmd.candidates)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("  writing {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def run_with_progress(source: str, paths: list[Path], store, **options) -> IngestReport:
    from tierwatch.ingest.runner import run_ingest

    settings = get_settings()
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def tick(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done)

        return run_ingest(source, paths, store, settings, progress=tick, **options)


def print_report(report: IngestReport) -> None:
    table = Table(
        title=f"{report.source} -> dataset {report.dataset} (version {report.version})", title_justify="left"
    )
    for col in ("file", "rows read", "written", "quarantined", "duplicate", "skipped"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for file, c in report.counts.items():
        table.add_row(file, str(c.read), str(c.written), str(c.quarantined), str(c.duplicate), str(c.skipped))
    out.print(table)
    out.print(
        f"  entities: {report.nodes} ({report.nodes_created} new, {report.nodes_updated} updated, "
        f"{report.nodes_unchanged} unchanged)"
    )
    out.print(
        f"  links:    {report.edges} ({report.edges_created} new, {report.edges_updated} updated, "
        f"{report.edges_unchanged} unchanged)"
    )
    if report.retired:
        out.print(f"  retired:  {report.retired} facts of an older version no longer in this one (end-dated)")
    for reason, n in sorted(report.skip_reasons.items()):
        out.print(f"  skipped:  {n} rows: {reason}")
    if report.unmapped:
        for file, cols in report.unmapped.items():
            out.print(f"  [yellow]unmapped columns[/] in {file}: {', '.join(cols)}")
    else:
        out.print("  unmapped columns: none")
    if report.quarantine_report:
        out.print(f"  quarantine report: {report.quarantine_report}")
    expected = report.expected.get("rows")
    if expected is not None and expected != report.rows_read:
        out.print(f"  [yellow]note:[/] expected {expected} rows, read {report.rows_read}")
    for note in report.notes:
        out.print(f"  note: {note}")


def ingest(
    source: Annotated[str, typer.Argument(help="source family, e.g. ocds, cmrt, apple-suppliers")],
    paths: Annotated[list[Path], typer.Argument(help="files of that source")],
    store: StoreOpt = None,
    dataset: Annotated[str | None, typer.Option(help="dataset name (default: the source's)")] = None,
    publisher: Annotated[str | None, typer.Option()] = None,
    licence: Annotated[str | None, typer.Option()] = None,
    licence_class: Annotated[str | None, typer.Option("--licence-class", help="open or restricted")] = None,
    origin: Annotated[str | None, typer.Option(help="where the file came from")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="text encoding of the files (default: detected), e.g. cp1252, utf-16")
    ] = None,
    declarant: Annotated[
        str | None, typer.Option(help="declaring company of a declaration whose header names none")
    ] = None,
) -> None:
    """Load files of one source family into the store and print a summary."""
    settings = get_settings()
    graph = open_store(settings, store)
    try:
        report = run_with_progress(
            source,
            paths,
            graph,
            dataset=dataset,
            publisher=publisher,
            licence=licence,
            licence_class=licence_class,
            origin=origin,
            encoding=encoding,
            declarant=declarant,
        )
        print_report(report)
        if ingest_changed(report):  # watchlists and alerts (graph/watch/), after the run committed
            from tierwatch.cli.watch_cmds import after_ingest

            after_ingest(graph, settings, f"{report.dataset}@{report.version}", report.dataset)
    finally:
        graph.close()


def ingest_changed(report: IngestReport) -> bool:
    """Whether the run changed the graph (then watched entities are checked for alerts)."""
    r = report
    return bool(r.nodes_created or r.nodes_updated or r.edges_created or r.edges_updated or r.retired)


def demo(
    store: StoreOpt = None,
    fresh: Annotated[bool, typer.Option(help="empty the store first")] = False,
    serve: Annotated[bool, typer.Option(help="serve the API and explorer after loading")] = True,
    api_port: Annotated[
        int | None,
        typer.Option("--api-port", min=1, max=65535, help="API port (default TIERWATCH_API_PORT, 8000)"),
    ] = None,
    explorer_port: Annotated[
        int | None,
        typer.Option(
            "--explorer-port", min=1, max=65535, help="explorer port (default TIERWATCH_EXPLORER_PORT, 8501)"
        ),
    ] = None,
) -> None:
    """Load the demo bundle (open files; restricted ones from TIERWATCH_REAL_DATA_DIR) and serve it."""
    from tierwatch.ingest.manifest import load_demo

    settings = get_settings()
    if serve:  # a taken port is said before the load, not after it
        from tierwatch.cli.serve_cmds import check_demo_ports

        check_demo_ports(api_port, explorer_port)
    out.print(f"store: {store or settings.store} at {settings.store_location(store)}", highlight=False)
    graph = open_store(settings, store)
    try:
        if fresh:
            with graph.write_lock():
                graph.clear()
        load_demo(settings, graph, run=run_with_progress, on_report=print_report, console=out)
        _print_stats(graph.counts(), None)
        from tierwatch.cli.watch_cmds import after_ingest

        after_ingest(graph, settings, "demo", None)  # watched entities (none unless added), once
    finally:
        graph.close()
    if serve:
        from tierwatch.cli import serve_cmds

        serve_cmds.serve_all(store or settings.store, api_port, explorer_port)


def _print_stats(counts: dict, sources_: dict | None) -> None:
    for kind in ("nodes", "edges"):
        table = Table(title=kind, title_justify="left")
        table.add_column("type")
        table.add_column("count", justify="right")
        for name, n in counts[kind].items():
            table.add_row(name, str(n))
        table.add_row("[bold]total", f"[bold]{sum(counts[kind].values())}")
        out.print(table)
    if sources_:
        table = Table(title="per source dataset", title_justify="left")
        for col in ("dataset", "nodes", "edges", "licence class"):
            table.add_column(col)
        for name, s in sources_.items():
            table.add_row(name, str(s["nodes"]), str(s["edges"]), s.get("licence_class", ""))
        out.print(table)


def source_counts(graph) -> dict[str, dict]:
    """Per dataset: elements asserted by it, and its Source node's facts."""
    result: dict[str, dict] = {}
    for node in graph.iter_nodes():
        for ds in node.get("datasets", ()):
            result.setdefault(ds, {"nodes": 0, "edges": 0})["nodes"] += 1
    for edge in graph.iter_edges():
        for ds in edge.get("datasets", ()):
            result.setdefault(ds, {"nodes": 0, "edges": 0})["edges"] += 1
    for node in graph.iter_nodes(types=("Source",)):
        entry = result.setdefault(node["dataset"], {"nodes": 0, "edges": 0})
        for key in (
            "publisher",
            "licence",
            "licence_class",
            "sha256",
            "ingested_at",
            "rows_read",
            "rows_written",
            "rows_quarantined",
            "rows_duplicate",
            "rows_skipped",
            "files",
            "origin",
        ):
            if key in node:
                entry[key] = node[key]
    return dict(sorted(result.items()))


def stats(store: StoreOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Where the store is, node and edge counts by type and per source dataset."""
    settings = get_settings()
    backend = store or settings.store
    graph = open_store(settings, store)
    try:
        counts = graph.counts()
        per_source = source_counts(graph)
    finally:
        graph.close()
    location = settings.store_location(backend)
    if as_json:
        print(
            json.dumps(
                {
                    "store": {"backend": backend, "location": location},
                    "nodes": counts["nodes"],
                    "edges": counts["edges"],
                    "sources": per_source,
                },
                indent=2,
                sort_keys=True,
            )
        )
    else:
        out.print(f"store: {backend} at {location}", highlight=False)
        if not sum(counts["nodes"].values()):
            out.print("  (empty: load it with `tierwatch demo --no-serve` or `tierwatch ingest`)")
        _print_stats(counts, per_source)


def sources(store: StoreOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every dataset in the graph: publisher, licence, class, sha256, ingested at, rows."""
    graph = open_store(get_settings(), store)
    try:
        rows = [n for n in graph.iter_nodes(types=("Source",))]
    finally:
        graph.close()
    rows.sort(key=lambda n: n["dataset"])
    if as_json:
        keep = (
            "dataset",
            "source",
            "publisher",
            "licence",
            "licence_class",
            "sha256",
            "ingested_at",
            "files",
            "origin",
            "rows_read",
            "rows_written",
            "rows_quarantined",
            "rows_duplicate",
            "rows_skipped",
            "unmapped_columns",
        )
        print(json.dumps([{k: n.get(k) for k in keep} for n in rows], indent=2))
        return
    table = Table(title="datasets", title_justify="left")
    for col in (
        "dataset",
        "publisher",
        "licence",
        "class",
        "sha256",
        "ingested at",
        "read",
        "written",
        "quar.",
    ):
        table.add_column(col, overflow="fold")
    for n in rows:
        table.add_row(
            n["dataset"],
            n.get("publisher", ""),
            n.get("licence", ""),
            n.get("licence_class", ""),
            n.get("sha256", ""),
            n.get("ingested_at", ""),
            str(n.get("rows_read", 0)),
            str(n.get("rows_written", 0)),
            str(n.get("rows_quarantined", 0)),
        )
    out.print(table)
