"""One error model for every failure, and the handlers that map exceptions onto it.

``graph.errors.TierwatchError`` subclasses carry their HTTP status (``http_status``). One status
for one kind of error on every route: a bad parameter is 422 ``invalid_request`` whether FastAPI
finds it (out of range, malformed) or the query layer does (``QueryError``: an unknown category,
commodity, country, entity type or export format, with the allowed values in the message); an
unknown id is 404, a query over its time limit 504, anything else a 500 that says nothing about
internals. Messages never repeat an API key and never mention
access-restricted evidence (the query layer words its errors so; see graph/query/service.py).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from tierwatch.graph.errors import TierwatchError

log = logging.getLogger("tierwatch.api")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
}


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str
    fields: list[str] = []


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": {"status": 404, "code": "not_found", "message": "..."}}``."""

    error: ErrorDetail


def to_json(content: Any) -> bytes:
    """JSON bytes: a pydantic model through its own (compiled) serialiser, anything else through orjson.
    Both give the same bytes for a model (shortest round-trip floats, NaN/inf as null, int keys as
    strings, UTF-8 unescaped)."""
    if isinstance(content, BaseModel):
        return content.__pydantic_serializer__.to_json(content)
    return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class OrjsonResponse(JSONResponse):
    """A JSON answer from a model or plain data (``to_json``)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return to_json(content)


class JsonBytes(Response):
    """A JSON answer already serialised (``deps.answer`` renders it off the event loop)."""

    media_type = "application/json"


def error_response(
    status: int, message: str, fields: list[str] | None = None, headers: dict[str, str] | None = None
) -> OrjsonResponse:
    body = ErrorBody(
        error=ErrorDetail(
            status=status, code=_CODES.get(status, "error"), message=message, fields=fields or []
        )
    )
    return OrjsonResponse(body, status_code=status, headers=headers)


#: Documented on every route, so the OpenAPI spec describes the error answers.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": code.replace("_", " ")}
    for status, code in _CODES.items()
    if status in (400, 401, 404, 422, 500, 503, 504)
}


async def _tierwatch_error(_: Request, exc: Exception) -> OrjsonResponse:
    status = getattr(exc, "http_status", 500)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status >= 500 and status not in (503, 504):
        log.error("server error: %s: %s", type(exc).__name__, exc)
        return error_response(status, "internal error")
    return error_response(status, str(exc), headers=headers)


async def _validation_error(_: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, RequestValidationError)
    fields, parts = [], []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "header", "body"))
        fields.append(loc)
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid")))
    return error_response(422, "; ".join(parts)[:500] or "invalid request", sorted(set(fields)))


async def _http_error(_: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else _CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))


async def _unexpected(_: Request, exc: Exception) -> OrjsonResponse:
    log.exception("unexpected error: %s", type(exc).__name__)
    return error_response(500, "internal error")


def install(app: FastAPI) -> None:
    app.add_exception_handler(TierwatchError, _tierwatch_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
