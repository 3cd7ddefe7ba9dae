"""``tierwatch candidates``: review same-entity candidates into the aliases file."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tierwatch.graph.errors import NotFoundError
from tierwatch.graph.settings import get_settings
from tierwatch.graph.store import open_store

out = Console()


def candidates(
    action: Annotated[str, typer.Argument(help="list, confirm or reject")] = "list",
    a: Annotated[str | None, typer.Argument(help="first node id (confirm/reject)")] = None,
    b: Annotated[str | None, typer.Argument(help="second node id (confirm/reject)")] = None,
    store: Annotated[str | None, typer.Option("--store")] = None,
    min_score: Annotated[float, typer.Option(help="only candidates scoring at least this")] = 0.0,
    note: Annotated[str, typer.Option(help="why (kept in the aliases file)")] = "",
) -> None:
    """List scored same-entity candidates, or confirm/reject one into the aliases file."""
    settings = get_settings()
    graph = open_store(settings, store)
    try:
        edges = [e for e in graph.iter_edges(types=("SAME_AS_CANDIDATE",))]
        names = {
            n["id"]: n.get("name", "")
            for n in graph.get_nodes(sorted({e["src"] for e in edges} | {e["dst"] for e in edges})).values()
        }
    finally:
        graph.close()
    if action == "list":
        table = Table(title=f"{len(edges)} candidates", title_justify="left")
        for col in ("score", "a", "b", "review", "evidence"):
            table.add_column(col, overflow="fold")
        for e in sorted(edges, key=lambda e: (-e["score"], e["id"])):
            if e["score"] >= min_score:
                table.add_row(
                    f"{e['score']:.2f}",
                    f"{e['src']}\n{names.get(e['src'], '')}",
                    f"{e['dst']}\n{names.get(e['dst'], '')}",
                    e.get("review", "open"),
                    e["evidence"],
                )
        out.print(table)
        return
    if action not in ("confirm", "reject") or not a or not b:
        raise typer.BadParameter("use: candidates list | candidates confirm A B | candidates reject A B")
    pair = {a, b}
    if not any({e["src"], e["dst"]} == pair for e in edges):
        raise NotFoundError(f"no candidate between {a} and {b}")
    decision = "confirmed" if action == "confirm" else "rejected"
    lines = ["", "[[candidate]]", f'a = "{min(pair)}"', f'b = "{max(pair)}"', f'decision = "{decision}"']
    if decision == "confirmed":
        lines.append(
            f'# confirmed: add a [[rename]] entry mapping "{names.get(max(pair), "")}" to '
            f'"{names.get(min(pair), "")}" to merge them at the next ingest'
        )
    if note:
        lines.append(f"note = {note!r}".replace("'", '"'))
    with settings.aliases_file.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    out.print(f"{decision}: {a} ~ {b} (written to {settings.aliases_file}; applied at the next ingest)")
