"""The explorer's entry point: ``streamlit run explorer/app.py`` (``tierwatch explore`` does it).

Pages (st.navigation): Search and entity detail, Network, Map, Buyer exposure, Paths, Shared leverage,
Sources.
The sidebar shows the role and unlocks the analyst role with an API key from the API's keys file.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import streamlit as st
from tierwatch.explorer import session_cookie, state, ui
from tierwatch.graph.errors import TierwatchError

_log = logging.getLogger("tierwatch.explorer")
HERE = Path(__file__).parent / "views"  # not "pages": Streamlit would also treat that as a v1 pages folder


def _icon():
    """A small favicon drawn here (a material or emoji icon would be fetched from a font CDN)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.line([(6, 6), (16, 26), (26, 6)], fill=(80, 80, 80, 255), width=3)
    for (x, y), colour in (((6, 6), (213, 94, 0)), ((26, 6), (0, 114, 178)), ((16, 26), (0, 158, 115))):
        draw.ellipse([x - 5, y - 5, x + 5, y + 5], fill=(*colour, 255))
    return img


st.set_page_config(page_title="tierwatch explorer", page_icon=_icon(), layout="wide")


def _home() -> None:
    """The address / opens the Search page at /search, keeping the query (?id=...)."""
    st.switch_page(PAGES["search"], query_params=dict(st.query_params))


PAGES = {
    "search": st.Page(
        str(HERE / "search.py"), title="Search and entity", icon=":material/search:", url_path="search"
    ),
    "network": st.Page(str(HERE / "network.py"), title="Network", icon=":material/hub:", url_path="network"),
    "map": st.Page(str(HERE / "map.py"), title="Map", icon=":material/map:", url_path="map"),
    "exposure": st.Page(
        str(HERE / "exposure.py"),
        title="Buyer exposure",
        icon=":material/account_balance:",
        url_path="exposure",
    ),
    "paths": st.Page(str(HERE / "paths.py"), title="Paths", icon=":material/route:", url_path="paths"),
    "leverage": st.Page(
        str(HERE / "leverage.py"), title="Shared leverage", icon=":material/groups:", url_path="leverage"
    ),
    "sources": st.Page(
        str(HERE / "sources.py"), title="Sources", icon=":material/library_books:", url_path="sources"
    ),
    "alerts": st.Page(
        str(HERE / "alerts.py"), title="Alerts", icon=":material/notifications:", url_path="alerts"
    ),
}
ui.PAGES.clear()
ui.PAGES.update(PAGES)
HOME = st.Page(_home, title="tierwatch", url_path="home", default=True, visibility="hidden")


def sidebar() -> None:
    cfg = state.settings()
    with st.sidebar:
        st.markdown("### tierwatch")
        st.caption("Public buyers → contracts → brands → factories → smelters → mines, with evidence.")
        role = state.role()
        if role == "analyst":
            st.success("Role: **analyst** — restricted evidence and licence-restricted facts are shown.")
            if st.button("Lock (back to public)", key="tw_lock"):
                state.lock()
                st.rerun()
        else:
            opened = (
                " Licence-restricted facts are opened to the public by this server's setting."
                if cfg.open_licence_restricted_to_public
                else ""
            )
            st.info(
                "Role: **public** — access-restricted evidence and licence-restricted facts are hidden."
                + opened
            )
            with st.form("tw_unlock", clear_on_submit=True, border=False):
                key = st.text_input(
                    "Analyst API key",
                    type="password",
                    key="tw_key",
                    help="A key from `tierwatch keys add --role analyst` (the API's keys file).",
                )
                if st.form_submit_button("Unlock analyst role"):
                    problem = state.unlock(key)
                    if problem:
                        st.error(problem)
                    else:
                        st.rerun()
        session_cookie.write_pending()
        store = cfg.neo4j_uri if cfg.store == "neo4j" else str(cfg.store_dir)
        st.caption(f"Store: {cfg.store} ({store})")


_t0 = time.perf_counter()
pg = st.navigation([HOME, *PAGES.values()])
sidebar()
try:
    state.service()
except TierwatchError as exc:
    st.error(f"The graph cannot be opened: {exc}")
    st.info("Load data first (`tierwatch demo --no-serve` or `tierwatch ingest ...`), then reload this page.")
    st.stop()
_t1 = time.perf_counter()
pg.run()
_log.info(
    "page %s: service %.0f ms, page %.0f ms",
    pg.url_path or "search",
    (_t1 - _t0) * 1000,
    (time.perf_counter() - _t1) * 1000,
)
