"""Request plumbing: the query service, the caller's viewer, and running a query within its limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from tierwatch.api.auth import KeyStore, Role, key_from_headers, viewer_for
from tierwatch.graph.errors import QueryTimeoutError, StoreError
from tierwatch.graph.query.service import QueryService, Viewer
from tierwatch.graph.settings import Settings

T = TypeVar("T")

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key (`tierwatch keys add`)")
_bearer = HTTPBearer(auto_error=False, description="the same API key as a bearer token")


class ServiceHolder:
    """Opens the query service on first use and refreshes it (at most once a second) when the store
    changed, so the API answers from the graph of the last finished ingest."""

    def __init__(
        self,
        settings: Settings,
        service: QueryService | None = None,
        factory: Callable[[], QueryService] | None = None,
    ) -> None:
        self.settings = settings
        self._service = service
        self._factory = factory
        self._lock = threading.Lock()
        self._checked = 0.0

    def get(self) -> QueryService:
        service = self._service
        if service is None:
            with self._lock:
                if self._service is None:
                    self._service = self._open()
                service = self._service
        now = time.monotonic()
        if now - self._checked >= 1.0:
            with self._lock:
                if now - self._checked >= 1.0:
                    self._checked = now
                    service.refresh()
        return service

    def _open(self) -> QueryService:
        if self._factory is not None:
            return self._factory()
        from tierwatch.graph.query.service import open_query_service

        return open_query_service(self.settings)

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
            self._service = None


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def service_of(request: Request) -> QueryService:
    holder: ServiceHolder = request.app.state.services
    try:
        return holder.get()
    except StoreError:
        raise
    except OSError as exc:
        raise StoreError(f"the store cannot be read: {type(exc).__name__}") from None


def role_of(
    request: Request,
    x_api_key: Annotated[str | None, Security(_api_key)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Role:
    """``public`` without a key; the key's role with a valid one; 401 with an invalid one."""
    authorization = f"Bearer {bearer.credentials}" if bearer else request.headers.get("authorization")
    key = key_from_headers(x_api_key, authorization)
    if key is None:
        return Role.PUBLIC
    keys: KeyStore = request.app.state.keys
    return keys.role_for(key)


def viewer_of(request: Request, role: Annotated[Role, Depends(role_of)]) -> Viewer:
    return viewer_for(role, request.app.state.settings)


ServiceDep = Annotated[QueryService, Depends(service_of)]
ViewerDep = Annotated[Viewer, Depends(viewer_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]


async def run_query(settings: Settings, fn: Callable[[], T]) -> T:
    """Run a (blocking) query in a worker thread; 504 when it takes longer than the limit. Neo4j
    queries also carry the limit as their transaction timeout, so the server stops them too."""
    limit = settings.api_query_timeout_s
    try:
        with anyio.fail_after(limit):
            return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)
    except TimeoutError:
        raise QueryTimeoutError(
            f"the query took longer than {limit:g} s; narrow it (fewer tiers, filters, a smaller page)"
        ) from None
