"""Facilities, smelters and mines on a map, coloured by risk; click a point to open the entity.

Drawn by Streamlit's own bundled deck.gl (st.pydeck_chart): no script from a CDN and no map style, so
no remote tiles are fetched; the basemap is Natural Earth's country borders shipped in data/open
(explorer.geo). Dense points are clustered on a grid (explorer.map_layers).
"""

from __future__ import annotations

import pandas as pd
import pydeck as pdk
import streamlit as st
from tierwatch.explorer import map_layers, state, ui
from tierwatch.explorer.risk import own_risks
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
clustering = c3.toggle(
    "Cluster dense points",
    value=True,
    key="m_cluster",
    help="Sites close together are drawn as one circle with their count; click it to list them.",
)
if not types:
    ui.empty("Choose at least one site type.")
    st.stop()

rows: list[dict] = []
legend: list[tuple[str, str]] = []
if mode == "network" and selected:
    selected_id: str = selected  # narrowed for the closures below
    tiers = c2.slider("Tiers upstream", 1, MAX_TIERS, 4, key="m_tiers")
    root = state.run(lambda: state.cached("entity", lambda: svc.entity(selected_id, vw), id=selected))
    if root is None:
        st.stop()
    st.markdown(f"Sites within {tiers} tiers upstream of **{ui.label(root.entity)}**")
    ui.nav_buttons(root.entity.id, root.entity.type, key="m_root", exclude="map")
    found = state.run(
        lambda: state.cached(
            "map_up",
            lambda: svc.upstream(
                selected_id,
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
    ids = {h.entity.id for h in found.hits} | ({root.entity.id} if root.entity.type in types else set())
    tier_of = {h.entity.id: h.tier for h in found.hits}
    cats = state.cached("map_risks", lambda: own_risks(svc, vw, sorted(ids)), ids=tuple(sorted(ids)))
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
    st.caption(
        "Colour: the risk categories of the findings that apply to the site itself, its region or its "
        f"country, as the `{state.role()}` role may see them (several: the first in the legend's order)."
    )
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
unlocated = frame[frame["lat"].isna() | frame["lon"].isna()] if not frame.empty else frame
by_country, country_members = map_layers.by_country(unlocated)
placed = sum(len(v) for v in country_members.values())
st.caption(
    extra
    + f" · {len(located)} with coordinates on the map"
    + (f", {placed} without coordinates drawn as rings at their country" if placed else "")
    + (f", {len(unlocated) - placed} with neither (in the table below)" if len(unlocated) > placed else "")
)

if located.empty and by_country.empty:
    ui.empty(
        "None of these sites has coordinates or a country in the sources loaded. They are listed below; "
        "open one for its detail."
    )
else:
    located = located.assign(radius=located["type"].map(RADIUS).fillna(4))
    points, clusters, members = map_layers.cluster(located, enabled=clustering)
    members.update(country_members)
    layers = [map_layers.countries_layer(), *map_layers.site_layers(points, clusters, by_country)]
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=map_layers.fit_view(pd.concat([f for f in (located, by_country) if not f.empty])),
        map_provider=None,  # no map style: nothing fetched; the countries layer is the basemap
        tooltip={"text": "{name}\n{type_text} · {country}\nrisk: {risk}\n{commodities}"},
    )
    event = st.pydeck_chart(
        deck, on_select="rerun", selection_mode="single-object", key="m_deck", width="stretch", height=560
    )
    objects = (event.selection.get("objects", {}) or {}) if event and event.selection else {}
    picked = objects.get("sites") or objects.get("site_clusters") or objects.get("country_sites") or []
    if picked:
        obj = picked[0]
        if obj.get("id", "") in members:
            inside = frame[frame["id"].isin(members[obj["id"]])]
            st.markdown(f"**{obj.get('name')}** — choose one to open it")
            row = ui.picked_row(inside[["name", "type", "country", "risk", "id"]], "m_cluster_rows")
            if row is not None:
                ui.nav_buttons(row["id"], row["type"], key="m_crow", exclude="map")
        else:
            st.markdown(
                f"Selected: **{obj.get('name')}** ({TYPE_NAMES.get(obj.get('type'), obj.get('type'))}, "
                f"`{obj.get('id')}`)"
            )
            ui.nav_buttons(obj["id"], obj.get("type", ""), key="m_pick", exclude="map")

st.markdown(
    "**Colour**: "
    + ("risk category of the findings that apply" if mode == "network" else "propagated risk score")
    + " · **size**: smelter > factory > mine · a larger circle with a white edge and a number: a cluster of"
    + " that many nearby sites · a ring with a number: sites known only by their country, drawn at its centre"
    + " (click either to list its sites)"
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
        row = ui.picked_row(frame.drop(columns=["colour"]), "m_table")
        if row is not None:
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
