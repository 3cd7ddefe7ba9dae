"""Matching routes (v1): query by example (``POST /v1/match``) and the W3C / OpenRefine
reconciliation API (``/v1/reconcile``: the service manifest, queries by GET or POST ``queries=``,
and an HTML preview per entity). Thin shells over ``graph.match``; same roles as search: the
public role matches only against what public search shows (docs/MATCH.md)."""

import html
import urllib.parse
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from tierwatch.api.deps import RunnerDep, ServiceDep, ViewerDep
from tierwatch.api.errors import ERROR_RESPONSES, OrjsonResponse
from tierwatch.graph.errors import QueryError
from tierwatch.graph.match import MatchRecord, MatchResult, load_decisions, match_records, status_counts
from tierwatch.graph.match.reconcile import manifest, reconcile
from tierwatch.graph.settings import Settings

MAX_BODY_RECORDS = 100_000  # refused beyond this (422); past ``match_max_rows`` rows are left out, counted
_JSONP = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.$"
QueriesParam = Annotated[
    str | None,
    Query(max_length=200_000, description='a JSON object of queries: {"q0": {"query": "Zijin Mining"}}'),
]
CallbackParam = Annotated[str | None, Query(max_length=100, description="JSONP callback name")]


class MatchRequest(BaseModel):
    """Rows to match: each a name and any of country, identifiers, address (and your reference)."""

    model_config = ConfigDict(extra="forbid")

    records: list[MatchRecord] = Field(min_length=1, max_length=MAX_BODY_RECORDS)
    limit: int | None = Field(default=None, ge=1, le=50, description="candidates per row")
    types: list[str] = Field(default_factory=list, max_length=20, description="only these entity types")


def make_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES, default_response_class=OrjsonResponse)

    def decisions() -> Any:
        return load_decisions(settings.match_decisions_path)

    @router.post(
        "/match",
        response_model=MatchResult,
        tags=["match"],
        summary="Match a list of records (query by example)",
        description="Each record gets its best candidates, each score with its reasons, and a status "
        "(decided, matched, review, none). Past the row cap (TIERWATCH_MATCH_MAX_ROWS) records are left "
        "out and counted.",
    )
    async def match(body: MatchRequest, service: ServiceDep, viewer: ViewerDep, run: RunnerDep) -> Any:
        cap = settings.match_max_rows
        numbered = list(enumerate(body.records[:cap], start=1))
        left_out = max(0, len(body.records) - cap)

        def answer() -> MatchResult:
            rows = match_records(
                service,
                numbered,
                viewer,
                limit=body.limit or settings.match_candidates,
                types=tuple(body.types),
                decisions=decisions(),
                accept=settings.match_accept_score,
                margin=settings.match_margin,
            )
            return MatchResult(
                source="request",
                rows=rows,
                total_rows=len(body.records),
                left_out=left_out,
                left_out_reason=(
                    f"{left_out} records past the first {cap} were left out, not matched "
                    "(the row cap: TIERWATCH_MATCH_MAX_ROWS)"
                    if left_out
                    else None
                ),
                counts=status_counts(rows),
            )

        return await run.answer(service, answer)

    async def _reconcile(
        request: Request, service: Any, viewer: Any, run: Any, queries: str | None, callback: str | None
    ) -> Any:
        if callback is not None and (not callback or any(c not in _JSONP for c in callback)):
            raise QueryError("callback: letters, digits, '_', '.' and '$' only")
        if queries is None:
            body: Any = manifest(str(request.base_url))
        else:
            try:
                parsed = orjson.loads(queries)
            except orjson.JSONDecodeError as exc:
                raise QueryError(f"queries: not JSON ({exc})") from None

            def answer() -> Any:
                return reconcile(
                    service,
                    parsed,
                    viewer,
                    decisions=decisions(),
                    accept=settings.match_accept_score,
                    margin=settings.match_margin,
                )

            body = await run.run(answer)
        data = orjson.dumps(body)
        if callback:
            return Response(callback.encode() + b"(" + data + b")", media_type="application/javascript")
        return Response(data, media_type="application/json")

    @router.get(
        "/reconcile",
        tags=["match"],
        summary="Reconciliation service (W3C / OpenRefine): the manifest, or answers to `queries`",
        responses={
            200: {
                "description": "JSON, or JSONP (a script) when `callback` is given",
                "content": {"application/json": {}, "application/javascript": {"schema": {"type": "string"}}},
            }
        },
    )
    async def reconcile_get(
        request: Request,
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        queries: QueriesParam = None,
        callback: CallbackParam = None,
    ) -> Any:
        return await _reconcile(request, service, viewer, run, queries, callback)

    @router.post(
        "/reconcile",
        tags=["match"],
        summary="Reconciliation queries (W3C / OpenRefine), form field `queries` (JSON)",
    )
    async def reconcile_post(request: Request, service: ServiceDep, viewer: ViewerDep, run: RunnerDep) -> Any:
        raw = (await request.body()).decode("utf-8", errors="replace")
        if len(raw) > 1_000_000:
            raise QueryError("queries: the request body is limited to 1 MB")
        form = urllib.parse.parse_qs(raw)
        queries = form.get("queries", [None])[0]
        if queries is None and raw.lstrip().startswith("{"):
            queries = orjson.loads(raw).get("queries") if raw else None
            queries = orjson.dumps(queries).decode() if isinstance(queries, dict) else queries
        if queries is None:
            raise QueryError("queries: missing (a form field holding a JSON object of queries)")
        return await _reconcile(request, service, viewer, run, queries, None)

    @router.get(
        "/reconcile/preview",
        tags=["match"],
        response_class=Response,  # HTML; errors stay JSON (documented as such: ERROR_RESPONSES)
        responses={
            200: {"description": "an HTML card", "content": {"text/html": {"schema": {"type": "string"}}}}
        },
        summary="A small HTML card of an entity, for the reconciliation preview",
    )
    async def preview(
        service: ServiceDep,
        viewer: ViewerDep,
        run: RunnerDep,
        id: Annotated[str, Query(min_length=1, max_length=300, description="an entity id")],
    ) -> Any:
        detail = await run.run(lambda: service.entity(id, viewer))
        e = detail.entity
        facts = [("type", e.type), ("country", e.country or "")]
        facts.append(("identifiers", ", ".join(detail.identifiers)))
        facts.append(("also known as", ", ".join(detail.aliases[:5])))
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts if v
        )
        page = (
            '<html><body style="font-family:sans-serif;font-size:13px;margin:6px">'
            f"<b>{html.escape(e.name or e.id)}</b> <small>{html.escape(e.id)}</small>"
            f"<table>{rows}</table></body></html>"
        )
        return HTMLResponse(page)

    return router
