"""Request plumbing: the query service, the caller's viewer, and running a query within its limits.

Per request the API does as little as it can outside the query itself: the dependencies below are
``async`` (FastAPI would run plain functions in a worker thread, one thread hop each) and do their
blocking work (opening the store, the once-a-second store check, the first check of an API key)
in a worker thread only when it is due; the query runs in one worker thread of a small pool
(``QueryRunner``), where its answer is also serialised to JSON, so the event loop only moves bytes;
the loaded graph is kept out of the garbage collector's full collections (``heap``). Where the time
goes: bench/api_bench.py prints the breakdown.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from tierwatch.api.auth import KeyStore, Role, key_from_headers, viewer_for
from tierwatch.api.errors import JsonBytes, to_json
from tierwatch.graph.errors import QueryTimeoutError, StoreError
from tierwatch.graph.query.service import QueryService, Viewer
from tierwatch.graph.settings import Settings

T = TypeVar("T")

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key (`tierwatch keys add`)")
_bearer = HTTPBearer(auto_error=False, description="the same API key as a bearer token")

REFRESH_EVERY_S = 1.0


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

    def current(self) -> QueryService | None:
        """The service when it is open and no store check is due (no blocking work), else None."""
        service = self._service
        if service is not None and time.monotonic() - self._checked < REFRESH_EVERY_S:
            return service
        return None

    def get(self) -> QueryService:
        """The service, opened and refreshed as due (may block: call it from a worker thread)."""
        service = self._service
        if service is None:
            with self._lock:
                if self._service is None:
                    self._service = self._open()
                service = self._service
        now = time.monotonic()
        if now - self._checked >= REFRESH_EVERY_S:
            with self._lock:
                if now - self._checked >= REFRESH_EVERY_S:
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


class _HeapFreezer:
    """Keeps the loaded graph out of the garbage collector's full collections.

    The embedded store and its index are millions of long-lived container objects; every full
    (oldest-generation) collection would walk all of them (about a second on the 10^5-node graph,
    stopping every request meanwhile). After the first answer from a new graph generation (the
    index is built by then), they are moved to the collector's permanent generation
    (``gc.freeze``); at the next generation they are unfrozen and collected once, so the old graph
    is freed, then the new one is frozen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: tuple[int, str] | None = None

    def settle(self, service: QueryService) -> None:
        try:
            key = (id(service), service.generation)
        except Exception:  # an unreachable store: nothing to settle
            return
        if key == self._frozen:
            return
        with self._lock:
            if key == self._frozen:
                return
            if self._frozen is not None:
                gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._frozen = key


heap = _HeapFreezer()


async def settings_of(request: Request) -> Settings:
    return request.app.state.settings


async def service_of(request: Request) -> QueryService:
    holder: ServiceHolder = request.app.state.services
    service = holder.current()
    if service is not None:
        return service
    try:
        return await anyio.to_thread.run_sync(holder.get)
    except StoreError:
        raise
    except OSError as exc:
        raise StoreError(f"the store cannot be read: {type(exc).__name__}") from None


async def role_of(
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
    role = keys.remembered(key)
    if role is not None:
        return role
    return await anyio.to_thread.run_sync(keys.role_for, key)  # a slow hash: not on the event loop


async def viewer_of(request: Request, role: Annotated[Role, Depends(role_of)]) -> Viewer:
    return viewer_for(role, request.app.state.settings)


ServiceDep = Annotated[QueryService, Depends(service_of)]
ViewerDep = Annotated[Viewer, Depends(viewer_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]


def query_threads(settings: Settings) -> int:
    """Queries that run at once (``TIERWATCH_API_QUERY_THREADS``; 0: by store). The embedded store's
    queries are CPU work in this process: Python parts share one interpreter lock, so more threads
    than cores only add lock hand-offs and cache misses (about twice the CPU per exposure request
    with 40 threads in bench/api_bench.py) and delay the event loop; Neo4j's mostly wait for the
    server, so they get anyio's usual 40."""
    if settings.api_query_threads > 0:
        return settings.api_query_threads
    return 40 if settings.store == "neo4j" else min(2, os.cpu_count() or 1)


class QueryRunner:
    """Runs an app's queries: in worker threads (at most ``query_threads`` at once, the others queue)
    and within the time limit."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limiter = anyio.CapacityLimiter(query_threads(settings))

    async def run(self, fn: Callable[[], T]) -> T:
        """Run a blocking query in a worker thread; 504 when it takes longer than the limit (time
        queued included). Neo4j queries also carry the limit as their transaction timeout, so the
        server stops them too; an embedded one runs on in its thread, its answer dropped."""
        limit = self.settings.api_query_timeout_s
        try:
            with anyio.fail_after(limit):
                return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True, limiter=self.limiter)
        except TimeoutError:
            raise QueryTimeoutError(
                f"the query took longer than {limit:g} s; narrow it (fewer tiers, filters, a smaller page)"
            ) from None

    async def answer(self, service: QueryService, fn: Callable[[], Any]) -> JsonBytes:
        """``run`` for a JSON answer: the query's model is serialised in the same worker thread (not
        validated again against the route's response model: the query layer built it from them)."""

        def work() -> bytes:
            body = to_json(fn())
            heap.settle(service)
            return body

        return JsonBytes(await self.run(work))


async def runner_of(request: Request) -> QueryRunner:
    return request.app.state.queries


RunnerDep = Annotated[QueryRunner, Depends(runner_of)]
