"""What to export from a query answer: the elements of a neighbourhood, an exposure or a path set.

The ids come from an answer the query layer gave *this viewer*, so they are visible to it; the
stored elements are then read through the query service (``QueryService.elements`` when it has
it) and redacted once more here (defence in depth): no access-restricted finding or link, no
licence-restricted element or provenance entry for a viewer that may not see them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from tierwatch.graph.errors import NotFoundError
from tierwatch.graph.exports import Stored, Subgraph
from tierwatch.graph.query import models as m
from tierwatch.graph.query.service import QueryService, Viewer
from tierwatch.graph.records import edge_id
from tierwatch.graph.schema import ACCESS_TYPES


def _path_ids(path: m.Path, nodes: set[str], edges: set[str]) -> None:
    nodes.update(path.nodes)
    for link in path.links:
        edges.add(link.id)
        nodes.update((link.src, link.dst))


def ids_of_paths(paths: Iterable[m.Path]) -> tuple[set[str], set[str]]:
    nodes: set[str] = set()
    edges: set[str] = set()
    for path in paths:
        _path_ids(path, nodes, edges)
    return nodes, edges


def ids_of_exposure(result: m.ExposureResult) -> tuple[set[str], set[str]]:
    """The root, every hit's path, finding and the CONCERNS link that made it apply."""
    nodes: set[str] = {result.root.id}
    edges: set[str] = set()
    for category in result.categories:
        for hit in category.hits:
            _path_ids(hit.path, nodes, edges)
            nodes.add(hit.entity.id)
            _finding_ids(hit.finding, hit.via or hit.finding.scope_entity or hit.entity.id, nodes, edges)
    return nodes, edges


def _finding_ids(finding: m.FindingRef, scope: str, nodes: set[str], edges: set[str]) -> None:
    """A finding, the CONCERNS link to the scope it applied through, its remedy records and their links."""
    nodes.update((finding.id, scope))
    edges.add(edge_id("CONCERNS", finding.id, scope))
    for remedy in finding.remedies:
        nodes.add(remedy.id)
        edges.add(edge_id("REMEDIES", remedy.id, finding.id))


def ids_of_leverage(result: Any) -> tuple[set[str], set[str]]:
    """Every row's entity and buyers, its paths, and its evidence (findings, their links, remedies)."""
    nodes: set[str] = set()
    edges: set[str] = set()
    for row in result.rows:
        nodes.add(row.entity.id)
        nodes.update(row.buyer_ids)
        for p in row.paths:
            _path_ids(p.path, nodes, edges)
        for ev in row.evidence:
            _finding_ids(ev.finding, ev.via or ev.finding.scope_entity or row.entity.id, nodes, edges)
    return nodes, edges


def _hidden(element: Stored, viewer: Viewer) -> bool:
    if (
        element.get("type") in ACCESS_TYPES
        and element.get("access") == "restricted"
        and not viewer.sees_restricted_access
    ):
        return True
    return element.get("licence_class") == "restricted" and not viewer.sees_restricted_licence


def redact(element: Stored, viewer: Viewer) -> Stored | None:
    """The element as the viewer may see it, or None. Provenance entries from licence-restricted
    datasets (and their dataset names) are removed for a viewer without licence access."""
    if _hidden(element, viewer):
        return None
    if viewer.sees_restricted_licence or "prov" not in element:
        return dict(element)
    kept, dropped = [], set()
    for text in element["prov"]:
        entry = orjson.loads(text)
        if entry.get("licence_class") == "restricted":
            dropped.add(entry.get("dataset"))
        else:
            kept.append(text)
    out = dict(element)
    out["prov"] = kept
    still = {orjson.loads(t).get("dataset") for t in kept}
    out["datasets"] = [d for d in element.get("datasets", []) if d in still or d not in dropped]
    if out.get("origin_dataset") in dropped and out.get("origin_dataset") not in still:
        out.pop("origin_dataset")
    return out


def visible_subgraph(
    nodes: Iterable[Stored], edges: Iterable[Stored], viewer: Viewer, meta: dict[str, Any] | None = None
) -> Subgraph:
    """Redacted nodes, and redacted edges whose both ends survived."""
    kept_nodes = [r for r in (redact(n, viewer) for n in nodes) if r is not None]
    ids = {n["id"] for n in kept_nodes}
    kept_edges = [
        r for r in (redact(e, viewer) for e in edges) if r is not None and r["src"] in ids and r["dst"] in ids
    ]
    return Subgraph(kept_nodes, kept_edges, dict(meta or {})).sorted()


def fetch(
    service: QueryService,
    node_ids: set[str],
    edge_ids: set[str],
    viewer: Viewer,
    meta: dict[str, Any] | None = None,
) -> Subgraph:
    """Stored elements for ids taken from the viewer's own answer, redacted for the viewer."""
    elements = getattr(service, "elements", None)
    if callable(elements):
        sub = elements(sorted(node_ids), sorted(edge_ids), viewer)
        return visible_subgraph(sub.nodes, sub.edges, viewer, meta)
    store = getattr(service, "store", None)
    if store is None:
        raise NotFoundError("this query service cannot export answers")
    nodes = store.get_nodes(sorted(node_ids)).values()
    edges = store.get_edges(sorted(edge_ids)).values()
    return visible_subgraph(nodes, edges, viewer, meta)


def from_neighbourhood(sub: m.Subgraph, viewer: Viewer, meta: dict[str, Any] | None = None) -> Subgraph:
    info = {
        "root": sub.root,
        "hops": sub.hops,
        "truncated": sub.truncated,
        "withheld_licence_restricted": sub.withheld.total,
        **(meta or {}),
    }
    return visible_subgraph(sub.nodes, sub.edges, viewer, info)
