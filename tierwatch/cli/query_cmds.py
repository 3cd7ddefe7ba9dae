"""Query commands for people who live in a terminal: search, entity, upstream, downstream, exposure,
paths, export. Each takes ``--json`` and ``--store``. The CLI is the local operator (role
``analyst``); ``--role public`` previews what the public sees through the API.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from tierwatch.graph.errors import QueryError
from tierwatch.graph.settings import get_settings

out = Console()
StoreOpt = Annotated[str | None, typer.Option("--store", help="embedded (default) or neo4j")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the answer as JSON")]
RoleOpt = Annotated[str, typer.Option("--role", help="analyst (the local operator) or public (preview)")]
TiersOpt = Annotated[int, typer.Option("--tiers", min=1, max=8, help="tiers to walk (<= 8)")]
CommodityOpt = Annotated[list[str] | None, typer.Option("--commodity", help="follow only these commodities")]
CountryOpt = Annotated[list[str] | None, typer.Option("--country", help="report only these countries")]
TypeOpt = Annotated[list[str] | None, typer.Option("--type", help="report only these entity types")]
MinConfOpt = Annotated[float, typer.Option("--min-confidence", min=0.0, max=1.0)]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")]
OverlapOpt = Annotated[
    bool,
    typer.Option(
        "--require-overlap",
        help="with --as-of: follow supply and spend links only when their period is known",
    ),
]
CandOpt = Annotated[bool, typer.Option("--candidates", help="follow unconfirmed candidate links (labelled)")]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, max=1000)]
OffsetOpt = Annotated[int, typer.Option("--offset", min=0)]


def register(app: typer.Typer) -> None:
    for name, fn in (
        ("search", search),
        ("entity", entity),
        ("upstream", upstream),
        ("downstream", downstream),
        ("exposure", exposure),
        ("paths", paths),
        ("export", export),
    ):
        app.command(name)(fn)


@contextmanager
def _service(store: str | None):
    from tierwatch.graph.query.engine_service import StoreQueryService
    from tierwatch.graph.query.service import open_query_service

    settings = get_settings()
    svc = open_query_service(settings, store)
    assert isinstance(svc, StoreQueryService)  # the one implementation; it holds the store
    try:
        check_not_empty(svc.store, settings, store)
        yield svc
    finally:
        svc.close()


def check_not_empty(graph: Any, settings: Any, backend: str | None) -> None:
    """A query on a missing or empty store is an error that says where the store is, not "0 matches"."""
    from tierwatch.graph.errors import EmptyStoreError

    if not sum(graph.counts()["nodes"].values()):
        raise EmptyStoreError(
            f"the {backend or settings.store} store at {settings.store_location(backend)} holds no graph: "
            "load it with `tierwatch demo --no-serve` (or `tierwatch ingest`), or point "
            "TIERWATCH_STORE_DIR (TIERWATCH_NEO4J_URI for --store neo4j) at a loaded store"
        )


def _viewer(role: str):
    from tierwatch.api.auth import Role, viewer_for

    try:
        return viewer_for(Role(role), get_settings())
    except ValueError:
        raise QueryError("--role must be analyst or public") from None


def _filters(commodity, country, types, min_confidence, as_of, candidates, overlap=False):
    from tierwatch.graph.query.service import make_filter

    return make_filter(
        commodities=commodity or (),
        countries=country or (),
        entity_types=types or (),
        min_confidence=min_confidence,
        as_of=as_of,
        include_candidates=candidates,
        require_overlap=overlap,
    )


def _page(offset: int, limit: int):
    from tierwatch.graph.query.service import Page

    return Page(offset=offset, limit=limit)


def _emit_json(model: BaseModel) -> None:
    sys.stdout.buffer.write(orjson.dumps(model.model_dump(mode="json"), option=orjson.OPT_INDENT_2) + b"\n")


def _ref(e: Any) -> str:
    return f"{e.name or ''} [dim]{e.id}[/]" if e.name else e.id


def _withheld(w: Any) -> None:
    if w.total:
        out.print(
            f"[yellow]withheld[/]: {w.total} licence-restricted elements "
            f"({w.nodes} entities, {w.links} links, {w.findings} findings) not shown to this role",
            highlight=False,
        )
    if w.note:
        out.print(f"[yellow]withheld[/]: {w.note}", highlight=False)


def _path_text(p: Any) -> str:
    parts = [p.nodes[0]]
    for link, node in zip(p.links, p.nodes[1:], strict=False):
        label = (
            link.type + (f"/{link.status}" if link.status else "") + (" candidate" if link.candidate else "")
        )
        parts.append(f"-[{label} {link.confidence:.2f}]- {node}")
    return " ".join(parts)


# -- commands -------------------------------------------------------------------------------------


def search(
    text: Annotated[str, typer.Argument(help="name, alias, identifier (scheme:value) or id")],
    types: TypeOpt = None,
    country: Annotated[str | None, typer.Option("--country")] = None,
    offset: OffsetOpt = 0,
    limit: LimitOpt = 20,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    role: RoleOpt = "analyst",
) -> None:
    """Find entities by name (fuzzy, accent-insensitive), alias, identifier or id."""
    with _service(store) as svc:
        result = svc.search(
            text, _viewer(role), types=tuple(types or ()), country=country, page=_page(offset, limit)
        )
    if as_json:
        return _emit_json(result)
    table = Table(title=f"{result.total} matches for {text!r}", title_justify="left")
    for col in ("score", "type", "id", "name", "country", "matched"):
        table.add_column(col, overflow="fold")
    for hit in result.hits:
        e = hit.entity
        table.add_row(
            f"{hit.score:.0f}",
            e.type,
            e.id,
            e.name or "",
            e.country or "",
            f"{hit.matched_field}: {hit.matched_text}",
        )
    out.print(table)
    if result.more:
        out.print(f"... and {result.more} more (--offset {result.offset + len(result.hits)})")
    _withheld(result.withheld)


def entity(
    entity_id: Annotated[str, typer.Argument(help="entity id")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    role: RoleOpt = "analyst",
) -> None:
    """An entity: properties, identifiers, aliases, provenance and the findings about it."""
    with _service(store) as svc:
        d = svc.entity(entity_id, _viewer(role))
    if as_json:
        return _emit_json(d)
    out.print(f"[bold]{d.entity.name or d.entity.id}[/] ({d.entity.type}) {d.entity.id}")
    out.print(
        f"  confidence {d.confidence:.2f}; methods {', '.join(d.methods)}; datasets {', '.join(d.datasets)}; "
        f"licence {d.licence_class}{'; retired' if d.retired else ''}"
    )
    for key, value in sorted(d.properties.items()):
        out.print(f"  {key}: {value}")
    if d.identifiers:
        out.print(f"  identifiers: {', '.join(d.identifiers)}")
    if d.aliases:
        out.print(f"  aliases: {', '.join(d.aliases)}")
    if d.links:
        out.print("  links: " + ", ".join(f"{k} {v}" for k, v in sorted(d.links.items())))
    for p in d.provenance:
        out.print(
            f"  source: {p.dataset} {p.version[:12]} {p.file} {p.locator} ({p.method}, {p.confidence:.2f}, "
            f"{p.licence_class}{', ended ' + p.ended if p.ended else ''})",
            highlight=False,
        )
    for hit in d.findings:
        f = hit.finding
        out.print(
            f"  [red]finding[/] {f.category} ({hit.rule}, {hit.confidence:.2f}): {f.evidence[:200]}",
            highlight=False,
        )
    _withheld(d.withheld)


def _traverse(
    direction: str,
    entity_id: str,
    tiers: int,
    commodity,
    country,
    types,
    min_confidence,
    as_of,
    candidates,
    offset,
    limit,
    store,
    as_json,
    role,
) -> None:
    flt = _filters(commodity, country, types, min_confidence, as_of, candidates)
    with _service(store) as svc:
        fn = svc.upstream if direction == "upstream" else svc.downstream
        result = fn(entity_id, _viewer(role), tiers=tiers, filters=flt, page=_page(offset, limit))
    if as_json:
        return _emit_json(result)
    table = Table(
        title=f"{direction} of {result.root.name or result.root.id}: {result.total} entities within "
        f"{tiers} tiers",
        title_justify="left",
    )
    for col in ("tier", "conf.", "type", "id", "name", "country", "best path"):
        table.add_column(col, overflow="fold")
    for hit in result.hits:
        e = hit.entity
        table.add_row(
            str(hit.tier),
            f"{hit.confidence:.2f}",
            e.type,
            e.id,
            e.name or "",
            e.country or "",
            _path_text(hit.path),
        )
    out.print(table)
    out.print("  per tier: " + ", ".join(f"{t}: {n}" for t, n in sorted(result.by_tier.items())))
    if result.more:
        out.print(f"... and {result.more} more (--offset {result.offset + len(result.hits)})")
    _withheld(result.withheld)


def upstream(
    entity_id: Annotated[str, typer.Argument()],
    tiers: TiersOpt = 3,
    commodity: CommodityOpt = None,
    country: CountryOpt = None,
    types: TypeOpt = None,
    min_confidence: MinConfOpt = 0.0,
    as_of: AsOfOpt = None,
    candidates: CandOpt = False,
    offset: OffsetOpt = 0,
    limit: LimitOpt = 50,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    role: RoleOpt = "analyst",
) -> None:
    """Who supplies it, tier by tier (best path per entity)."""
    _traverse(
        "upstream",
        entity_id,
        tiers,
        commodity,
        country,
        types,
        min_confidence,
        as_of,
        candidates,
        offset,
        limit,
        store,
        as_json,
        role,
    )


def downstream(
    entity_id: Annotated[str, typer.Argument()],
    tiers: TiersOpt = 3,
    commodity: CommodityOpt = None,
    country: CountryOpt = None,
    types: TypeOpt = None,
    min_confidence: MinConfOpt = 0.0,
    as_of: AsOfOpt = None,
    candidates: CandOpt = False,
    offset: OffsetOpt = 0,
    limit: LimitOpt = 50,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    role: RoleOpt = "analyst",
) -> None:
    """Who it supplies, tier by tier (best path per entity)."""
    _traverse(
        "downstream",
        entity_id,
        tiers,
        commodity,
        country,
        types,
        min_confidence,
        as_of,
        candidates,
        offset,
        limit,
        store,
        as_json,
        role,
    )


def exposure(
    entity_id: Annotated[str, typer.Argument(help="a buyer or contract id (any entity works)")],
    tiers: TiersOpt = 6,
    commodity: CommodityOpt = None,
    min_confidence: MinConfOpt = 0.0,
    as_of: AsOfOpt = None,
    overlap: OverlapOpt = False,
    candidates: CandOpt = False,
    category: Annotated[list[str] | None, typer.Option("--category")] = None,
    hits: Annotated[int, typer.Option("--hits", min=1, max=1000, help="hits per category")] = 5,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    role: RoleOpt = "analyst",
) -> None:
    """What a buyer or contract is exposed to: risk categories, paths, evidence and coverage."""
    flt = _filters(commodity, None, None, min_confidence, as_of, candidates, overlap)
    with _service(store) as svc:
        r = svc.exposure(
            entity_id,
            _viewer(role),
            tiers=tiers,
            filters=flt,
            categories=tuple(category or ()),
            hits_per_category=hits,
        )
    if as_json:
        return _emit_json(r)
    out.print(
        f"[bold]exposure of {r.root.name or r.root.id}[/] ({r.root.type}) within {r.max_tiers} tiers: "
        f"{r.reached} entities reached; strongest single piece of evidence {r.strongest:.3f} "
        f"({r.strongest_formula}); exposure aggregate (any finding holds; saturates; not the /risk "
        f"score) {r.aggregate:.3f} = {r.aggregate_formula}",
        highlight=False,
    )
    if r.coverage.headline is not None:
        out.print(r.coverage.headline.text, highlight=False)
    if r.contributors:
        out.print("\n[bold]where to act first[/] (brands by strongest hit, then findings, then hits)")
        for b in r.contributors:
            out.print(
                f"  {b.rank}. {_ref(b.anchor)} strongest {b.strongest:.3f} ({b.strongest_category or '-'}), "
                f"{b.findings} findings, {b.hits} hits"
                + (f"; unmapped: {', '.join(b.unknown_steps)}" if b.unknown_steps else ""),
                highlight=False,
            )
    for c in r.categories:
        bands = "/".join(str(c.bands.get(b, 0)) for b in ("high", "medium", "low"))
        tiers_text = ", ".join(f"{t}: {n}" for t, n in sorted(c.by_tier.items()))
        out.print(
            f"\n[bold]{c.category}[/]: strongest {c.strongest:.3f}; hits high/medium/low {bands}; "
            f"hits by tier {{{tiers_text}}}; {c.findings} findings on {c.entities} entities, nearest tier "
            f"{c.min_tier}; score {c.score:.3f} = {c.formula}",
            highlight=False,
        )
        if c.note:
            out.print(f"  [yellow]withheld[/]: {c.note}", highlight=False)
        for hit in c.hits:
            out.print(
                f"  tier {hit.tier} {_ref(hit.entity)} [{hit.rule}] conf {hit.confidence:.3f}: "
                f"{hit.finding.evidence[:160]}",
                highlight=False,
            )
            out.print(f"    path: {_path_text(hit.path)}", highlight=False)
        if c.more:
            out.print(f"  ... and {c.more} more")
    out.print("\n[bold]coverage[/]")
    for chain in r.coverage.chains:
        steps = "; ".join(
            f"{s.step}: {s.status}"
            + (f" ({s.entities})" if s.entities else "")
            + (f" ({s.withheld} withheld)" if s.withheld else "")
            for s in chain.steps
        )
        out.print(f"  {chain.anchor.name or chain.anchor.id} ({chain.chain}): {steps}", highlight=False)
        out.print(f"    {chain.note}", highlight=False)
        for s in chain.steps:
            if s.reason:
                out.print(
                    f"    {s.step}: {s.reason}" + (f": {s.next_request}" if s.next_request else ""),
                    highlight=False,
                )
    for note in r.coverage.notes:
        out.print(f"  note: {note}", highlight=False)
    _withheld(r.withheld)


def paths(
    a: Annotated[str, typer.Argument(help="from entity id")],
    b: Annotated[str, typer.Argument(help="to entity id")],
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="paths to find")] = 3,
    max_hops: Annotated[int, typer.Option("--max-hops", min=1, max=8)] = 6,
    commodity: CommodityOpt = None,
    min_confidence: MinConfOpt = 0.0,
    as_of: AsOfOpt = None,
    overlap: OverlapOpt = False,
    candidates: CandOpt = False,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    role: RoleOpt = "analyst",
) -> None:
    """The k cheapest chain paths between two entities."""
    flt = _filters(commodity, None, None, min_confidence, as_of, candidates, overlap)
    with _service(store) as svc:
        r = svc.paths(a, b, _viewer(role), k=k, max_hops=max_hops, filters=flt)
    if as_json:
        return _emit_json(r)
    out.print(
        f"{len(r.paths)} paths from {_ref(r.src)} to {_ref(r.dst)} ({r.direction}, <= {r.max_hops} hops)"
    )
    for i, p in enumerate(r.paths, 1):
        out.print(f"  {i}. conf {p.confidence:.3f} cost {p.cost:.3f}: {_path_text(p)}", highlight=False)
        if p.period_note:
            out.print(f"     [yellow]time[/]: {p.period_note}", highlight=False)
    _withheld(r.withheld)


def export(
    entity_id: Annotated[str | None, typer.Argument(help="entity id (not with --all)")] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="graphml, gexf, json, csv (a zip), cypher; neo4j-admin with --all. "
            "Default: from -o's extension, else json",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="file, its extension matching the format (.csv.zip for csv); a directory for "
            "neo4j-admin; default stdout",
        ),
    ] = None,
    tiers: Annotated[
        int | None,
        typer.Option(
            "--tiers", min=1, max=8, help="neighbourhood: hops (default 2); exposure: tiers (default 6)"
        ),
    ] = None,
    what: Annotated[str, typer.Option("--what", help="neighbourhood, exposure or paths")] = "neighbourhood",
    to: Annotated[str | None, typer.Option("--to", help="the other end (--what paths)")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="paths to find (--what paths)")] = 3,
    max_hops: Annotated[int, typer.Option("--max-hops", min=1, max=8, help="--what paths")] = 6,
    commodity: CommodityOpt = None,
    min_confidence: MinConfOpt = 0.0,
    as_of: AsOfOpt = None,
    candidates: CandOpt = False,
    all_: Annotated[bool, typer.Option("--all", help="the whole graph as neo4j-admin import CSVs")] = False,
    store: StoreOpt = None,
    role: RoleOpt = "analyst",
) -> None:
    """Export a neighbourhood, an exposure answer or a path set (or the whole graph) to a file: the same
    elements as the API's and the explorer's export of the same question for the same role."""
    from tierwatch.cli import export_cmd

    flt = _filters(commodity, None, None, min_confidence, as_of, candidates)
    export_cmd.run(
        entity_id, fmt, output, tiers, what, to, k, max_hops, flt, all_, store, _viewer(role), _service
    )
