"""Export routes (v1): a neighbourhood, an exposure result or a path set in any export format.

Each route calls the one export code path (``graph.exports.answers``) the CLI and the explorer
call, with the same defaults, so the same question for the same role exports the same elements.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from tierwatch.api.deps import RunnerDep, ServiceDep, ViewerDep
from tierwatch.api.errors import ERROR_RESPONSES
from tierwatch.graph import exports
from tierwatch.graph.exports import answers
from tierwatch.graph.query.service import MAX_TIERS, TraversalFilter, make_filter
from tierwatch.graph.settings import Settings

# unknown formats are refused by graph.exports.check_format (422, with the allowed values)
Format = Annotated[str, Query(max_length=20, description=f"one of: {', '.join(exports.FORMATS)}")]
EntityId = Annotated[str, Path(min_length=1, max_length=300)]

BINARY = {"type": "string", "format": "binary"}
_FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the export file",
        "content": {
            # a JSON export is a node-link object; the other formats are files
            media: {"schema": {"type": "object"} if media == "application/json" else BINARY}
            for media in sorted({mt for mt, _ in exports.FORMATS.values()})
        },
    },
    **ERROR_RESPONSES,
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
        return make_filter(
            commodities=commodity,
            min_confidence=min_confidence,
            as_of=as_of,
            include_candidates=include_candidates,
        )

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
        tiers: Tiers = min(answers.EXPOSURE_TIERS, max_tiers),
        hits_per_category: Annotated[int, Query(ge=1, le=200)] = answers.EXPOSURE_HITS,
    ) -> Response:
        exports.check_format(format)

        def work() -> Response:
            sub = answers.exposure(
                service, entity_id, viewer, tiers=tiers, filters=flt, hits_per_category=hits_per_category
            )
            return _file(sub, format, f"exposure-{entity_id}")

        return await run.run(work)

    @router.get(
        "/leverage/export",
        response_class=Response,
        summary="Export a shared-leverage answer (entities, buyers, paths, evidence and their links)",
    )
    async def export_leverage(
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        flt: FilterDep,
        buyer: Annotated[list[str], Query(max_length=2000)] = [],  # noqa: B006
        buyer_country: Annotated[str | None, Query(max_length=2)] = None,
        buyer_kind: Annotated[str | None, Query(max_length=200)] = None,
        all: bool = False,
        format: Format = "json",
        tiers: Tiers = min(answers.EXPOSURE_TIERS, max_tiers),
        min_buyers: Annotated[int, Query(ge=2, le=10_000)] = 2,
        limit: Annotated[int, Query(ge=1, le=200)] = answers.LEVERAGE_ROWS,
    ) -> Response:
        from tierwatch.graph.query.leverage import BuyerSelection

        exports.check_format(format)
        selection = BuyerSelection(buyers=buyer, country=buyer_country, kind=buyer_kind, all_buyers=all)

        def work() -> Response:
            sub = answers.leverage(
                service, selection, viewer, tiers=tiers, filters=flt, min_buyers=min_buyers, limit=limit
            )
            return _file(sub, format, "leverage")

        return await run.run(work)

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
        hops: Annotated[int, Query(ge=1, le=max_tiers)] = answers.NEIGHBOURHOOD_HOPS,
    ) -> Response:
        exports.check_format(format)

        def work() -> Response:
            sub = answers.neighbourhood(
                service, entity_id, viewer, hops=hops, max_elements=run.settings.api_export_max_nodes
            )
            return _file(sub, format, f"neighbourhood-{entity_id}")

        return await run.run(work)

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
        k: Annotated[int, Query(ge=1, le=settings.api_max_paths)] = answers.PATHS_K,
        max_hops: Annotated[int, Query(ge=1, le=max_tiers)] = min(answers.PATHS_MAX_HOPS, max_tiers),
    ) -> Response:
        exports.check_format(format)

        def work() -> Response:
            sub = answers.paths(service, src, dst, viewer, k=k, max_hops=max_hops, filters=flt)
            return _file(sub, format, f"paths-{src}-{dst}")

        return await run.run(work)

    return router
