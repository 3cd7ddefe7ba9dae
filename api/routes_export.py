"""Export routes (v1): a neighbourhood, an exposure result or a path set in any export format."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from tierwatch.api.deps import RunnerDep, ServiceDep, ViewerDep
from tierwatch.api.errors import ERROR_RESPONSES
from tierwatch.api.routes_query import _filters
from tierwatch.graph import exports
from tierwatch.graph.exports import collect
from tierwatch.graph.query.service import MAX_TIERS, TraversalFilter, Viewer
from tierwatch.graph.settings import Settings

Format = Literal["graphml", "gexf", "json", "csv", "cypher"]
EntityId = Annotated[str, Path(min_length=1, max_length=300)]

_FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the export file",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in sorted({mt for mt, _ in exports.FORMATS.values()})
        },
    },
    **ERROR_RESPONSES,
}


def _meta(kind: str, viewer: Viewer, **extra: Any) -> dict[str, Any]:
    return {
        "export": kind,
        "role": viewer.role,
        "generator": "tierwatch",
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **extra,
    }


def _file(sub: exports.Subgraph, fmt: str, stem: str) -> Response:
    media, _ = exports.FORMATS[fmt]
    name = exports.filename(stem, fmt)
    return Response(
        exports.write(sub, fmt),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def make_router(settings: Settings) -> APIRouter:
    max_tiers = max(1, min(settings.api_max_hops, MAX_TIERS))
    router = APIRouter(prefix="/v1", responses=_FILE_RESPONSE, tags=["export"])

    async def filters(
        commodity: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006
        min_confidence: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
        as_of: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
        include_candidates: bool = False,
    ) -> TraversalFilter:
        return _filters(commodity, [], [], min_confidence, as_of, include_candidates)

    FilterDep = Annotated[TraversalFilter, Depends(filters)]
    Tiers = Annotated[int, Query(ge=1, le=max_tiers)]

    @router.get(
        "/entities/{entity_id:path}/exposure/export",
        response_class=Response,
        summary="Export an exposure answer (root, paths, findings and their links)",
    )
    async def export_exposure(
        entity_id: EntityId,
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        flt: FilterDep,
        format: Format = "json",
        tiers: Tiers = min(6, max_tiers),
        hits_per_category: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> Response:
        def work() -> exports.Subgraph:
            result = service.exposure(
                entity_id, viewer, tiers=tiers, filters=flt, hits_per_category=hits_per_category
            )
            nodes, edges = collect.ids_of_exposure(result)
            return collect.fetch(
                service,
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

        return await run.run(lambda: _file(work(), format, f"exposure-{entity_id}"))

    @router.get(
        "/entities/{entity_id:path}/export",
        response_class=Response,
        summary="Export the neighbourhood of an entity (every link type, both directions)",
    )
    async def export_neighbourhood(
        entity_id: EntityId,
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        format: Format = "json",
        hops: Annotated[int, Query(ge=1, le=max_tiers)] = 2,
    ) -> Response:
        def work() -> exports.Subgraph:
            sub = service.subgraph(
                entity_id, viewer, hops=hops, max_elements=run.settings.api_export_max_nodes
            )
            return collect.from_neighbourhood(sub, viewer, _meta("neighbourhood", viewer))

        return await run.run(lambda: _file(work(), format, f"neighbourhood-{entity_id}"))

    @router.get(
        "/paths/export", response_class=Response, summary="Export the k cheapest paths between two entities"
    )
    async def export_paths(
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        flt: FilterDep,
        src: Annotated[str, Query(min_length=1, max_length=300)],
        dst: Annotated[str, Query(min_length=1, max_length=300)],
        format: Format = "json",
        k: Annotated[int, Query(ge=1, le=settings.api_max_paths)] = 3,
        max_hops: Annotated[int, Query(ge=1, le=max_tiers)] = min(6, max_tiers),
    ) -> Response:
        def work() -> exports.Subgraph:
            result = service.paths(src, dst, viewer, k=k, max_hops=max_hops, filters=flt)
            nodes, edges = collect.ids_of_paths(result.paths)
            nodes |= {result.src.id, result.dst.id}
            return collect.fetch(
                service,
                nodes,
                edges,
                viewer,
                _meta("paths", viewer, src=result.src.id, dst=result.dst.id, k=k, paths=len(result.paths)),
            )

        return await run.run(lambda: _file(work(), format, f"paths-{src}-{dst}"))

    return router
