"""``tierwatch store check|backup|restore``: the embedded store as a database a user can look after.

- ``check [--store S] [--json]``: integrity, schema version, generation, counts and the graph's
  canonical fingerprint (sha256 of its canonical dump: the same on both stores for the same graph).
- ``backup PATH``: an online, consistent copy of the embedded store (SQLite's backup API) in one file.
- ``restore PATH``: a backup's contents into the configured store directory, in one step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tierwatch.graph.errors import ConfigError, StoreError
from tierwatch.graph.settings import get_settings, store_name

app = typer.Typer(no_args_is_help=True, help="Check, back up and restore the store.")
out = Console()
StoreOpt = Annotated[str | None, typer.Option("--store", help="embedded (default) or neo4j")]


def check_report(store: Any) -> dict[str, Any]:
    """What ``store check`` reports for an open store of either kind."""
    if store.backend == "neo4j":
        from tierwatch.graph.dump import canonical_hash

        counts = store.counts()
        return {
            "store": "neo4j",
            "path": store.uri,
            "ok": True,
            "nodes": sum(counts["nodes"].values()),
            "edges": sum(counts["edges"].values()),
            "counts": counts,
            "fingerprint": canonical_hash(store),
        }
    from tierwatch.graph.sqlite_ops import check

    return check(store)


def _embedded():
    settings = get_settings()
    if store_name(settings.store) != "embedded":
        raise ConfigError("backup and restore are for the embedded store (TIERWATCH_STORE=embedded)")
    from tierwatch.graph.sqlite_store import SQLiteStore

    return SQLiteStore(settings.store_dir)


@app.command("check")
def check_cmd(store: StoreOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Integrity, schema version, counts and the canonical fingerprint of the store."""
    from tierwatch.graph.store import open_store

    graph = open_store(get_settings(), store)
    try:
        report = check_report(graph)
    finally:
        graph.close()
    if as_json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        out.print(f"store: {report['store']} ({report['path']})", highlight=False)
        if "schema_version" in report:
            out.print(
                f"schema version {report['schema_version']}, generation {report['generation']}, "
                f"last commit {report.get('committed_at') or '-'}",
                highlight=False,
            )
            size = sum(report["bytes"].values())
            out.print(f"size on disk: {size / 1e6:,.1f} MB", highlight=False)
        out.print(f"integrity: {'ok' if report['ok'] else '; '.join(report.get('integrity', []))}")
        out.print(f"nodes: {report['nodes']:,}  links: {report['edges']:,}", highlight=False)
        out.print(f"fingerprint: {report['fingerprint']}", highlight=False)
    if not report["ok"]:
        raise StoreError(f"the store {report['path']} failed its integrity check: restore a backup")


@app.command()
def backup(path: Annotated[Path, typer.Argument(help="a new file (or a folder) for the copy")]) -> None:
    """An online, consistent copy of the embedded store (the API may serve and an ingest may run)."""
    graph = _embedded()
    try:
        target = graph.backup(path)
        generation = graph.read_generation()
    finally:
        graph.close()
    out.print(f"backed up {graph.path} (generation {generation}) to {target}", highlight=False)


@app.command()
def restore(path: Annotated[Path, typer.Argument(help="a file made by `tierwatch store backup`")]) -> None:
    """Replace the embedded store's contents by a backup's (readers see the store before or after)."""
    graph = _embedded()
    try:
        generation = graph.restore(path)
        counts = graph.counts()
    finally:
        graph.close()
    nodes, edges = sum(counts["nodes"].values()), sum(counts["edges"].values())
    out.print(
        f"restored {path} into {graph.path}: {nodes:,} nodes, {edges:,} links (generation {generation})",
        highlight=False,
    )
