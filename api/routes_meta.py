"""Health, ping, whoami and the offline API docs (Swagger UI served by the app, no CDN)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from tierwatch.api.auth import Role
from tierwatch.api.deps import ServiceDep, SettingsDep, role_of, viewer_of
from tierwatch.api.errors import ERROR_RESPONSES, OrjsonResponse
from tierwatch.graph.query.service import Viewer


class Health(BaseModel):
    status: str
    backend: str
    generation: str
    version: str


class Ping(BaseModel):
    ok: bool


class WhoAmI(BaseModel):
    role: str
    sees_restricted_access: bool
    sees_restricted_licence: bool


def swagger_dir() -> Path:
    """Swagger UI's files from the ``swagger-ui-bundle-v2`` package (Apache-2.0, licence in its dist-info)."""
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


def make_router(version: str) -> APIRouter:
    router = APIRouter(default_response_class=OrjsonResponse)

    @router.get("/v1/ping", response_model=Ping, tags=["meta"], summary="Liveness (does nothing)")
    async def ping() -> Any:
        return OrjsonResponse({"ok": True})

    @router.get(
        "/v1/health",
        response_model=Health,
        tags=["meta"],
        responses=ERROR_RESPONSES,
        summary="The store the API answers from and its graph version",
    )
    async def health(service: ServiceDep, cfg: SettingsDep) -> Any:
        return OrjsonResponse(
            Health(status="ok", backend=service.backend, generation=str(service.generation), version=version)
        )

    @router.get(
        "/v1/whoami",
        response_model=WhoAmI,
        tags=["meta"],
        responses=ERROR_RESPONSES,
        summary="The role of the presented API key (public without one)",
    )
    async def whoami(
        role: Annotated[Role, Depends(role_of)], viewer: Annotated[Viewer, Depends(viewer_of)]
    ) -> Any:
        return OrjsonResponse(
            WhoAmI(
                role=role.value,
                sees_restricted_access=viewer.sees_restricted_access,
                sees_restricted_licence=viewer.sees_restricted_licence,
            )
        )

    @router.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title="tierwatch API",
            swagger_js_url=f"{root}/static/swagger/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/static/swagger/swagger-ui.css",
            swagger_favicon_url=f"{root}/static/swagger/favicon-32x32.png",
        )

    return router
