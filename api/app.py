"""The tierwatch API: ``create_app(settings)`` builds the FastAPI app.

Versioned routes under ``/v1`` (search, entity detail, upstream/downstream, exposure, paths, risk,
exports, health), pydantic response models, orjson bodies, one error model
(``api.errors.ErrorBody``), limits from settings, roles from API keys (``api.auth``), and
interactive docs at ``/docs`` whose scripts the app serves itself. No Cypher here: every answer
comes from the query layer (``graph.query``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from tierwatch.api import (
    errors,
    routes_export,
    routes_match,
    routes_meta,
    routes_query,
    routes_report,
    routes_watch,
)
from tierwatch.api.auth import KeyStore
from tierwatch.api.deps import QueryRunner, ServiceHolder
from tierwatch.api.errors import OrjsonResponse
from tierwatch.graph.query.service import QueryService
from tierwatch.graph.settings import Settings, get_settings

VERSION = "1.0.0"

DESCRIPTION = """\
A supply-chain risk knowledge graph: public buyers -> contracts -> brands -> factories -> smelters
-> mines, with risk evidence and its sources.

**Roles.** Without a key you are `public`: access-restricted evidence (worker-sourced findings, for
example) does not exist for you, and facts from licence-restricted datasets (RMI lists, IPIS, Form SD
lists ...) are withheld; answers say how many were withheld (`withheld`). An `analyst` key
(`X-API-Key: <key>` or `Authorization: Bearer <key>`) sees both.

**Limits.** Tiers and hops <= {hops}; pages <= {page} items ("and N more" in `more`); k paths <= {k};
exports <= {export} elements; each query <= {timeout:g} s (then 504).

**Errors.** Every error is `{{"error": {{"status", "code", "message", "fields"}}}}`.
"""


def create_app(
    settings: Settings | None = None,
    service: QueryService | None = None,
    service_factory: Callable[[], QueryService] | None = None,
) -> FastAPI:
    """The app for ``settings`` (default: the environment's). ``service`` injects a query service
    (tests); otherwise the configured store's is opened on first use and closed at shutdown."""
    settings = settings or get_settings()
    holder = ServiceHolder(settings, service, service_factory)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if service is None:
            holder.close()

    app = FastAPI(
        title="tierwatch API",
        version=VERSION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        default_response_class=OrjsonResponse,
        description=DESCRIPTION.format(
            hops=settings.api_max_hops,
            page=settings.api_max_page_size,
            k=settings.api_max_paths,
            export=settings.api_export_max_nodes,
            timeout=settings.api_query_timeout_s,
        ),
        openapi_tags=[
            {"name": "query"},
            {"name": "risk"},
            {"name": "export"},
            {"name": "meta"},
            {"name": "watch"},
        ],
    )
    app.state.settings = settings
    app.state.services = holder
    app.state.queries = QueryRunner(settings)
    app.state.keys = KeyStore(settings.keys_path)
    errors.install(app)
    app.mount("/static/swagger", StaticFiles(directory=routes_meta.swagger_dir()), name="swagger")
    app.include_router(routes_meta.make_router(VERSION))
    app.include_router(routes_export.make_router(settings))  # before the catch-all entity route
    app.include_router(routes_report.make_router(settings))  # before the catch-all entity route
    app.include_router(routes_query.make_router(settings))
    app.include_router(routes_watch.make_router(settings))  # analyst only (403 for the public role)
    app.include_router(routes_match.make_router(settings))
    logging.getLogger("tierwatch.api").debug("API created for store %s", settings.store)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn tierwatch.api.app:app_from_env --factory``."""
    return create_app(get_settings())
