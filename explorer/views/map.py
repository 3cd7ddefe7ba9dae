"""Facilities, smelters and mines on a map, coloured by risk; click a point to open the entity.

Drawn by Streamlit's own bundled deck.gl (st.pydeck_chart): no script from a CDN, and by default no
map style, so no remote tiles are fetched; a basemap can be switched on where the network allows.
"""

from __future__ import annotations

import pandas as pd
import pydeck as pdk
import streamlit as st
from tierwatch.explorer import state, ui
from tierwatch.explorer.style import (
    OKABE_ITO,
    RISK_COLOURS,
    TYPE_NAMES,
    UNKNOWN_GREY,
    hex_to_rgb,
    primary_risk,
)
from tierwatch.graph.query.service import MAX_TIERS, Page, TraversalFilter

SITE_TYPES = ("Facility", "Smelter", "Mine")
SCORE_BINS = [
    (0.75, OKABE_ITO["vermillion"], "score ≥ 0.75"),
    (0.5, OKABE_ITO["orange"], "0.5 – 0.75"),
    (0.25, OKABE_ITO["yellow"], "0.25 – 0.5"),
    (1e-9, OKABE_ITO["sky_blue"], "above 0 – 0.25"),
    (-1.0, UNKNOWN_GREY, "0: no finding known"),
]
RADIUS = {"Facility": 4, "Smelter": 5, "Mine": 3}

st.title("Map")
svc = state.service()
vw = state.viewer()

selected = state.selected()
modes = ["network", "ranking"] if selected else ["ranking"]
mode = st.radio(
    "Show",
    modes,
    horizontal=True,
    key="m_mode",
    format_func=lambda m: {
        "network": "sites upstream of the selected entity",
        "ranking": "the highest-risk sites of the graph",
    }[m],
)
c1, c2, c3 = st.columns(3)
types = c1.multiselect(
    "Site types",
    list(SITE_TYPES),
    default=list(SITE_TYPES),
    key="m_types",
    format_func=lambda t: TYPE_NAMES[t],
)
basemap = c3.toggle(
    "Basemap (fetches map tiles from the internet)",
    value=False,
    key="m_basemap",
    help="Off: points on a blank background, nothing leaves this machine.",
)
if not types:
    ui.empty("Choose at least one site type.")
    st.stop()

rows: list[dict] = []
legend: list[tuple[str, str]] = []
if mode == "network" and selected:
    tiers = c2.slider("Tiers upstream", 1, MAX_TIERS, 4, key="m_tiers")
    root = state.run(lambda: state.cached("entity", lambda: svc.entity(selected, vw), id=selected))
    if root is None:
        st.stop()
    st.markdown(f"Sites within {tiers} tiers upstream of **{ui.label(root.entity)}**")
    ui.nav_buttons(root.entity.id, root.entity.type, key="m_root", exclude="map")
    found = state.run(
        lambda: state.cached(
            "map_up",
            lambda: svc.upstream(
                selected,
                vw,
                tiers=tiers,
                filters=TraversalFilter(entity_types=tuple(types)),
                page=Page(limit=1000),
            ),
            id=selected,
            tiers=tiers,
            types=tuple(types),
        )
    )
    if found is None:
        st.stop()
    cats: dict[str, set[str]] = {}
    expo = state.run(
        lambda: state.cached(
            "map_expo",
            lambda: svc.exposure(selected, vw, tiers=tiers, hits_per_category=1000),
            id=selected,
            tiers=tiers,
        )
    )
    if expo is not None:
        for cat in expo.categories:
            for hit in cat.hits:
                cats.setdefault(hit.entity.id, set()).add(cat.category)
    if root.entity.type in SITE_TYPES:
        cats.setdefault(root.entity.id, set()).update(h.finding.category for h in root.findings)
    ids = {h.entity.id for h in found.hits} | ({root.entity.id} if root.entity.type in types else set())
    tier_of = {h.entity.id: h.tier for h in found.hits}
    from tierwatch.graph.exports import collect

    for node in collect.fetch(svc, ids, set(), vw).nodes:
        risk = primary_risk(cats.get(node["id"]))
        rows.append(
            {
                "id": node["id"],
                "name": node.get("name") or node["id"],
                "type": node["type"],
                "country": node.get("country", ""),
                "lat": node.get("lat"),
                "lon": node.get("lon"),
                "tier": tier_of.get(node["id"], 0),
                "risk": RISK_COLOURS[risk][1],
                "colour": hex_to_rgb(RISK_COLOURS[risk][0]),
                "commodities": ", ".join(node.get("commodities", [])),
            }
        )
    legend = [(RISK_COLOURS[k][0], RISK_COLOURS[k][1]) for k in RISK_COLOURS]
    extra = f"{found.total} sites reached" + (
        f", first {len(found.hits)} by confidence" if found.more else ""
    )
    ui.show_withheld(found.withheld)
else:
    limit = c2.slider("Sites", 100, 5000, 1000, 100, key="m_limit")
    ranking = state.run(
        lambda: state.cached(
            "ranking",
            lambda: svc.risk_ranking(vw, types=tuple(types), page=Page(limit=min(limit, 1000))),
            types=tuple(types),
            limit=limit,
        )
    )
    if ranking is None:
        st.stop()
    from tierwatch.graph.exports import collect

    score = {r.entity.id: r.score for r in ranking.items}
    for node in collect.fetch(svc, set(score), set(), vw).nodes:
        s = score.get(node["id"], 0.0)
        colour, text = next((c, t) for lo, c, t in SCORE_BINS if s >= lo)
        rows.append(
            {
                "id": node["id"],
                "name": node.get("name") or node["id"],
                "type": node["type"],
                "country": node.get("country", ""),
                "lat": node.get("lat"),
                "lon": node.get("lon"),
                "tier": "",
                "risk": f"{s:.2f}",
                "colour": hex_to_rgb(colour),
                "commodities": ", ".join(node.get("commodities", [])),
            }
        )
    legend = [(c, t) for _, c, t in SCORE_BINS]
    extra = f"{ranking.total} sites ranked by propagated risk score; the first {len(ranking.items)} shown"

frame = pd.DataFrame(rows)
located = frame.dropna(subset=["lat", "lon"]) if not frame.empty else frame
unlocated = len(frame) - len(located)
st.caption(
    extra
    + f" · {len(located)} with coordinates on the map"
    + (f", {unlocated} without coordinates (listed below)" if unlocated else "")
)

if located.empty:
    ui.empty(
        "None of these sites has coordinates in the sources loaded (many lists give only a country or an "
        "address). They are listed below; open one for its detail."
    )
else:
    located = located.assign(radius=located["type"].map(RADIUS).fillna(4))
    layer = pdk.Layer(
        "ScatterplotLayer",
        located,
        id="sites",
        get_position="[lon, lat]",
        get_fill_color="colour",
        get_radius="radius",
        radius_units="pixels",
        radius_min_pixels=3,
        radius_max_pixels=12,
        stroked=True,
        get_line_color=[40, 40, 40, 200],
        line_width_min_pixels=0.5,
        pickable=True,
    )
    layers = [layer]
    if not basemap:  # a graticule for orientation where no map is drawn
        lines = [{"path": [[lon, -80], [lon, 0], [lon, 80]]} for lon in range(-180, 181, 30)]
        lines += [{"path": [[lon, lat] for lon in range(-180, 181, 10)]} for lat in range(-60, 61, 30)]
        layers.insert(
            0,
            pdk.Layer(
                "PathLayer",
                lines,
                id="graticule",
                get_path="path",
                get_color=[200, 200, 200],
                width_min_pixels=1,
                pickable=False,
            ),
        )
    view = pdk.ViewState(
        latitude=float(located["lat"].median()),
        longitude=float(located["lon"].median()),
        zoom=2 if len(located) > 1 else 6,
    )
    # No basemap: pydeck's default-style sentinel with no provider tells Streamlit's deck.gl to draw no
    # map (map_style=None would make it fetch its default Carto style from the internet).
    style = {"map_provider": "carto", "map_style": "light"} if basemap else {"map_provider": None}
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=view,
        **style,
        tooltip={"text": "{name}\n{type} · {country}\nrisk: {risk}\n{commodities}"},
    )
    event = st.pydeck_chart(
        deck, on_select="rerun", selection_mode="single-object", key="m_deck", width="stretch", height=560
    )
    picked = (event.selection.get("objects", {}) or {}).get("sites", []) if event and event.selection else []
    if picked:
        obj = picked[0]
        st.markdown(
            f"Selected: **{obj.get('name')}** ({TYPE_NAMES.get(obj.get('type'), obj.get('type'))}, "
            f"`{obj.get('id')}`)"
        )
        ui.nav_buttons(obj["id"], obj.get("type", ""), key="m_pick", exclude="map")

st.markdown(
    "**Colour**: "
    + ("risk category of the findings that apply" if mode == "network" else "propagated risk score")
    + " · **size**: smelter > factory > mine"
)
st.markdown(
    " ".join(
        f'<span style="display:inline-flex;align-items:center;margin-right:12px">'
        f'<span style="width:12px;height:12px;border-radius:50%;background:{c};border:1px solid #444;'
        f'margin-right:4px"></span>{t}</span>'
        for c, t in legend
    ),
    unsafe_allow_html=True,
)

if not frame.empty:
    with st.expander(f"All {len(frame)} sites as a table"):
        event2 = st.dataframe(
            frame.drop(columns=["colour"]),
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="m_table",
        )
        sel_rows = event2.selection.rows if event2 and event2.selection else []
        if sel_rows:
            row = frame.iloc[sel_rows[0]]
            ui.nav_buttons(row["id"], row["type"], key="m_trow", exclude="map")

    def _export():
        from tierwatch.graph.exports import collect

        return collect.fetch(svc, set(frame["id"]), set(), vw, ui.export_meta("map", mode=mode))

    ui.downloads("m", _export, "map-sites", "The sites listed (nodes only), with provenance.")
else:
    ui.empty(
        "No site to show: nothing upstream of this entity is a factory, smelter or mine in the sources "
        "loaded, or those are not visible to this role."
    )
