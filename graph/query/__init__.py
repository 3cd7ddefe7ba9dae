"""The query layer: search, entity detail, tiered traversal, exposure with coverage, paths,
risk propagation and subgraph export, with the same answers on both stores (docs/QUERY.md)."""

from tierwatch.graph.query.service import (
    MAX_TIERS,
    Page,
    QueryService,
    TraversalFilter,
    Viewer,
    open_query_service,
)

__all__ = ["MAX_TIERS", "Page", "QueryService", "TraversalFilter", "Viewer", "open_query_service"]
