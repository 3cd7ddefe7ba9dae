"""``tierwatch report ID -o FILE.html|FILE.pdf [--role public] [--since YYYY-MM-DD]``: the exposure
report of a buyer or contract as one self-contained HTML file or a PDF, written atomically (whole or
not at all); ``--since`` adds what changed in its exposure since that day."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tierwatch.cli.query_cmds import RoleOpt, StoreOpt, TiersOpt, _service, _viewer

out = Console()


def report(
    entity_id: Annotated[str, typer.Argument(help="a buyer or contract id (any entity works)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="FILE.html or FILE.pdf")],
    tiers: TiersOpt = 6,
    hits: Annotated[int, typer.Option("--hits", min=1, max=200, help="strongest hits per category")] = 10,
    store: StoreOpt = None,
    role: RoleOpt = "analyst",
    since: Annotated[
        str | None,
        typer.Option("--since", help="YYYY-MM-DD: add what changed in the exposure since that day"),
    ] = None,
) -> None:
    """Write the exposure report of a buyer or contract (evidence, known unknowns, sources, withheld)."""
    from tierwatch.graph.report import build_report, check_target, render, write_report

    fmt = check_target(output)  # refuse a bad name or folder before any work
    viewer = _viewer(role)
    with _service(store) as svc:
        model = build_report(svc, entity_id, viewer, tiers=tiers, hits_per_category=hits, since=since)
    write_report(output, render(model, fmt))
    out.print(f"wrote {output} ({fmt}, role {viewer.role})", highlight=False)
    for line in model.summary[:2]:
        out.print(line, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
