"""``tierwatch export``: the work behind the command (writers in graph/exports, shared with the API)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from tierwatch.graph import exports
from tierwatch.graph.errors import QueryError
from tierwatch.graph.exports import collect
from tierwatch.graph.settings import get_settings

err = Console(stderr=True)


def _meta(kind: str, viewer: Any, **extra: Any) -> dict[str, Any]:
    return {
        "export": kind,
        "role": viewer.role,
        "generator": "tierwatch",
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **extra,
    }


def run(
    entity_id: str | None,
    fmt: str,
    output: Path | None,
    tiers: int,
    what: str,
    to: str | None,
    all_: bool,
    store: str | None,
    viewer: Any,
    service_ctx: Any,
) -> None:
    settings = get_settings()
    if all_:
        if fmt != "neo4j-admin" or output is None:
            raise QueryError("--all writes neo4j-admin import CSVs: use --format neo4j-admin -o DIRECTORY")
        return _bulk(store, viewer, output)
    if entity_id is None:
        raise QueryError("give an entity id (or --all)")
    exports.check_format(fmt)
    with service_ctx(store) as svc:
        if what == "neighbourhood":
            sub = svc.subgraph(entity_id, viewer, hops=tiers, max_elements=settings.api_export_max_nodes)
            graph = collect.from_neighbourhood(sub, viewer, _meta("neighbourhood", viewer))
        elif what == "exposure":
            result = svc.exposure(entity_id, viewer, tiers=max(tiers, 1), hits_per_category=50)
            nodes, edges = collect.ids_of_exposure(result)
            graph = collect.fetch(
                svc,
                nodes,
                edges,
                viewer,
                _meta(
                    "exposure",
                    viewer,
                    root=result.root.id,
                    tiers=tiers,
                    aggregate=result.aggregate,
                    aggregate_formula=result.aggregate_formula,
                    withheld_licence_restricted=result.withheld.total,
                ),
            )
        elif what == "paths":
            if not to:
                raise QueryError("--what paths needs --to OTHER_ID")
            result = svc.paths(entity_id, to, viewer, k=3, max_hops=max(tiers, 1))
            nodes, edges = collect.ids_of_paths(result.paths)
            graph = collect.fetch(
                svc,
                nodes | {result.src.id, result.dst.id},
                edges,
                viewer,
                _meta("paths", viewer, src=result.src.id, dst=result.dst.id),
            )
        else:
            raise QueryError("--what must be neighbourhood, exposure or paths")
    data = exports.write(graph, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    err.print(
        f"wrote {output}: {len(graph.nodes)} nodes, {len(graph.edges)} edges ({fmt}, role {viewer.role})"
    )


def _bulk(store: str | None, viewer: Any, directory: Path) -> None:
    from tierwatch.graph.exports.bulk import write_bulk
    from tierwatch.graph.store import open_store

    graph = open_store(get_settings(), store)
    try:
        sub = collect.visible_subgraph(graph.iter_nodes(), graph.iter_edges(), viewer)
    finally:
        graph.close()
    files = write_bulk(sub.nodes, sub.edges, directory)
    err.print(
        f"wrote {len(files)} files to {directory}: {len(sub.nodes)} nodes, {len(sub.edges)} relationships "
        f"(role {viewer.role}); load with {directory / 'import.sh'}"
    )
