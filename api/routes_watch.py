"""Watchlist, alerts and "what changed since" routes (v1), for the analyst role only.

A watchlist and its alerts describe exposure as the analyst sees it (restricted evidence included),
so the public role is refused (403) before anything is read. Thin shells over graph/watch/.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from tierwatch.api.auth import Role
from tierwatch.api.deps import RunnerDep, ServiceDep, role_of
from tierwatch.api.errors import ERROR_RESPONSES, ErrorBody, OrjsonResponse
from tierwatch.graph.query.service import QueryService
from tierwatch.graph.settings import Settings
from tierwatch.graph.watch import alerts as watch

EntityId = Annotated[
    str, Path(min_length=1, max_length=300, description="an entity id, e.g. `canada:dept:rcmp-grc`")
]
RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    403: {"model": ErrorBody, "description": "forbidden (the public role)"},
}
DAY = Query(max_length=10, description="YYYY-MM-DD, not in the future")


async def analyst_only(role: Annotated[Role, Depends(role_of)]) -> Role:
    if role != Role.ANALYST:
        raise HTTPException(status_code=403, detail="watchlists and alerts need an analyst API key")
    return role


def _store(service: QueryService) -> Any:
    return service.store  # type: ignore[attr-defined]  # the StoreQueryService's store


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter(
        prefix="/v1",
        responses=RESPONSES,
        default_response_class=OrjsonResponse,
        dependencies=[Depends(analyst_only)],
        tags=["watch"],
    )

    @router.get("/watch", summary="The watchlist: watched entities and their exposure when last checked")
    async def watch_list(service: ServiceDep, run: RunnerDep) -> Any:
        return await run.run(lambda: watch.watch_list(_store(service)))

    @router.post(
        "/watch/{entity_id:path}", summary="Watch an entity (alerts when an ingest changes its exposure)"
    )
    async def watch_add(entity_id: EntityId, service: ServiceDep, run: RunnerDep) -> Any:
        return await run.run(lambda: watch.watch_add(_store(service), service, entity_id))

    @router.delete("/watch/{entity_id:path}", summary="Stop watching an entity (its alerts stay)")
    async def watch_remove(entity_id: EntityId, service: ServiceDep, run: RunnerDep) -> Any:
        await run.run(lambda: watch.watch_remove(_store(service), entity_id))
        return {"removed": entity_id}

    @router.get("/alerts", summary="Alerts raised on watched entities after ingests, oldest first")
    async def alerts(service: ServiceDep, run: RunnerDep, since: Annotated[str | None, DAY] = None) -> Any:
        return await run.run(lambda: watch.list_alerts(_store(service), since))

    @router.get(
        "/changes/{entity_id:path}",
        summary="What changed in an entity's exposure between two days (as of since vs as of until)",
    )
    async def changes(
        entity_id: EntityId,
        service: ServiceDep,
        run: RunnerDep,
        since: Annotated[str, DAY],
        until: Annotated[str | None, DAY] = None,
    ) -> Any:
        return await run.run(lambda: watch.changes(service, entity_id, since, until))

    return router
