"""Search any buyer, contract, brand, factory, smelter or mine; see its detail with evidence."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from tierwatch.explorer import state, ui
from tierwatch.explorer.style import RISK_COLOURS, SEARCHABLE_TYPES, TYPE_NAMES, risk_colour
from tierwatch.graph.query.models import EntityDetail
from tierwatch.graph.query.service import Page

st.title("Search and entity detail")

c1, c2, c3 = st.columns([3, 2, 1])
text = c1.text_input(
    "Search",
    key="s_text",
    placeholder="Dell, Apple, Glencore, Bisie, Kamoto, RCMP, GB-COH:...",
    help="Names and aliases (case- and accent-insensitive, fuzzy), identifiers (scheme:value) or ids.",
)
types = c2.multiselect(
    "Types",
    list(SEARCHABLE_TYPES),
    default=[],
    key="s_types",
    format_func=lambda t: TYPE_NAMES.get(t, t),
    placeholder="all types",
)
country = (
    c3.text_input(
        "Country",
        key="s_country",
        max_chars=2,
        placeholder="ISO2",
        help="Two-letter ISO code, e.g. CD, CN, GB",
    )
    .strip()
    .upper()
    or None
)

if text.strip():
    svc = state.service()
    vw = state.viewer()
    query = text.strip()
    result = state.run(
        lambda: state.cached(
            "search_page",
            lambda: svc.search(query, vw, types=tuple(types), country=country, page=Page(limit=50)),
            q=query,
            types=tuple(types),
            country=country,
        )
    )
    if result is not None:
        if not result.hits:
            ui.empty(
                f"No entity matches “{query}”"
                + (f" among {', '.join(TYPE_NAMES[t] for t in types)}" if types else "")
                + (f" in {country}" if country else "")
                + ". The graph holds only what its sources name; try another spelling, an identifier, "
                "or fewer filters." + ui.withheld_note(result.withheld)
            )
        else:
            rows = pd.DataFrame(
                [
                    {
                        "name": h.entity.name or h.entity.id,
                        "type": TYPE_NAMES.get(h.entity.type, h.entity.type),
                        "country": h.entity.country or "",
                        "score": round(h.score, 1),
                        "matched": f"{h.matched_field}: {h.matched_text}",
                        "id": h.entity.id,
                    }
                    for h in result.hits
                ]
            )
            st.caption(
                f"{result.total} match(es)"
                + (f"; the first {len(result.hits)} shown" if result.more else "")
                + ". Select a row to open it."
            )
            event = st.dataframe(
                rows,
                hide_index=True,
                width="stretch",
                on_select="rerun",
                selection_mode="single-row",
                key="s_results",
            )
            picked = event.selection.rows if event and event.selection else []
            if picked:
                new = rows.iloc[picked[0]]["id"]
                if new != state.selected():
                    state.select(new)
            ui.show_withheld(result.withheld)
elif not state.selected():
    ui.empty(
        "Type a name, alias, identifier or id to find a public buyer, contract, brand, factory, smelter "
        "or mine. Every fact shown carries its source, confidence and method."
    )


def detail(d: EntityDetail) -> None:
    ref = d.entity
    st.divider()
    st.header(ref.name or ref.id)
    cats = sorted({h.finding.category for h in d.findings})
    colour = risk_colour(cats)
    st.markdown(
        f'<span style="display:inline-block;width:14px;height:14px;border-radius:50%;background:{colour};'
        f'border:1px solid #444;vertical-align:middle"></span> '
        f"**{TYPE_NAMES.get(ref.type, ref.type)}** · `{ref.id}`"
        + (f" · {ref.country}" if ref.country else "")
        + f" · confidence {d.confidence:.2f} · methods: {', '.join(d.methods) or '—'}"
        + (" · **retired** (its sources no longer state it)" if d.retired else ""),
        unsafe_allow_html=True,
    )
    ui.nav_buttons(ref.id, ref.type, key="detail", exclude="search")
    left, right = st.columns([1, 1])
    with left:
        st.subheader("Properties")
        props = {k: v for k, v in d.properties.items() if v not in (None, [], "")}
        if props:
            st.dataframe(
                pd.DataFrame(
                    [
                        {"property": k, "value": ", ".join(map(str, v)) if isinstance(v, list) else str(v)}
                        for k, v in sorted(props.items())
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        else:
            ui.empty("No properties beyond its name: the sources that name it say nothing more.")
        if d.identifiers:
            st.markdown("**Identifiers:** " + ", ".join(f"`{i}`" for i in d.identifiers))
        if d.aliases:
            st.markdown("**Also named:** " + "; ".join(d.aliases))
        st.subheader("Links")
        if d.links:
            st.dataframe(
                pd.DataFrame([{"link": k, "count": v} for k, v in sorted(d.links.items())]),
                hide_index=True,
                width="stretch",
            )
        else:
            ui.empty("No links visible to this role: no source links it to a buyer, supplier or site yet.")
    with right:
        st.subheader("Risk findings that apply")
        if d.findings:
            st.caption(
                "Tier 0: findings on the entity itself, its region or its country "
                "(country findings narrowed to a commodity apply only where the commodity matches)."
            )
            for hit in d.findings:
                f = hit.finding
                colour, cat_text = RISK_COLOURS.get(f.category, RISK_COLOURS["other"])
                with st.container(border=True):
                    st.markdown(
                        f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
                        f'background:{colour};border:1px solid #444"></span> '
                        f"**{cat_text}** · rule: {hit.rule}"
                        + (f" via `{hit.via}`" if hit.via else "")
                        + f" · confidence {hit.confidence:.2f}"
                        + (f" · {f.date}" if f.date else "")
                        + (" · :material/lock: restricted access" if f.access == "restricted" else ""),
                        unsafe_allow_html=True,
                    )
                    st.write(f.evidence)
                    src = ", ".join(f.datasets) or "—"
                    st.caption(
                        f"Source: {f.list_name or f.reported_by or src} · datasets: {src} · "
                        f"licence class: {f.licence_class}"
                    )
        else:
            ui.empty(
                "No finding applies to it directly, to its region or to its country in the sources loaded. "
                "That is not evidence of no risk: see Buyer exposure for tiers further up the chain, and "
                "Sources for what has been loaded."
            )
    st.subheader("Provenance")
    if d.provenance:
        st.dataframe(pd.DataFrame([p.model_dump() for p in d.provenance]), hide_index=True, width="stretch")
    ui.show_withheld(d.withheld)


current = state.selected()
if current:
    current_id: str = current  # narrowed for the closures below
    svc = state.service()
    vw = state.viewer()
    found = state.run(
        lambda: state.cached("entity", lambda: svc.entity(current_id, vw), id=current),
        empty=f"`{current}` is not in the graph, or not visible to the `{state.role()}` role.",
    )
    if found is not None:
        detail(found)

        def build():
            from tierwatch.graph.exports import collect

            sub = svc.subgraph(current_id, vw, hops=1, max_elements=2000)
            return collect.from_neighbourhood(sub, vw, ui.export_meta("entity", root=current))

        ui.downloads("detail", build, f"entity-{current}", "The entity and its direct links (1 hop).")
