"""The analyst role kept across reloads within one browser session, without the key in the URL.

On unlock the server issues a random token (``secrets.token_urlsafe``) and remembers token -> role in
this process for ``SESSION_HOURS``; the browser keeps only the token, in a session cookie (no expiry,
so it goes when the browser closes; ``SameSite=Strict``; ``path=/``), written by a tiny inline
component. A reload or a deep link starts a new Streamlit session: ``restore()`` reads the cookie
(``st.context.cookies``) and gives the role back. The API key is never stored in the browser, the URL
or the cookie. Locking forgets the token on the server and clears the cookie; a restart of the
explorer forgets every token (the user unlocks again).
"""

from __future__ import annotations

import secrets
import time

import streamlit as st

COOKIE = "tw_session"
SESSION_HOURS = 8
PENDING = "tw_cookie_pending"  # session key: the cookie value still to write ("" clears it)

_JS = """
export default function (component) {
  const d = component.data || {};
  const v = d.value || "";
  document.cookie = v
    ? `${d.name}=${v}; path=/; SameSite=Strict`
    : `${d.name}=; path=/; max-age=0; SameSite=Strict`;
}
"""
_component = st.components.v2.component("tierwatch_session_cookie", js=_JS)


@st.cache_resource
def _tokens() -> dict[str, tuple[str, float]]:
    return {}  # token -> (role, expiry as time.time())


def issue(role: str) -> None:
    """Remember ``role`` under a new token; the cookie is written on the next run (``write_pending``)."""
    token = secrets.token_urlsafe(24)
    _tokens()[token] = (role, time.time() + SESSION_HOURS * 3600)
    st.session_state[PENDING] = token


def restore() -> str | None:
    """The role of this browser session's token, if it is known here and not expired."""
    token = st.context.cookies.get(COOKIE)
    if not token:
        return None
    found = _tokens().get(token)
    if found is None or found[1] < time.time():
        _tokens().pop(token, None)
        return None
    return found[0]


def forget() -> None:
    token = st.context.cookies.get(COOKIE)
    if token:
        _tokens().pop(token, None)
    st.session_state[PENDING] = ""


def write_pending() -> None:
    """Write (or clear) the cookie if an unlock or lock asked for it in the previous run."""
    value = st.session_state.pop(PENDING, None)
    if value is not None:
        _component(data={"name": COOKIE, "value": value}, key=f"tw_cookie_{len(value)}_{int(time.time())}")
