"""``tierwatch match``: match a buyer's list (CSV/XLSX) to the graph's entities; ``tierwatch match
decide ROW-KEY ENTITY yes|no`` remembers a user's decision (docs/MATCH.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tierwatch.cli.query_cmds import JsonOpt, RoleOpt, StoreOpt, TypeOpt, _emit_json, _service, _viewer, out
from tierwatch.graph.errors import InputFileError, NotFoundError, QueryError
from tierwatch.graph.settings import get_settings

HELP = """Match a buyer's list to the graph: `tierwatch match FILE.csv|xlsx [options]`.

Each row (a name and any of country, identifier, address) gets its best candidates, each score with
its reasons (identifier hit, name rule, country agreement, address), and a status: decided (a user
confirmed it), matched (clear), review or none. Record a decision with
`tierwatch match decide ROW-KEY ENTITY-ID yes|no` (ROW-KEY is shown for each row); decisions are
reused by every later match. --write-links FILE writes the confirmed rows as a links or
disclosures file for `tierwatch ingest`.
"""


def register(app: typer.Typer) -> None:
    app.command("match", help=HELP)(match)


def match(
    target: Annotated[
        str, typer.Argument(help="the list (CSV, TSV or XLSX), or `decide`", metavar="FILE|decide")
    ],
    decide_args: Annotated[
        list[str] | None, typer.Argument(help="with `decide`: ROW-KEY ENTITY-ID yes|no", metavar="[ARGS]...")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, max=50, help="candidates per row")] = None,
    types: TypeOpt = None,
    name_column: Annotated[str | None, typer.Option("--name-column")] = None,
    country_column: Annotated[str | None, typer.Option("--country-column")] = None,
    identifier_column: Annotated[list[str] | None, typer.Option("--identifier-column")] = None,
    address_column: Annotated[str | None, typer.Option("--address-column")] = None,
    decisions: Annotated[
        Path | None, typer.Option("--decisions", help="decisions file (default <store>/match-decisions.csv)")
    ] = None,
    write_links: Annotated[
        Path | None, typer.Option("--write-links", help="write confirmed rows here")
    ] = None,
    link_format: Annotated[str, typer.Option("--link-format", help="links or disclosures")] = "links",
    downstream: Annotated[
        str | None, typer.Option("--downstream", help="links: who the list supplies")
    ] = None,
    product: Annotated[
        str | None, typer.Option("--product", help="links/disclosures: what is supplied")
    ] = None,
    commodity: Annotated[str | None, typer.Option("--commodity", help="links: commodity supplied")] = None,
    contract: Annotated[
        str | None, typer.Option("--contract", help="disclosures: contract id or reference")
    ] = None,
    buyer: Annotated[str | None, typer.Option("--buyer", help="disclosures: the buyer")] = None,
    evidence: Annotated[str | None, typer.Option("--evidence", help="the evidence cell written")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    role: RoleOpt = "analyst",
) -> None:
    settings = get_settings()
    path = decisions or settings.match_decisions_path
    if target == "decide":
        return _decide(decide_args or [], path, store)
    if decide_args:
        raise QueryError(f"unexpected arguments after the file: {' '.join(decide_args)}")
    from tierwatch.graph.match import MatchResult, load_decisions, match_records, status_counts
    from tierwatch.ingest.buyer_lists import read_list
    from tierwatch.ingest.buyer_lists import write_links as write_file

    source = Path(target)
    listed = read_list(
        source,
        max_rows=settings.match_max_rows,
        name=name_column,
        country=country_column,
        identifier=identifier_column or (),
        address=address_column,
    )
    known = load_decisions(path)
    with _service(store) as svc:
        rows = match_records(
            svc,
            listed.records,
            _viewer(role),
            limit=limit or settings.match_candidates,
            types=tuple(types or ()),
            decisions=known,
            accept=settings.match_accept_score,
            margin=settings.match_margin,
        )
    result = MatchResult(
        source=str(source),
        rows=rows,
        total_rows=listed.total,
        left_out=listed.left_out,
        left_out_reason=_left_out_reason(listed.left_out, settings.match_max_rows),
        skipped=listed.skipped,
        counts=status_counts(rows),
    )
    written = None
    if write_links is not None:
        written = write_file(
            write_links,
            rows,
            kind=link_format,
            source=source,
            downstream=downstream,
            buyer=buyer,
            contract=contract,
            product=product,
            commodity=commodity,
            evidence=evidence,
        )
    if as_json:
        return _emit_json(result)
    _print(result)
    if written is not None:
        out.print(
            f"wrote {written.rows} confirmed rows to {written.path} ({link_format}; "
            f"{len(written.not_written)} rows not confirmed, not written): "
            f"`tierwatch ingest {link_format} {written.path}`",
            highlight=False,
        )


def _left_out_reason(left_out: int, cap: int) -> str | None:
    if not left_out:
        return None
    return (
        f"{left_out} rows past the first {cap} were left out, not matched (the row cap: "
        "TIERWATCH_MATCH_MAX_ROWS); split the file or raise the cap"
    )


def _print(result) -> None:
    table = Table(
        title=f"{result.source}: {len(result.rows)} rows matched", title_justify="left", show_lines=True
    )
    for col in ("row", "key", "name (country)", "status", "candidate", "score", "reasons"):
        table.add_column(col, overflow="fold", ratio=3 if col in ("candidate", "reasons") else None)
    for r in result.rows:
        label = r.record.name + (f" ({r.record.country})" if r.record.country else "")
        if r.record.identifiers:
            label += "\n" + ", ".join(r.record.identifiers)
        if not r.candidates:
            table.add_row(str(r.row), r.key, label, r.status, "", "", "")
        for i, c in enumerate(r.candidates):
            reasons = "\n".join(f"{x.points:+g} {x.detail}" for x in c.reasons)
            e = c.entity
            table.add_row(
                str(r.row) if i == 0 else "",
                r.key if i == 0 else "",
                label if i == 0 else "",
                r.status if i == 0 else "",
                f"{e.name or ''}\n[dim]{e.id}[/]",
                f"{c.score:g}",
                reasons,
            )
    out.print(table)
    counts = ", ".join(f"{n} {s}" for s, n in result.counts.items())
    out.print(f"{result.total_rows} rows read: {counts}", highlight=False)
    withheld = sum(r.withheld for r in result.rows)
    if withheld:
        out.print(
            f"[yellow]withheld[/]: {withheld} candidates from licence-restricted datasets "
            "not shown to this role",
            highlight=False,
        )
    for s in result.skipped:
        out.print(f"[yellow]skipped[/] row {s.row}: {s.reason}", highlight=False)
    if result.left_out_reason:
        out.print(f"[yellow]left out[/]: {result.left_out_reason}", highlight=False)


def _decide(args: list[str], path: Path, store: str | None) -> None:
    from tierwatch.graph.match import Decision, record_decision

    if len(args) != 3:
        raise QueryError("usage: tierwatch match decide ROW-KEY ENTITY-ID yes|no")
    key, entity, answer = args
    if answer.lower() not in ("yes", "no"):
        raise QueryError(f"the decision must be yes or no, not {answer!r}")
    with _service(store) as svc:
        if not svc.store.get_nodes([entity]):
            raise NotFoundError(f"no entity with id {entity!r}")
    try:
        saved = record_decision(path, Decision(row_key=key, entity=entity, decision=answer.lower()))
    except InputFileError as exc:
        raise QueryError(exc.detail) from None
    out.print(
        f"recorded: row {saved.row_key} {'is' if saved.decision == 'yes' else 'is not'} {entity} ({path})"
    )
