"""Remedy records shown with the findings they are about (docs/QUERY.md "Remedy").

A ``Remedy`` node (graph/schema.py) REMEDIES one ``RiskFinding``. Any answer that shows findings
(entity detail, exposure, shared leverage; reports and alerts through ``with_remedies``) gets each
finding's records the viewer may see, oldest first, and the status of the latest as
``remedy_status``. Access as for findings: a record with ``access = restricted`` does not exist for a
viewer without access (not shown, not counted); a licence-restricted one is counted in
``remedies_withheld``. Records are evidence about a finding: they never hide it or change its score.

Usage (for reports, alerts, anything holding findings)::

    result = with_remedies(result, service.source, viewer)   # fills every FindingRef inside
    status = remedy_status_of(service.source, ["finding:..."], viewer)   # {finding id: status}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel
from tierwatch.graph.query.index import node_is_hidden
from tierwatch.graph.query.models import (
    EntityRef,
    FindingRef,
    Link,
    Path,
    ProvenanceEntry,
    RemedyRef,
    Withheld,
)
from tierwatch.graph.query.service import Viewer

M = TypeVar("M")
NO_FINDINGS = (Path, Link, EntityRef, ProvenanceEntry, Withheld)
Stored = dict[str, Any]


def _refs(value: Any) -> Iterator[FindingRef]:
    """Every FindingRef inside a result model (models, lists, dicts); paths and refs hold none."""
    if value is None or isinstance(value, (str, int, float, bool, *NO_FINDINGS)):
        return
    if isinstance(value, FindingRef):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _refs(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _refs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item)


def remedy_ref(node: Stored) -> RemedyRef:
    return RemedyRef(
        id=node["id"],
        status=node["status"],
        date=node.get("date"),
        started=node.get("started"),
        provided_by=node.get("provided_by"),
        verified_by=node.get("verified_by"),
        evidence=node.get("evidence", ""),
        source_ref=node.get("source_ref"),
        reported_by=node.get("reported_by"),
        access=node.get("access", "restricted"),
        licence_class=node.get("licence_class", "open"),
        confidence=float(node.get("confidence", 0.0)),
        datasets=list(node.get("datasets", ())),
    )


def remedies_of(
    source: Any, finding_ids: Iterable[str], viewer: Viewer
) -> dict[str, tuple[list[RemedyRef], int]]:
    """finding id -> (records the viewer may see, oldest first (date, then id); licence-restricted
    records withheld). ``source``: a query source (graph/query/sources.py) or anything with
    ``incident(ids)`` and ``hidden()``."""
    ids = sorted(set(finding_ids))
    out: dict[str, tuple[list[RemedyRef], int]] = {}
    if not ids:
        return out
    hidden = source.hidden()
    found: dict[str, list[Stored]] = {}
    withheld: dict[str, int] = {}
    for edge, other in source.incident(ids):
        if edge.get("type") != "REMEDIES" or other.get("type") != "Remedy":
            continue
        finding = edge["dst"]
        if not viewer.sees_restricted_access and node_is_hidden(other, *hidden):
            continue  # does not exist for this viewer
        if not viewer.sees_restricted_licence and (
            other.get("licence_class") == "restricted" or edge.get("licence_class") == "restricted"
        ):
            withheld[finding] = withheld.get(finding, 0) + 1
            continue
        found.setdefault(finding, []).append(other)
    for finding in set(found) | set(withheld):
        rows = sorted(found.get(finding, []), key=lambda d: (d.get("date") or "", d["id"]))
        out[finding] = ([remedy_ref(d) for d in rows], withheld.get(finding, 0))
    return out


def with_remedies(result: M, source: Any, viewer: Viewer) -> M:
    """``result`` with the remedy records of every finding it shows (changed in place, returned)."""
    refs = list(_refs(result))
    records = remedies_of(source, (r.id for r in refs), viewer)
    for ref in refs:
        shown, withheld = records.get(ref.id, ([], 0))
        ref.remedies = shown
        ref.remedy_status = shown[-1].status if shown else None
        ref.remedies_withheld = withheld
    return result


def remedy_status_of(source: Any, finding_ids: Iterable[str], viewer: Viewer) -> dict[str, str]:
    """finding id -> the status of its latest record this viewer may see (findings without one left out):
    what a watchlist compares between two runs to alert on a status change."""
    records = remedies_of(source, finding_ids, viewer)
    return {f: shown[-1].status for f, (shown, _) in records.items() if shown}
