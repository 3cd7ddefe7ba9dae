"""Words and rows both renderers (HTML, PDF) share, so they say the same thing."""

from __future__ import annotations

from tierwatch.graph.query.models import CategoryExposure, CoverageHeadline, FindingHit, Link
from tierwatch.graph.query.unknowns import REASONS
from tierwatch.graph.report.model import ReportModel, SourceInfo

FOOTNOTE = (
    "Per category: the strongest single hit (path confidence x finding confidence), findings and "
    "entities, hits per confidence band (high >= 0.5, medium >= 0.2, low below) and per tier. Hits are "
    "listed strongest first; each with its path (links with their type, status, methods and "
    "confidence) and the finding's source (publisher, dataset, file, row or pointer, date)."
)
REASON_TEXT = dict(REASONS)


def category_title(category: str | None) -> str:
    return (category or "").replace("_", " ").capitalize()


def link_text(link: Link) -> str:
    kind = link.type + (f"/{link.status}" if link.status else "")
    methods = ",".join(link.methods)
    extra = "; candidate" if link.candidate else ""
    return f"{kind} {link.confidence:.2f}{' ' + methods if methods else ''}{extra}"


def finding_source(h: FindingHit, sources: dict[str, SourceInfo]) -> str:
    f = h.finding
    parts = []
    for p in f.provenance[:2]:
        s = sources.get(p.dataset)
        who = s.publisher if s and s.publisher else p.dataset
        parts.append(f"{who}: {p.dataset}, {p.file}, {p.locator}")
    if not parts:
        parts = [", ".join(f.datasets)]
    if f.reported_by:
        parts.append(f"reported by {f.reported_by}")
    if f.list_name:
        parts.append(f"list: {f.list_name}")
    parts.append(f"date: {f.date or 'not given'}")
    return "; ".join(parts)


def remedy_text(h: FindingHit) -> str:
    """The finding's remedy: the latest status, then each record this viewer may see (oldest first),
    and how many licence-restricted records were withheld; "" when it has none."""
    f = h.finding
    if not f.remedies and not f.remedies_withheld:
        return ""
    parts = [f"Remedy status: {f.remedy_status.replace('_', ' ') if f.remedy_status else 'not shown'}"]
    for r in f.remedies:
        when = r.date or "undated"
        if r.started:
            when = f"started {r.started}, {when}"
        who = f" by {r.provided_by}" if r.provided_by else ""
        check = f", verified by {r.verified_by}" if r.verified_by else ", not verified"
        parts.append(f"{r.status.replace('_', ' ')} ({when}{who}{check}): {r.evidence}")
    if f.remedies_withheld:
        parts.append(f"{f.remedies_withheld} remedy records withheld (licence-restricted)")
    return "; ".join(parts) + "."


def headline_rows(head: CoverageHeadline) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("chain step", "units mapped", "share of units", "share of spend")]
    for s in head.steps:
        rows.append(
            (
                s.step,
                f"{s.units_mapped} of {head.units}"
                + (f" (+{s.units_withheld} withheld)" if s.units_withheld else ""),
                f"{100 * s.share_units:.0f}%",
                f"{100 * s.share_spend:.0f}%" if s.share_spend is not None else "not known",
            )
        )
    return rows


Table = tuple[list[str], list[list[str]]]


def contributor_table(report: ReportModel) -> Table:
    head = ["#", "brand or supplier", "strongest", "category", "findings", "hits", "unmapped steps"]
    rows = [
        [
            str(c.rank),
            c.anchor.name or c.anchor.id,
            f"{c.strongest:.3f}",
            category_title(c.strongest_category) if c.strongest_category else "none",
            str(c.findings),
            str(c.hits),
            ", ".join(c.unknown_steps) or "none",
        ]
        for c in report.exposure.contributors
    ]
    return head, rows


def gap_table(report: ReportModel) -> Table:
    head = ["brand", "chain", "step", "status", "why", "next request"]
    rows = [
        [
            g.anchor,
            g.chain,
            g.step,
            g.status,
            REASON_TEXT.get(g.reason or "", g.reason or ""),
            g.next_request or "",
        ]
        for g in report.gaps
    ]
    return head, rows


def source_table(report: ReportModel) -> Table:
    head = ["dataset", "title", "publisher", "licence", "class", "ingested", "version"]
    rows = [
        [
            s.dataset,
            s.title or "",
            s.publisher or "",
            s.licence or "",
            s.licence_class,
            s.ingested_at or "",
            s.version or "",
        ]
        for s in report.sources
    ]
    return head, rows


def withheld_table(report: ReportModel) -> Table:
    head = ["category", "findings withheld", "entities withheld"]
    rows = [[category_title(k), str(f), str(e)] for k, (f, e) in report.withheld.per_category.items()]
    return head, rows


def withheld_text(report: ReportModel) -> str:
    w = report.withheld
    if not w.hint:
        return "Nothing was withheld from this report for this viewer."
    return (
        f"{w.total.findings} findings, {w.total.nodes} entities, {w.total.links} links, {w.total.paths} "
        f"entities reached only through restricted material, {w.steps} chain steps and {w.sources} "
        "source descriptions were withheld (licence-restricted)."
    )


def category_text(c: CategoryExposure) -> str:
    bands = ", ".join(f"{k} {v}" for k, v in c.bands.items())
    tiers = ", ".join(f"tier {k}: {v}" for k, v in sorted(c.by_tier.items())) or "none"
    nearest = c.min_tier if c.min_tier is not None else "none"
    return (
        f"Strongest single hit {c.strongest:.3f}; {c.findings} findings on {c.entities} entities; "
        f"hits by confidence band: {bands}; by tier: {tiers}; nearest tier {nearest}."
    )


def asked_text(report: ReportModel) -> tuple[str, str]:
    r = report.exposure
    filters = f", filters {report.filters}" if report.filters else ""
    return (
        f"What was asked: the exposure of {r.root.name or r.root.id} ({r.root.type}, {r.root.id}) "
        f"within {report.tiers} tiers upstream{filters}.",
        f"When: {report.generated_at} (UTC), for the role {report.role}, from the {report.backend} store, "
        f"graph generation {report.generation}.",
    )


CHANGES_SHOWN = 200  # change rows listed in a report; the rest are counted


def changes_text(report: ReportModel) -> str:
    c = report.changes
    assert c is not None
    b, a = c["before"], c["after"]
    n = len(c["changes"])
    more = f" (the first {CHANGES_SHOWN} listed)" if n > CHANGES_SHOWN else ""
    return (
        f"Exposure as of {c['since']}: {b['findings']} findings, {b['links']} links on its paths; as of "
        f"{c['until']}: {a['findings']} findings, {a['links']} links. {n} changes{more}, as this viewer "
        "sees the graph (the same kinds as watchlist alerts)."
    )


def changes_table(report: ReportModel) -> Table:
    head = ["change", "subject", "category", "dataset", "evidence"]
    assert report.changes is not None
    rows = [
        [
            c["kind"].replace("_", " "),
            c["subject"],
            category_title(c.get("category")),
            c.get("dataset") or "",
            c.get("evidence") or "",
        ]
        for c in report.changes["changes"][:CHANGES_SHOWN]
    ]
    return head, rows
