"""The one code path from a question to its export: the API, the CLI and the explorer call these, so
the same question (entity, tiers, filters) for the same role exports the same nodes and links.

- ``exposure``: the exposure answer (``EXPOSURE_TIERS`` tiers, ``EXPOSURE_HITS`` hits per category):
  the root, every hit's path, its finding and the link that made it apply;
- ``paths``: the ``k`` cheapest paths within ``max_hops`` (the same defaults as ``paths`` queries);
- ``neighbourhood``: stored nodes and links within ``hops`` links, any type, both directions.

``meta`` is what the file says about itself; ``generated_at`` and ``generator`` are the only parts
that differ between callers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tierwatch.graph.exports import Subgraph, collect
from tierwatch.graph.query.service import QueryService, TraversalFilter, Viewer

EXPOSURE_TIERS = 6
EXPOSURE_HITS = 50  # hits per risk category in an exposure export
PATHS_K = 3
PATHS_MAX_HOPS = 6
NEIGHBOURHOOD_HOPS = 2
LEVERAGE_ROWS = 100  # rows of a leverage export
LEVERAGE_PATHS = 3  # paths per row in a leverage export
LEVERAGE_EVIDENCE = 5
KINDS = ("neighbourhood", "exposure", "paths")  # of `tierwatch export` (leverage: `tierwatch leverage -o`)


def meta(kind: str, viewer: Viewer, generator: str = "tierwatch", **extra: Any) -> dict[str, Any]:
    return {
        "export": kind,
        "role": viewer.role,
        "generator": generator,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **extra,
    }


def exposure(
    service: QueryService,
    entity_id: str,
    viewer: Viewer,
    *,
    tiers: int = EXPOSURE_TIERS,
    filters: TraversalFilter = TraversalFilter(),
    hits_per_category: int = EXPOSURE_HITS,
    generator: str = "tierwatch",
) -> Subgraph:
    result = service.exposure(
        entity_id, viewer, tiers=tiers, filters=filters, hits_per_category=hits_per_category, coverage=False
    )
    nodes, edges = collect.ids_of_exposure(result)
    return collect.fetch(
        service,
        nodes,
        edges,
        viewer,
        meta(
            "exposure",
            viewer,
            generator,
            root=result.root.id,
            tiers=tiers,
            hits_per_category=hits_per_category,
            aggregate=result.aggregate,
            aggregate_formula=result.aggregate_formula,
            withheld_licence_restricted=result.withheld.total,
        ),
    )


def paths(
    service: QueryService,
    src: str,
    dst: str,
    viewer: Viewer,
    *,
    k: int = PATHS_K,
    max_hops: int = PATHS_MAX_HOPS,
    filters: TraversalFilter = TraversalFilter(),
    generator: str = "tierwatch",
) -> Subgraph:
    result = service.paths(src, dst, viewer, k=k, max_hops=max_hops, filters=filters)
    nodes, edges = collect.ids_of_paths(result.paths)
    nodes |= {result.src.id, result.dst.id}
    return collect.fetch(
        service,
        nodes,
        edges,
        viewer,
        meta(
            "paths",
            viewer,
            generator,
            src=result.src.id,
            dst=result.dst.id,
            k=k,
            max_hops=max_hops,
            paths=len(result.paths),
        ),
    )


def neighbourhood(
    service: QueryService,
    entity_id: str,
    viewer: Viewer,
    *,
    hops: int = NEIGHBOURHOOD_HOPS,
    max_elements: int = 5000,
    generator: str = "tierwatch",
) -> Subgraph:
    sub = service.subgraph(entity_id, viewer, hops=hops, max_elements=max_elements)
    return collect.from_neighbourhood(sub, viewer, meta("neighbourhood", viewer, generator))


def leverage(
    service: QueryService,
    selection: Any,
    viewer: Viewer,
    *,
    tiers: int = EXPOSURE_TIERS,
    filters: TraversalFilter = TraversalFilter(),
    min_buyers: int = 2,
    paths: int = LEVERAGE_PATHS,
    evidence: int = LEVERAGE_EVIDENCE,
    limit: int = LEVERAGE_ROWS,
    generator: str = "tierwatch",
) -> Subgraph:
    """A shared-leverage answer (graph/query/leverage.py; ``selection``: a ``BuyerSelection``): its rows'
    entities and buyers, their paths and the evidence on them."""
    from tierwatch.graph.query.service import Page

    result = service.leverage(  # type: ignore[attr-defined]
        selection,
        viewer,
        tiers=tiers,
        filters=filters,
        min_buyers=min_buyers,
        paths=paths,
        evidence=evidence,
        page=Page(limit=limit),
    )
    nodes, edges = collect.ids_of_leverage(result)
    return collect.fetch(
        service,
        nodes,
        edges,
        viewer,
        meta(
            "leverage",
            viewer,
            generator,
            selection=result.selection,
            tiers=tiers,
            min_buyers=min_buyers,
            rows=len(result.rows),
            total=result.total,
            withheld_licence_restricted=result.withheld.total,
        ),
    )
