"""Findings about a named entity by monitors and workers: category, date, evidence, reporter, access.

Worker-driven monitoring is the best evidence there is and must often stay restricted to protect
the workers who gave it. One row = one RiskFinding scoped to the entity (an existing node id, or an
organisation's name, resolved), with CONCERNS to it and ABOUT to the commodity when given. A row
marked ``access = restricted`` keeps access=restricted on the finding and restricted provenance on
everything the row writes, whatever the dataset's licence class. The finding id is the reporter's own
reference when given, else a digest of entity, category, date and evidence (deterministic).
``reported_by`` names an organisation, never a person; cells holding e-mails or phone numbers are
quarantined. Confidence 0.8 (source.toml [confidence]): a monitor's finding, not a court ruling.
"""

from __future__ import annotations

import dataclasses
import hashlib

from tierwatch.graph.names import slug
from tierwatch.graph.schema import About, Access, Concerns, RiskCategory, RiskFinding
from tierwatch.ingest.framework import IngestContext
from tierwatch.ingest.templates.common import TemplatePipeline, parse_date

SPEC_FILE = "findings.toml"
CATEGORIES = [c.value for c in RiskCategory]
ACCESS = [a.value for a in Access]
SEVERITIES = ["low", "medium", "high", "critical"]
_ANY_ENTITY = ("Company", "Brand", "Facility", "Smelter", "Mine", "PublicBuyer", "Contract")


class FindingsPipeline(TemplatePipeline):
    role = "findings"

    def write(self, ctx: IngestContext, cells: dict[str, str]) -> None:
        entity = self.entity(ctx, cells, "entity", _ANY_ENTITY)
        category = self.choice(cells, "category", CATEGORIES)
        access = self.choice(cells, "access", ACCESS)
        severity = self.choice(cells, "severity", SEVERITIES)
        when = parse_date(cells.get("date", ""), "date")
        commodity = self.commodity(ctx, cells)
        assert category is not None and access is not None
        reporter = " ".join(cells["reported_by"].split())
        reference = cells.get("finding_ref", "")
        if not reference:
            basis = "\x1f".join([entity.id, category, when[0] if when else "", cells["evidence"]])
            reference = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]
        finding_id = f"finding:{slug(reporter)}:{slug(reference) if cells.get('finding_ref') else reference}"
        prov = ctx.prov(confidence=float(self.spec.raw["confidence"][access]))
        if access == Access.RESTRICTED.value:
            prov = dataclasses.replace(prov, licence_class="restricted")
        if entity.model is not None:
            ctx.node(entity.model, prov=prov)
        about = entity.model.name if entity.model else entity.id
        finding = RiskFinding(
            id=finding_id,
            name=f"{category.replace('_', ' ')}: {about}",
            category=category,
            scope_kind="entity",
            scope_entity=entity.id,
            scope_commodity=commodity,
            date=when[0] if when else None,
            date_precision=when[1] if when else None,
            evidence=cells["evidence"],
            severity=severity,
            access=Access(access),
            reported_by=reporter,
            note=cells.get("note") or None,
        )
        ctx.node(finding, prov=prov)
        ctx.edge(Concerns(src=finding_id, dst=entity.id), prov=prov)
        if commodity:
            ctx.edge(About(src=finding_id, dst=commodity), prov=prov)


PIPELINE = FindingsPipeline
