"""Tier-n supplier links: upstream -> downstream, commodity or product, period, status, evidence.

One row = one SUPPLIES edge. Either end is an existing node id (a smelter ``rmi:CID002243``, a mine,
a facility, a company) or an organisation's name (resolved). The edge is keyed by commodity or
product and period start, so the same pair in another period or product stays a separate link.
Status: declared (the default: a supplier list or disclosure), confirmed, reported (not confirmed)
or not_realised (a deal that did not happen: kept as a fact, never followed as supply). Confidence is
the row's own, else by status (0.9 / 0.85 / 0.5 / 0.1). The tier, when given, is kept in the note.
"""

from __future__ import annotations

from tierwatch.graph.names import slug
from tierwatch.graph.schema import Supplies, SupplyStatus
from tierwatch.ingest.framework import IngestContext
from tierwatch.ingest.templates.common import RowProblem, TemplatePipeline, parse_date

SPEC_FILE = "links.toml"
_UPSTREAM = Supplies.sources
_DOWNSTREAM = Supplies.targets
STATUSES = [s.value for s in SupplyStatus]


class LinksPipeline(TemplatePipeline):
    role = "links"

    def write(self, ctx: IngestContext, cells: dict[str, str]) -> None:
        upstream = self.entity(ctx, cells, "upstream", _UPSTREAM)
        downstream = self.entity(ctx, cells, "downstream", _DOWNSTREAM)
        if upstream.id == downstream.id:
            raise RowProblem("upstream and downstream are the same entity", "downstream", cells["downstream"])
        commodity = self.commodity(ctx, cells)
        product = cells.get("product", "")
        if commodity is None and not product:
            raise RowProblem("give a commodity or a product", "commodity")
        start = parse_date(cells.get("period_start", ""), "period_start")
        end = parse_date(cells.get("period_end", ""), "period_end")
        if start and end and end[0] < start[0]:
            raise RowProblem("period_end is before period_start", "period_end", end[0])
        status = self.choice(cells, "status", STATUSES, default=SupplyStatus.DECLARED.value)
        assert status is not None
        confidence = self.number(cells, "confidence", low=0.0, high=1.0)
        if confidence is None:
            confidence = float(self.spec.lookup("status_confidence", status))
        tier = self.number(cells, "tier", low=1, high=50)
        if tier is not None and tier != int(tier):
            raise RowProblem("tier is not a whole number", "tier", cells["tier"])
        upstream.emit(ctx)
        downstream.emit(ctx)
        years = sorted({int(d[0][:4]) for d in (start, end) if d})
        notes = [f"tier {int(tier)}"] if tier is not None else []
        if cells.get("note"):
            notes.append(cells["note"])
        what = commodity.removeprefix("commodity:") if commodity else product
        key = slug(f"{what} {start[0] if start else ''}")
        ctx.edge(
            Supplies(
                src=upstream.id,
                dst=downstream.id,
                key=key,
                commodity=commodity,
                product=product or None,
                period_start=start[0] if start else None,
                period_end=end[0] if end else None,
                years=years,
                status=SupplyStatus(status),
                granularity="entity",
                evidence=cells["evidence"],
                note="; ".join(notes) or None,
            ),
            confidence=confidence,
        )


PIPELINE = LinksPipeline
