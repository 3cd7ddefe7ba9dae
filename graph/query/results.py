"""Turning index rows into result models (EntityRef, Link, Path, FindingRef, FindingHit)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import orjson
from tierwatch.graph.query.arcs import MICRO
from tierwatch.graph.query.findings import RULES, Hits
from tierwatch.graph.query.index import GraphIndex
from tierwatch.graph.query.models import (
    ACCESS_HINT,
    EntityRef,
    FindingHit,
    FindingRef,
    Link,
    Path,
    ProvenanceEntry,
    Withheld,
)
from tierwatch.graph.query.periods import path_time
from tierwatch.graph.query.traverse import Reach


def conf_of_cost(cost: int) -> float:
    return round(math.exp(-cost / MICRO), 6)


def entity_ref(node: dict[str, Any]) -> EntityRef:
    return EntityRef(id=node["id"], type=node["type"], name=node.get("name"), country=node.get("country"))


def provenance(element: dict[str, Any]) -> list[ProvenanceEntry]:
    out = []
    for text in element.get("prov", ()):
        data = orjson.loads(text)
        data.setdefault("licence_class", "open")
        out.append(ProvenanceEntry(**{k: data.get(k) for k in ProvenanceEntry.model_fields}))
    return out


def link(ix: GraphIndex, arc: int) -> Link:
    e = ix.edges[int(ix.arc_edge[arc])]
    return Link(
        id=e["id"],
        type=e["type"],
        src=e["src"],
        dst=e["dst"],
        confidence=float(ix.arc_conf[arc]),
        methods=list(e.get("methods", ())),
        datasets=list(e.get("datasets", ())),
        licence_class=e.get("licence_class", "open"),
        retired=bool(e.get("retired", False)),
        status=e.get("status"),
        commodity=e.get("commodity"),
        candidate=bool(ix.arc_candidate[arc]),
        period_start=e.get("period_start"),
        period_end=e.get("period_end"),
        fiscal_year=e.get("fiscal_year") if e["type"] == "SPENDS_WITH" else None,
    )


def path_model(ix: GraphIndex, nodes: list[int], arcs: list[int]) -> Path:
    links = [link(ix, a) for a in arcs]
    cost = int(sum(int(ix.arc_cost[a]) for a in arcs))
    overlap, gap, note = path_time(links)
    return Path(
        nodes=[str(ix.ids[i]) for i in nodes],
        links=links,
        confidence=conf_of_cost(cost),
        cost=cost / MICRO,
        has_candidates=any(lk.candidate for lk in links),
        periods_overlap=overlap,
        period_gap_days=gap,
        period_note=note,
    )


def with_note(withheld: Withheld, unit: str = "entities") -> Withheld:
    """``withheld`` with its words: what was left out here and how to get access (nothing if nothing).
    ``unit``: what ``withheld.paths`` counts ("paths" in a paths answer, else reached "entities")."""
    parts = []
    if withheld.paths and unit == "paths":
        parts.append(f"{withheld.paths} path(s) run through licence-restricted links or entities")
    elif withheld.paths:
        parts.append(f"{withheld.paths} entities reached only through licence-restricted links or entities")
    if withheld.findings:
        parts.append(f"{withheld.findings} licence-restricted finding(s)")
    if withheld.nodes or withheld.links:
        parts.append(f"{withheld.nodes} entities and {withheld.links} links")
    withheld.note = f"withheld for this viewer: {'; '.join(parts)}: {ACCESS_HINT}" if parts else None
    return withheld


def reach_path(reach: Reach, v: int) -> Path:
    nodes, arcs = reach.path(v)
    return path_model(reach.ix, nodes, arcs)


def finding_ref(node: dict[str, Any], with_provenance: bool = True) -> FindingRef:
    return FindingRef(
        id=node["id"],
        category=node.get("category", "other"),
        scope_kind=node.get("scope_kind", "entity"),
        scope_entity=node.get("scope_entity"),
        scope_country=node.get("scope_country"),
        scope_region=node.get("scope_region"),
        scope_commodity=node.get("scope_commodity"),
        evidence=node.get("evidence", ""),
        access=node.get("access", "public"),
        confidence=float(node.get("confidence", 0.0)),
        date=node.get("date"),
        severity=node.get("severity"),
        list_name=node.get("list_name"),
        reported_by=node.get("reported_by"),
        licence_class=node.get("licence_class", "open"),
        datasets=list(node.get("datasets", ())),
        provenance=provenance(node) if with_provenance else [],
    )


def finding_hits(reach: Reach, hits: Hits, rows: np.ndarray) -> list[FindingHit]:
    ix = reach.ix
    out = []
    for r in rows:
        e, f = int(hits.ent[r]), int(hits.fnd[r])
        cost = int(hits.cost[r])
        via = int(hits.via[r])
        comm = int(hits.comm[r])
        out.append(
            FindingHit(
                finding=finding_ref(ix.nodes[f]),
                entity=entity_ref(ix.nodes[e]),
                rule=RULES[int(hits.rule[r])],  # type: ignore[arg-type]
                via=str(ix.ids[via]) if via >= 0 else None,
                commodity=ix.commodities[comm] if comm >= 0 else None,
                tier=int(reach.tier[e]),
                confidence=conf_of_cost(cost),
                cost=cost / MICRO,
                path=reach_path(reach, e),
            )
        )
    return out


def reach_commodity(reach: Reach, ents: np.ndarray) -> np.ndarray:
    """The commodity code of the last link of each entity's best path (-1 if none, or the root)."""
    last = reach.last_arc[ents]
    return np.where(last >= 0, reach.ix.arc_comm[np.maximum(last, 0)], -1).astype(np.int64)
