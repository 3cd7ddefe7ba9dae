"""Remedy records of findings: status, dates, who provided and who verified remedy, the source.

One row = one ``Remedy`` node (graph/schema.py) with ``REMEDIES`` to the finding it is about, which
must already be in the graph (a ``RiskFinding`` id). A finding may carry many records (its history:
reported, acknowledged, in remedy, remedied; or disputed, not remedied); the record id is the filer's
reference when given, else a digest of finding, status, date and evidence (deterministic).

Restricted by default: a blank ``access`` is ``restricted`` (remedy concerns workers; a record is
public only when its filer says so), and a restricted record carries restricted provenance whatever
the dataset's licence class. ``provided_by``, ``verified_by`` and ``reported_by`` name organisations,
never persons; cells holding e-mails or phone numbers are quarantined (common.TemplatePipeline).
Confidence 0.8, 0.9 when an organisation other than the provider verified it (remedy.toml).
"""

from __future__ import annotations

import dataclasses
import hashlib

from tierwatch.graph.names import slug
from tierwatch.graph.schema import Access, Remedies, Remedy, RemedyStatus
from tierwatch.ingest.framework import IngestContext
from tierwatch.ingest.templates.common import RowProblem, TemplatePipeline, parse_date

SPEC_FILE = "remedy.toml"
STATUSES = [s.value for s in RemedyStatus]
ACCESS = [a.value for a in Access]


class RemedyPipeline(TemplatePipeline):
    role = "remedy"

    def write(self, ctx: IngestContext, cells: dict[str, str]) -> None:
        finding = cells["finding"].strip()
        if self.known_type(ctx, finding) != "RiskFinding":
            raise RowProblem("unknown finding id: give a RiskFinding id from the graph", "finding", finding)
        status = self.choice(cells, "status", STATUSES)
        access = self.choice(cells, "access", ACCESS, default=Access.RESTRICTED.value)
        assert status is not None and access is not None
        when = parse_date(cells.get("date", ""), "date")
        started = parse_date(cells.get("started", ""), "started")
        if when and started and started[0] > when[0]:
            raise RowProblem("started is after the status date", "started", cells.get("started"))
        reporter = " ".join(cells["reported_by"].split())
        provider = " ".join(cells.get("provided_by", "").split()) or None
        verifier = " ".join(cells.get("verified_by", "").split()) or None
        reference = cells.get("remedy_ref", "")
        if not reference:
            basis = "\x1f".join([finding, status, when[0] if when else "", cells["evidence"]])
            reference = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]
        remedy_id = f"remedy:{slug(reporter)}:{slug(reference) if cells.get('remedy_ref') else reference}"
        level = "verified" if verifier and verifier != provider else access
        prov = ctx.prov(confidence=float(self.spec.raw["confidence"][level]))
        if access == Access.RESTRICTED.value:
            prov = dataclasses.replace(prov, licence_class="restricted")
        record = Remedy(
            id=remedy_id,
            name=f"remedy {status.replace('_', ' ')}: {finding}",
            status=RemedyStatus(status),
            finding=finding,
            date=when[0] if when else None,
            date_precision=when[1] if when else None,
            started=started[0] if started else None,
            provided_by=provider,
            verified_by=verifier,
            evidence=cells["evidence"],
            source_ref=cells.get("source") or None,
            access=Access(access),
            reported_by=reporter,
            note=cells.get("note") or None,
        )
        ctx.node(record, prov=prov)
        ctx.edge(Remedies(src=remedy_id, dst=finding), prov=prov)


PIPELINE = RemedyPipeline
