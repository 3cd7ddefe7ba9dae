"""Query routes (v1): search, entity detail, upstream/downstream, exposure, paths, risk scores.

Each route is a thin shell over the query layer (``graph.query``): it turns parameters into the
layer's filters and page, runs the query within the time limit and returns the layer's model as
JSON (``deps.QueryRunner.answer``: serialised once, not validated again against ``response_model``,
which documents it).
Limits (tiers, page size, k) come from settings and show in the OpenAPI spec.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from tierwatch.api.deps import RunnerDep, ServiceDep, ViewerDep
from tierwatch.api.errors import ERROR_RESPONSES, OrjsonResponse
from tierwatch.graph.query import models as m
from tierwatch.graph.query.arcs import UPSTREAM_MEANS
from tierwatch.graph.query.leverage import BuyerSelection
from tierwatch.graph.query.leverage_models import RANKING, SPEND_NOTE, LeverageResult
from tierwatch.graph.query.service import (
    ENTITY_TYPES,
    MAX_PAGE,
    MAX_TIERS,
    RISK_CATEGORIES,
    Page,
    TraversalFilter,
    make_filter,
)
from tierwatch.graph.schema import RiskCategory
from tierwatch.graph.settings import Settings

EntityId = Annotated[str, Path(min_length=1, max_length=300, description="an entity id, e.g. `org:dell`")]
# unknown values are refused by the query layer (422, with the allowed values: graph/query/service.py)
NodeType = Annotated[str, Query(max_length=40, description=f"one of: {', '.join(ENTITY_TYPES)}")]
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def make_router(settings: Settings) -> APIRouter:
    max_tiers = max(1, min(settings.api_max_hops, MAX_TIERS))
    max_page = max(1, min(settings.api_max_page_size, MAX_PAGE))
    default_page = max(1, min(settings.api_default_page_size, max_page))
    router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES, default_response_class=OrjsonResponse)

    async def page(
        offset: Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")] = 0,
        limit: Annotated[
            int, Query(ge=1, le=max_page, description=f"items per page (<= {max_page})")
        ] = default_page,
    ) -> Page:
        return Page(offset=offset, limit=limit)

    async def filters(
        commodity: Annotated[
            list[str],
            Query(
                max_length=20, description="follow only links in these commodities (or their forms/parents)"
            ),
        ] = [],  # noqa: B006
        country: Annotated[
            list[str],
            Query(max_length=50, description="report only entities in these countries (ISO 3166-1 alpha-2)"),
        ] = [],  # noqa: B006
        type: Annotated[
            list[NodeType], Query(max_length=20, description="report only these entity types")
        ] = [],  # noqa: B006
        min_confidence: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
        as_of: Annotated[str | None, Query(pattern=ISO_DATE, description="YYYY-MM-DD")] = None,
        include_candidates: Annotated[
            bool, Query(description="follow unconfirmed candidate links, labelled")
        ] = False,
        require_overlap: Annotated[
            bool,
            Query(description="with as_of: follow supply and spend links only when their period is known"),
        ] = False,
    ) -> TraversalFilter:
        return make_filter(
            commodities=commodity,
            countries=country,
            entity_types=type,
            min_confidence=min_confidence,
            as_of=as_of,
            include_candidates=include_candidates,
            require_overlap=require_overlap,
        )

    Tiers = Annotated[int, Query(ge=1, le=max_tiers, description=f"tiers to walk (<= {max_tiers})")]
    PageDep = Annotated[Page, Depends(page)]
    FilterDep = Annotated[TraversalFilter, Depends(filters)]

    @router.get(
        "/search",
        response_model=m.SearchResult,
        tags=["query"],
        summary="Search entities by name, alias, identifier or id",
    )
    async def search(
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        pg: PageDep,
        q: Annotated[
            str,
            Query(
                max_length=200,
                description="name, alias, identifier (scheme:value) or id; empty with `type`: list that type",
            ),
        ] = "",
        type: Annotated[list[NodeType], Query(max_length=20)] = [],  # noqa: B006
        country: Annotated[
            str | None, Query(max_length=10, description="only entities in this country (ISO 3166-1 alpha-2)")
        ] = None,
    ) -> Any:
        return await run.answer(
            service, lambda: service.search(q, viewer, types=tuple(type), country=country, page=pg)
        )

    @router.get(
        "/entities/{entity_id:path}/upstream",
        response_model=m.TraversalResult,
        tags=["query"],
        summary="Who supplies it, tier by tier",
        description=UPSTREAM_MEANS,
    )
    async def upstream(
        entity_id: EntityId,
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        pg: PageDep,
        flt: FilterDep,
        tiers: Tiers = 3,
    ) -> Any:
        return await run.answer(
            service, lambda: service.upstream(entity_id, viewer, tiers=tiers, filters=flt, page=pg)
        )

    @router.get(
        "/entities/{entity_id:path}/downstream",
        response_model=m.TraversalResult,
        tags=["query"],
        summary="Who it supplies, tier by tier",
        description=UPSTREAM_MEANS,
    )
    async def downstream(
        entity_id: EntityId,
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        pg: PageDep,
        flt: FilterDep,
        tiers: Tiers = 3,
    ) -> Any:
        return await run.answer(
            service, lambda: service.downstream(entity_id, viewer, tiers=tiers, filters=flt, page=pg)
        )

    @router.get(
        "/entities/{entity_id:path}/exposure",
        response_model=m.ExposureResult,
        tags=["query"],
        summary="Risk a buyer or contract is exposed to, with paths, evidence and coverage",
    )
    async def exposure(
        entity_id: EntityId,
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        flt: FilterDep,
        tiers: Tiers = min(6, max_tiers),
        category: Annotated[
            list[str],
            Query(
                max_length=20,
                description=f"only these risk categories (default: all): {', '.join(RISK_CATEGORIES)}",
            ),
        ] = [],  # noqa: B006
        hits_per_category: Annotated[int, Query(ge=1, le=max_page)] = 20,
    ) -> Any:
        return await run.answer(
            service,
            lambda: service.exposure(
                entity_id,
                viewer,
                tiers=tiers,
                filters=flt,
                categories=tuple(category),
                hits_per_category=hits_per_category,
            ),
        )

    @router.get(
        "/leverage",
        response_model=LeverageResult,
        tags=["query"],
        summary="Shared leverage: entities upstream of two or more of a set of buyers",
        description=f"{RANKING}. {SPEND_NOTE}. Choose the buyers one way: `buyer` (ids), "
        "`buyer_country`, `buyer_kind` or `all=true`; `country`/`type` filter the reported entities.",
    )
    async def leverage(
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        flt: FilterDep,
        pg: PageDep,
        buyer: Annotated[list[str], Query(max_length=2000, description="buyer ids")] = [],  # noqa: B006
        buyer_country: Annotated[
            str | None, Query(max_length=2, description="the buyers of one country (ISO alpha-2)")
        ] = None,
        buyer_kind: Annotated[str | None, Query(max_length=200, description="the buyers of one kind")] = None,
        all: Annotated[bool, Query(description="every buyer")] = False,
        tiers: Tiers = min(6, max_tiers),
        min_buyers: Annotated[int, Query(ge=2, le=10_000)] = 2,
        paths: Annotated[int, Query(ge=0, le=20, description="paths per row, best buyers first")] = 0,
        evidence: Annotated[int, Query(ge=0, le=20, description="findings per row")] = 3,
    ) -> Any:
        selection = BuyerSelection(buyers=buyer, country=buyer_country, kind=buyer_kind, all_buyers=all)
        return await run.answer(
            service,
            lambda: service.leverage(  # type: ignore[attr-defined]
                selection,
                viewer,
                tiers=tiers,
                filters=flt,
                min_buyers=min_buyers,
                paths=paths,
                evidence=evidence,
                page=pg,
            ),
        )

    @router.get(
        "/entities/{entity_id:path}/risk",
        response_model=m.RiskScore,
        tags=["risk"],
        summary="Own and inherited risk score of an entity, explained down to evidence",
    )
    async def risk(entity_id: EntityId, service: ServiceDep, viewer: ViewerDep, run: RunnerDep) -> Any:
        return await run.answer(service, lambda: service.risk(entity_id, viewer))

    @router.get(
        "/entities/{entity_id:path}",
        response_model=m.EntityDetail,
        tags=["query"],
        summary="An entity: properties, identifiers, aliases, provenance, findings",
    )
    async def entity(entity_id: EntityId, service: ServiceDep, viewer: ViewerDep, run: RunnerDep) -> Any:
        return await run.answer(service, lambda: service.entity(entity_id, viewer))

    @router.get(
        "/paths",
        response_model=m.PathsResult,
        tags=["query"],
        summary="The k cheapest chain paths between two entities",
    )
    async def paths(
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        flt: FilterDep,
        src: Annotated[str, Query(min_length=1, max_length=300)],
        dst: Annotated[str, Query(min_length=1, max_length=300)],
        k: Annotated[int, Query(ge=1, le=settings.api_max_paths)] = 3,
        max_hops: Annotated[int, Query(ge=1, le=max_tiers)] = min(6, max_tiers),
    ) -> Any:
        return await run.answer(
            service, lambda: service.paths(src, dst, viewer, k=k, max_hops=max_hops, filters=flt)
        )

    @router.get(
        "/risk",
        response_model=m.RiskRanking,
        tags=["risk"],
        summary="Entities ranked by propagated risk score",
    )
    async def risk_ranking(
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        pg: PageDep,
        type: Annotated[list[NodeType], Query(max_length=20)] = [],  # noqa: B006
    ) -> Any:
        return await run.answer(service, lambda: service.risk_ranking(viewer, types=tuple(type), page=pg))

    @router.get(
        "/risk-categories",
        response_model=list[str],
        tags=["risk"],
        summary="The risk categories of the schema (the data may bring others)",
    )
    async def risk_categories() -> Any:
        return OrjsonResponse([c.value for c in RiskCategory])

    return router
