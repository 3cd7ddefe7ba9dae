"""``tierwatch leverage``: entities upstream of two or more of a set of buyers (graph/query/leverage.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tierwatch.cli.query_cmds import (
    AsOfOpt,
    CandOpt,
    CommodityOpt,
    JsonOpt,
    LimitOpt,
    MinConfOpt,
    OffsetOpt,
    RoleOpt,
    StoreOpt,
    TiersOpt,
    TypeOpt,
    _emit_json,
    _filters,
    _page,
    _path_text,
    _service,
    _viewer,
    _withheld,
    out,
)


def register(app: typer.Typer) -> None:
    app.command("leverage")(leverage)


def leverage(
    buyers: Annotated[str | None, typer.Option("--buyers", help="buyer ids, comma-separated")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="the buyers of one country (ISO alpha-2)")
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="the buyers of one kind")] = None,
    all_buyers: Annotated[bool, typer.Option("--all", help="every buyer")] = False,
    tiers: TiersOpt = 6,
    min_buyers: Annotated[int, typer.Option("--min-buyers", min=2, help="reached by at least this many")] = 2,
    paths: Annotated[int, typer.Option("--paths", min=0, max=20, help="paths per row, best first")] = 0,
    evidence: Annotated[int, typer.Option("--evidence", min=0, max=20, help="findings per row")] = 3,
    commodity: CommodityOpt = None,
    entity_country: Annotated[
        list[str] | None, typer.Option("--entity-country", help="report only entities in these countries")
    ] = None,
    types: TypeOpt = None,
    min_confidence: MinConfOpt = 0.0,
    as_of: AsOfOpt = None,
    candidates: CandOpt = False,
    offset: OffsetOpt = 0,
    limit: LimitOpt = 20,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    role: RoleOpt = "analyst",
    fmt: Annotated[
        str | None, typer.Option("--format", help="export the answer in this format (with -o, or to stdout)")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write the export here")] = None,
) -> None:
    """Where buyers share leverage: entities upstream of two or more of them, ranked by how many reach
    them, with combined spend and the strongest risk evidence on them."""
    from tierwatch.graph.query.leverage import BuyerSelection

    selection = BuyerSelection(
        buyers=(buyers or "").split(","), country=country, kind=kind, all_buyers=all_buyers
    )
    flt = _filters(commodity, entity_country, types, min_confidence, as_of, candidates)
    if fmt or output:
        return _export(selection, flt, tiers, min_buyers, limit, fmt, output, store, role)
    with _service(store) as svc:
        result = svc.leverage(
            selection,
            _viewer(role),
            tiers=tiers,
            filters=flt,
            min_buyers=min_buyers,
            paths=paths,
            evidence=evidence,
            page=_page(offset, limit),
        )
    if as_json:
        return _emit_json(result)
    table = Table(
        title=f"shared leverage of {result.selection}: {result.total} entities upstream of "
        f"{result.min_buyers}+ of {len(result.buyers)} buyers ({result.buyers_reaching} reach any)",
        title_justify="left",
    )
    for col in ("buyers", "tier", "type", "id", "name", "country", "spend", "risk", "evidence"):
        table.add_column(col, overflow="fold")
    for row in result.rows:
        e = row.entity
        spend = "; ".join(f"{s.amount:,.0f} {s.currency} ({s.buyers})" for s in row.spend)
        ev = "; ".join(f"{x.finding.category} ({x.rule}, {x.confidence:.2f})" for x in row.evidence)
        table.add_row(
            str(row.buyers),
            str(row.min_tier),
            e.type,
            e.id,
            e.name or "",
            e.country or "",
            spend,
            f"{row.risk:.2f}" if row.findings else "",
            ev,
        )
    out.print(table)
    for row in result.rows:
        for p in row.paths:
            out.print(f"  {row.entity.id} <- {p.buyer.id}: {_path_text(p.path)}", highlight=False)
    if result.more:
        out.print(f"... and {result.more} more (--offset {result.offset + len(result.rows)})")
    out.print(f"[dim]{result.ranking}; {result.spend_note}[/]", highlight=False)
    _withheld(result.withheld)


def _export(selection, flt, tiers, min_buyers, limit, fmt, output, store, role) -> None:
    """The answer through the one export code path (graph/exports/answers.leverage)."""
    from tierwatch.cli.export_cmd import output_format, write_export
    from tierwatch.graph.exports import answers

    fmt = output_format(fmt, output)
    viewer = _viewer(role)
    with _service(store) as svc:
        graph = answers.leverage(
            svc, selection, viewer, tiers=tiers, filters=flt, min_buyers=min_buyers, limit=limit
        )
    write_export(graph, fmt, output, role)
