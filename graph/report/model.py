"""The exposure report's one model, built only from query-service answers (never from raw store reads).

``build_report(service, entity_id, viewer)`` asks the query service for the exposure answer (which
already applies the viewer's access rules: restricted evidence is absent, licence-restricted evidence
is counted as withheld) and for the ``Source`` entity of each dataset the answer cites (a source this
viewer may not see is counted, not named). Both renderers (HTML, PDF) read only this model, so they
show the same numbers as the API, the CLI and the explorer (graph/query/scores.py computes them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from tierwatch.graph.errors import NotFoundError
from tierwatch.graph.query.models import (
    ACCESS_HINT,
    CategoryExposure,
    ChainCoverage,
    ExposureResult,
    FindingHit,
    Withheld,
)
from tierwatch.graph.query.service import QueryService, TraversalFilter, Viewer

REPORT_TIERS = 6
REPORT_HITS = 10  # strongest hits shown per category
UNMAPPED = ("unknown", "withheld")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceInfo(_Model):
    """One dataset the report cites, as its Source entity describes it."""

    dataset: str
    title: str | None = None
    publisher: str | None = None
    licence: str | None = None
    licence_class: str = "open"
    version: str | None = None  # sha256 prefix of the files ingested
    ingested_at: str | None = None
    files: list[str] = Field(default_factory=list)


class Gap(_Model):
    """One unmapped chain step of one brand: why, and the request it implies."""

    anchor: str
    chain: str
    step: str
    status: str
    reason: str | None = None
    next_request: str | None = None


class WithheldSummary(_Model):
    total: Withheld
    per_category: dict[str, tuple[int, int]] = Field(default_factory=dict)  # findings, entities
    steps: int = 0  # chain steps mapped only in licence-restricted data
    sources: int = 0  # cited datasets whose description this viewer may not see
    hint: str | None = None


class ReportModel(_Model):
    title: str
    generated_at: str
    role: str
    backend: str
    generation: str
    tiers: int
    filters: dict[str, Any]
    exposure: ExposureResult
    summary: list[str]  # plain-language sentences (the first page)
    gaps: list[Gap]
    sources: list[SourceInfo]
    withheld: WithheldSummary
    # "what changed since" (graph.watch.alerts.changes for this viewer), when a day was asked for
    changes: dict[str, Any] | None = None


def _datasets(result: ExposureResult) -> list[str]:
    found: set[str] = set()

    def hit(h: FindingHit) -> None:
        found.update(h.finding.datasets)
        found.update(p.dataset for p in h.finding.provenance)
        for link in h.path.links:
            found.update(link.datasets)

    for c in result.categories:
        for h in c.hits:
            hit(h)
    if result.coverage.headline is not None:
        found.update(result.coverage.headline.datasets)
    for chain in result.coverage.chains:
        for s in chain.steps:
            found.update(s.datasets)
    return sorted(found)


def _sources(service: QueryService, viewer: Viewer, datasets: list[str]) -> tuple[list[SourceInfo], int]:
    out, hidden = [], 0
    for ds in datasets:
        try:
            d = service.entity(f"source:{ds}", viewer)
        except NotFoundError:
            hidden += 1  # licence-restricted or not described: counted, never named
            continue
        p = d.properties
        out.append(
            SourceInfo(
                dataset=ds,
                title=d.entity.name,
                publisher=p.get("publisher"),
                licence=p.get("licence"),
                licence_class=d.licence_class,
                version=p.get("sha256"),
                ingested_at=p.get("ingested_at"),
                files=list(p.get("files") or ()),
            )
        )
    return out, hidden


def gaps(chains: list[ChainCoverage]) -> list[Gap]:
    return [
        Gap(
            anchor=c.anchor.name or c.anchor.id,
            chain=c.chain,
            step=s.step,
            status=s.status,
            reason=s.reason,
            next_request=s.next_request,
        )
        for c in chains
        for s in c.steps
        if s.status in UNMAPPED
    ]


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _hit_sentence(c: CategoryExposure) -> str:
    h = c.hits[0]
    via = " -> ".join(h.path.nodes[1:-1][:3]) or "directly"
    return (
        f"The strongest evidence is for {c.category.replace('_', ' ')} ({c.strongest:.2f}: path "
        f"{h.path.confidence:.2f} x finding {h.finding.confidence:.2f}): {h.entity.name or h.entity.id} "
        f"(tier {h.tier}, via {via}): {h.finding.evidence[:200]}"
    )


def summary(result: ExposureResult, withheld: WithheldSummary) -> list[str]:
    """The first page in words: coverage, strongest evidence, where to act, what is unknown or withheld."""
    r = result
    name = r.root.name or r.root.id
    out = [
        f"{name} ({r.root.type}): within {r.max_tiers} tiers the graph reaches {r.reached} entities upstream."
    ]
    head = r.coverage.headline
    if head is not None and head.text:
        out.append(head.text)
    found = [c for c in r.categories if c.findings]
    if found:
        best = max(found, key=lambda c: (c.strongest, c.findings, c.category))
        out.append(_hit_sentence(best))
        out.append(
            "Evidence by category (strongest single hit; findings; hits high/medium/low; nearest tier): "
            + "; ".join(
                f"{c.category.replace('_', ' ')} {c.strongest:.2f}; {c.findings}; "
                f"{c.bands.get('high', 0)}/{c.bands.get('medium', 0)}/{c.bands.get('low', 0)}; "
                f"tier {c.min_tier}"
                for c in sorted(found, key=lambda c: (-c.strongest, c.category))
            )
            + "."
        )
    else:
        out.append("No risk finding reaches this chain in the evidence this viewer may see.")
    empty = [c.category.replace("_", " ") for c in r.categories if not c.findings]
    if empty:
        out.append(
            f"No finding in: {', '.join(empty)}. That is not evidence of absence where steps are "
            "unmapped (see known unknowns)."
        )
    acting = [c for c in r.contributors if c.strongest > 0][:3]
    if acting:
        out.append(
            "Where to act first: "
            + "; ".join(
                f"{c.anchor.name or c.anchor.id} (strongest {c.strongest:.2f}, {c.findings} findings)"
                for c in acting
            )
            + "."
        )
    unmapped = [c for c in r.coverage.chains if c.unknown_steps]
    if unmapped:
        out.append(
            f"{len(unmapped)} of {len(r.coverage.chains)} brands have unmapped chain steps; the known "
            "unknowns section lists each gap with the request it implies."
        )
    if withheld.total.total or withheld.total.paths or withheld.steps:
        out.append(
            "Withheld for this viewer (licence-restricted): "
            f"{withheld.total.findings} findings, {withheld.total.nodes} entities, {withheld.total.links} "
            f"links, {withheld.steps} chain steps, {withheld.sources} sources."
        )
    return out


def build_report(
    service: QueryService,
    entity_id: str,
    viewer: Viewer,
    *,
    tiers: int = REPORT_TIERS,
    filters: TraversalFilter = TraversalFilter(),
    hits_per_category: int = REPORT_HITS,
    since: str | None = None,
) -> ReportModel:
    """The report of a buyer or contract (any entity works) for this viewer, from query answers only.
    ``since`` (YYYY-MM-DD): add what changed in its exposure as of that day vs today, as this viewer
    sees it (a malformed or future day is a ``QueryError``)."""
    changed = None
    if since is not None:
        from tierwatch.graph.watch.alerts import changes

        changed = changes(service, entity_id, since, viewer=viewer)
    result = service.exposure(
        entity_id, viewer, tiers=tiers, filters=filters, hits_per_category=hits_per_category
    )
    sources, hidden_sources = _sources(service, viewer, _datasets(result))
    withheld = WithheldSummary(
        total=result.withheld,
        per_category={
            c.category: (c.withheld_findings, c.withheld_entities)
            for c in result.categories
            if c.withheld_findings or c.withheld_entities
        },
        steps=sum(len(c.withheld_steps) for c in result.coverage.chains),
        sources=hidden_sources,
    )
    if withheld.total.total or withheld.total.paths or withheld.steps or withheld.per_category:
        withheld.hint = ACCESS_HINT
    return ReportModel(
        title=f"Exposure report: {result.root.name or result.root.id}",
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        role=viewer.role,
        backend=service.backend,
        generation=str(service.generation),
        tiers=tiers,
        filters=filters.model_dump(exclude_defaults=True),
        exposure=result,
        summary=summary(result, withheld),
        gaps=gaps(result.coverage.chains),
        sources=sources,
        withheld=withheld,
        changes=changed,
    )
