"""Widgets every page shares: the entity picker, entity labels, legends, downloads, empty states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from tierwatch.explorer import state
from tierwatch.explorer.style import (
    SEARCHABLE_TYPES,
    TYPE_NAMES,
    link_legend_html,
    risk_legend_html,
    type_legend_html,
)
from tierwatch.graph.errors import TierwatchError
from tierwatch.graph.query.models import EntityRef, SearchResult, Withheld
from tierwatch.graph.query.service import Page

PAGES: dict[str, Any] = {}  # page key -> st.Page, filled by app.py (for st.switch_page)
EXPOSURE_TYPES = ("PublicBuyer", "Contract", "Brand", "Company")  # the Buyer exposure page opens these


def label(ref: EntityRef | None, with_type: bool = True) -> str:
    if ref is None:
        return "?"
    name = ref.name or ref.id
    bits = [TYPE_NAMES.get(ref.type, ref.type)] if with_type else []
    if ref.country:
        bits.append(ref.country)
    return f"{name} ({', '.join(bits)})" if bits else name


def search(
    text: str, types: tuple[str, ...] = (), country: str | None = None, limit: int = 25
) -> SearchResult | None:
    svc = state.service()
    vw = state.viewer()
    return state.run(
        lambda: state.cached(
            "search",
            lambda: svc.search(text, vw, types=types, country=country, page=Page(limit=limit)),
            text=text,
            types=types,
            country=country,
            limit=limit,
        )
    )


def entity_picker(
    key: str,
    label_text: str = "Find an entity",
    types: tuple[str, ...] = SEARCHABLE_TYPES,
    default_id: str | None = None,
    help_text: str | None = None,
) -> str | None:
    """A search box and a choice of its hits; returns the chosen entity id (or ``default_id``). While
    ``default_id`` is in use and nothing is typed, the box shows its name (and a line under it)."""
    in_use = _name_of(default_id) if default_id else None
    text = st.text_input(
        label_text,
        key=f"{key}_q",
        placeholder=f"{in_use} — type to choose another" if in_use else "a name, alias, identifier or id",
        help=help_text
        or "Case- and accent-insensitive; identifiers like GB-COH:01234567 or ids like org:apple work too.",
    )
    if not text.strip():
        if in_use:
            st.caption(f"In use: **{in_use}** · `{default_id}`")
        return default_id
    result = search(text.strip(), types=types)
    if result is None:
        return default_id
    if not result.hits:
        st.info(
            f"No {', '.join(TYPE_NAMES.get(t, t) for t in types) or 'entity'} matches “{text}”."
            + withheld_note(result.withheld)
        )
        return default_id
    options = [h.entity.id for h in result.hits]
    names = {h.entity.id: f"{label(h.entity)} · {h.entity.id}" for h in result.hits}
    index = options.index(default_id) if default_id in options else 0
    chosen = st.selectbox(
        f"{result.total} match(es)" + (f", first {len(options)} shown" if result.more else ""),
        options,
        index=index,
        format_func=lambda i: names.get(i, i),
        key=f"{key}_pick",
    )
    return chosen


def _name_of(entity_id: str) -> str | None:
    svc = state.service()
    vw = state.viewer()
    try:
        found = state.cached("entity", lambda: svc.entity(entity_id, vw), id=entity_id)
    except TierwatchError:  # not visible or gone: the page says so where it uses it
        return None
    return label(found.entity)


def withheld_note(withheld: Withheld | int | None) -> str:
    count = withheld if isinstance(withheld, int) else (withheld.total if withheld is not None else 0)
    if not count:
        return ""
    if state.role() == "analyst":
        return ""
    return (
        f" {count} licence-restricted element(s) were withheld from the public view "
        "(an analyst key unlocks them)."
    )


def show_withheld(withheld: Withheld | int | None) -> None:
    note = withheld_note(withheld)
    if note:
        st.caption(":material/lock:" + note)


def legends(types: list[str] | None = None, risks: list[str] | None = None, links: bool = False) -> None:
    with st.expander("Legend", expanded=True):
        st.markdown("**Colour: risk category of the findings that apply** (Okabe-Ito, colour-blind safe)")
        st.markdown(risk_legend_html(risks), unsafe_allow_html=True)
        st.markdown("**Shape: type**")
        st.markdown(type_legend_html(types), unsafe_allow_html=True)
        if links:
            st.markdown("**Line: how a link is known** (thicker = more confident; black = the selected path)")
            st.markdown(link_legend_html(), unsafe_allow_html=True)


def goto(page: str, entity_id: str | None = None) -> None:
    if entity_id:
        state.select(entity_id)
    target = PAGES.get(page)
    if target is not None:
        st.switch_page(target)


def nav_buttons(entity_id: str, entity_type: str, key: str, exclude: str = "") -> None:
    """Buttons that open the entity on the other pages."""
    targets = [("search", "Details"), ("network", "Network"), ("map", "Map"), ("paths", "Paths")]
    if entity_type in EXPOSURE_TYPES:
        targets.insert(2, ("exposure", "Exposure"))
    targets = [t for t in targets if t[0] != exclude]
    cols = st.columns(len(targets))
    for col, (page, text) in zip(cols, targets, strict=True):
        if col.button(text, key=f"{key}_{page}", width="stretch"):
            goto(page, entity_id)


def picked_row(frame: Any, key: str) -> Any:
    """A table whose rows can be selected; returns the selected row (a pandas Series) or None."""
    event = st.dataframe(
        frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=key
    )
    rows = event.selection.rows if event and event.selection else []
    return frame.iloc[rows[0]] if rows else None


def shown(items: list[Any], key: str, first: int = 5, what: str = "items") -> list[Any]:
    """The first ``first`` items, or all once the reader asks ("show all N ..."): long pages collapsed."""
    if len(items) <= first or st.session_state.get(key):
        return items
    st.session_state.setdefault(key, False)
    if st.button(f"Show all {len(items)} {what} ({len(items) - first} more)", key=f"{key}_btn"):
        st.session_state[key] = True
        st.rerun()
    return items[:first]


def downloads(key: str, build: Callable[[], Any], stem: str, note: str = "") -> None:
    """Download buttons for the current view in every export format (graph.exports)."""
    from tierwatch.graph import exports

    with st.expander("Download this view", expanded=False):
        if note:
            st.caption(note)
        fmt = st.radio(
            "Format",
            list(exports.FORMATS),
            horizontal=True,
            key=f"{key}_fmt",
            format_func=lambda f: {"csv": "CSV (zip)", "json": "JSON (node-link)"}.get(f, f.upper()),
        )

        def data() -> bytes:  # built when the user clicks (deferred): pages stay fast
            return exports.write(build(), fmt)

        st.download_button(
            f"Download {fmt}",
            data,
            file_name=exports.filename(stem, fmt),
            mime=exports.FORMATS[fmt][0],
            key=f"{key}_dl",
            on_click="ignore",
            icon=":material/download:",
        )


def export_meta(kind: str, **extra: Any) -> dict[str, Any]:
    from datetime import UTC, datetime

    return {
        "export": kind,
        "role": state.role(),
        "generator": "tierwatch explorer",
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **extra,
    }


def empty(message: str) -> None:
    """An empty state that says what is unknown, not a blank page."""
    st.info(message, icon=":material/info:")
