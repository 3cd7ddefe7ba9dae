"""Per-process and per-session state: the query service, the viewer, cached answers, the selection.

- The query service is opened once per process (``st.cache_resource``) for the configured store,
  and ``refresh()``-ed at most once a second, so the explorer answers from the last finished ingest.
- Answers are cached per (store generation, viewer, arguments): a new ingest changes the
  generation, so nothing stale is shown.
- The viewer is ``public`` until the analyst enters an API key from the same keys file the API
  uses (``api.auth.KeyStore``); the same ``viewer_for`` maps the role to what it may see. The role
  survives reloads within the browser session through an opaque token (explorer.session_cookie).
- The selected entity lives in the URL (``?id=...``) so pages link to each other and views can be
  bookmarked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st
from tierwatch.graph.errors import NotFoundError, QueryError, TierwatchError
from tierwatch.graph.query.service import QueryService, Viewer
from tierwatch.graph.settings import Settings, get_settings

T = TypeVar("T")
SESSION_ROLE = "tw_role"
SESSION_SELECTED = "tw_selected"


# -- process-wide ------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Opening the graph ...")
def _service(backend: str, location: str) -> QueryService:
    from tierwatch.graph.query.service import open_query_service

    return open_query_service(settings())


@st.cache_resource
def _keys(path: str):
    from tierwatch.api.auth import KeyStore

    return KeyStore(Path(path))


@st.cache_resource
def _refresh_clock() -> dict[str, float]:
    return {"checked": 0.0}


def settings() -> Settings:
    return get_settings()


def service() -> QueryService:
    cfg = settings()
    location = cfg.neo4j_uri if cfg.store == "neo4j" else str(cfg.store_dir)
    svc = _service(cfg.store, location)
    clock = _refresh_clock()
    now = time.monotonic()
    if now - clock["checked"] >= 1.0:
        clock["checked"] = now
        svc.refresh()
    return svc


def generation() -> str:
    return str(service().generation)


# -- the viewer ----------------------------------------------------------------------------------
def role() -> str:
    if SESSION_ROLE not in st.session_state:  # a new session (reload, deep link): the cookie's role
        from tierwatch.explorer import session_cookie

        st.session_state[SESSION_ROLE] = session_cookie.restore() or "public"
    return st.session_state[SESSION_ROLE]


def viewer() -> Viewer:
    from tierwatch.api.auth import viewer_for

    return viewer_for(role(), settings())


def unlock(key: str) -> str | None:
    """Check an API key against the keys file; on success the session takes its role. Returns an
    error message (never repeating the key) or None."""
    from tierwatch.api.auth import AuthError

    key = key.strip()
    if not key:
        return "enter an API key"
    try:
        found = _keys(str(settings().keys_path)).role_for(key)
    except AuthError:
        return "this API key is not valid"
    except TierwatchError as exc:
        return str(exc)
    st.session_state[SESSION_ROLE] = found.value  # answers are cached per viewer: nothing to clear
    from tierwatch.explorer import session_cookie

    session_cookie.issue(found.value)  # kept across reloads in this browser session, key not stored
    return None


def lock() -> None:
    from tierwatch.explorer import session_cookie

    st.session_state[SESSION_ROLE] = "public"
    session_cookie.forget()


# -- cached answers ------------------------------------------------------------------------------
@st.cache_data(max_entries=256, show_spinner=False)
def _cached(_fn: Callable[[], Any], name: str, gen: str, viewer_key: tuple, args: str) -> Any:
    return _fn()


def cached(name: str, fn: Callable[[], T], **args: Any) -> T:
    """``fn()`` cached under (name, store generation, viewer, args). Errors are not cached."""
    vw = viewer()
    return _cached(fn, name, generation(), (vw.role, *vw.key), repr(sorted(args.items())))


def run(fn: Callable[[], T], *, empty: str | None = None) -> T | None:
    """Run a query; a TierwatchError becomes a readable message instead of a traceback."""
    try:
        return fn()
    except NotFoundError as exc:
        st.warning(
            empty or f"Not found: {exc}. It may not exist, or it is not visible to the `{role()}` role."
        )
    except QueryError as exc:
        st.warning(f"That query cannot run: {exc}")
    except TierwatchError as exc:
        st.error(f"{type(exc).__name__}: {exc}")
    return None


# -- selection -------------------------------------------------------------------------------------
def selected() -> str | None:
    value = st.query_params.get("id")
    if value:
        return value
    return st.session_state.get(SESSION_SELECTED)


def select(entity_id: str | None) -> None:
    st.session_state[SESSION_SELECTED] = entity_id
    if entity_id:
        st.query_params["id"] = entity_id
    elif "id" in st.query_params:
        del st.query_params["id"]


# -- sources (see /tmp/explorer_needs.md item 3) -------------------------------------------------
def sources() -> tuple[list[dict[str, Any]], int]:
    """The Source nodes (one per dataset version) the viewer may see, and how many were withheld."""
    svc = service()
    vw = viewer()
    lister = getattr(svc, "sources", None)
    if callable(lister):
        rows = [dict(s) if isinstance(s, dict) else s.model_dump() for s in lister(vw)]
        return rows, 0
    store = getattr(svc, "store", None)
    if store is None:
        return [], 0
    from tierwatch.graph.exports.collect import redact

    every = [dict(n) for n in store.iter_nodes(types=("Source",))]
    rows = [r for r in (redact(n, vw) for n in every) if r is not None]
    for row in rows:
        row.pop("prov", None)
    rows.sort(key=lambda n: (n.get("dataset", ""), n.get("ingested_at") or ""))
    return rows, len(every) - len(rows)
