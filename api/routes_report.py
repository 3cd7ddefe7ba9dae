"""Report route (v1): the exposure report of a buyer or contract as HTML or PDF.

The report is built from the query layer's answers for the caller's role (``graph.report``), the
same code the CLI and the explorer call, so a public report never holds restricted evidence.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from tierwatch.api.deps import RunnerDep, ServiceDep, ViewerDep
from tierwatch.api.errors import ERROR_RESPONSES
from tierwatch.graph import report as reports
from tierwatch.graph.query.service import MAX_TIERS
from tierwatch.graph.settings import Settings

EntityId = Annotated[str, Path(min_length=1, max_length=300)]
Format = Annotated[str, Query(max_length=10, description=f"one of: {', '.join(reports.FORMATS)}")]

_FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the report file",
        "content": {
            media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
            for media in reports.FORMATS.values()
        },
    },
    **ERROR_RESPONSES,
}


def make_router(settings: Settings) -> APIRouter:
    max_tiers = max(1, min(settings.api_max_hops, MAX_TIERS))
    router = APIRouter(prefix="/v1", responses=_FILE_RESPONSE, tags=["export"])

    @router.get(
        "/entities/{entity_id:path}/report",
        response_class=Response,
        summary="The exposure report of a buyer or contract (self-contained HTML, or PDF)",
    )
    async def report(
        entity_id: EntityId,
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        format: Format = "html",
        tiers: Annotated[int, Query(ge=1, le=max_tiers)] = min(reports.model.REPORT_TIERS, max_tiers),
        hits_per_category: Annotated[int, Query(ge=1, le=200)] = reports.model.REPORT_HITS,
        since: Annotated[
            str | None,
            Query(max_length=10, description="YYYY-MM-DD: add what changed in the exposure since that day"),
        ] = None,
    ) -> Response:
        reports.check_format(format)

        def work() -> Response:
            model = reports.build_report(
                service,
                entity_id,
                viewer,
                tiers=tiers,
                hits_per_category=hits_per_category,
                since=since,
            )
            safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in entity_id)
            return Response(
                reports.render(model, format),
                media_type=reports.FORMATS[format],
                headers={
                    "Content-Disposition": f'attachment; filename="report-{safe}.{format}"',
                    "X-Content-Type-Options": "nosniff",
                },
            )

        return await run.run(work)

    return router
