"""The tier-n network of an entity: interactive, laid out on the server, bounded to ~1,000 nodes."""

from __future__ import annotations

import time
from typing import cast

import pandas as pd
import streamlit as st
from tierwatch.explorer import network as net
from tierwatch.explorer import network_panel as panel
from tierwatch.explorer import state, ui
from tierwatch.explorer.graph_view import encode
from tierwatch.explorer.graph_view import network as draw
from tierwatch.explorer.grouping import GROUP_OVER, GROUP_PREFIX, group_fanouts
from tierwatch.explorer.layout import payload
from tierwatch.explorer.style import RISK_COLOURS, RISK_ORDER
from tierwatch.graph.query.service import MAX_TIERS, TraversalFilter

st.title("Network")
st.caption(
    "Who supplies whom, tier by tier, left to right: the centre, then its suppliers (tier 1), their "
    "suppliers (tier 2) and so on towards the mines; customers (downstream) to the left. Each entity "
    "hangs on its most confident path from the centre. Colour: risk findings that apply to the entity "
    "for your role; shape: type; line: how the link is known, thicker = more confident. Click a node "
    "for its evidence and path, a group to open it, “and N more” to load more."
)

if st.session_state.get("n_recentre_to"):
    state.select(st.session_state.pop("n_recentre_to"))
    st.session_state["n_root_q"] = ""
root = ui.entity_picker("n_root", "Centre entity", default_id=state.selected())
if not root:
    ui.empty(
        "Choose an entity to centre the network on (search above, or open one from the Search page). "
        "Nothing is drawn until then."
    )
    st.stop()
if root != st.session_state.get("n_current_root"):
    st.session_state["n_current_root"] = root
    st.session_state["n_expanded"] = []
    st.session_state["n_budgets"] = {}
    st.session_state["n_clicked"] = None
    st.session_state["n_open_groups"] = []
    state.select(root)

with st.expander("Filters and layout", expanded=True):
    c1, c2, c3, c4 = st.columns(4)
    direction = c1.radio(
        "Direction",
        ["upstream", "downstream", "both"],
        key="n_dir",
        help="Upstream: who supplies it (towards mines). Downstream: who it supplies (towards buyers).",
    )
    tiers = c2.slider("Tiers", 1, MAX_TIERS, 2, key="n_tiers")
    layout = c3.radio(
        "Layout",
        ["tiers", "layers", "rings"],
        key="n_layout",
        format_func=lambda v: {
            "tiers": "tiers, left to right",
            "layers": "chain steps (buyer → … → mine)",
            "rings": "tier rings",
        }[v],
    )
    min_conf = c4.slider("Minimum link confidence", 0.0, 1.0, 0.0, 0.05, key="n_conf")
    c5, c6, c7, c8 = st.columns(4)
    commodities = c5.multiselect("Commodity", net.commodity_choices(), key="n_comm", placeholder="any")
    countries_text = c6.text_input(
        "Countries (ISO2, comma-separated)", key="n_ctry", placeholder="e.g. CD, RW"
    )
    risks = c7.multiselect(
        "Risk category", RISK_ORDER, key="n_risk", placeholder="any", format_func=lambda c: RISK_COLOURS[c][1]
    )
    candidates = c8.checkbox(
        "Follow candidate links",
        key="n_cand",
        help="Scored same-entity and ownership candidates (dashed); never merged silently.",
    )
    grouping = c8.checkbox(
        "Group large fan-outs",
        value=True,
        key="n_group",
        help=f"More than {GROUP_OVER} links from one node: its neighbours are grouped by type and "
        "country (click a group to open it).",
    )

countries = tuple(c.strip().upper() for c in countries_text.split(",") if len(c.strip()) == 2)
try:
    flt = TraversalFilter(
        commodities=tuple(commodities),
        countries=countries,
        min_confidence=min_conf,
        include_candidates=candidates,
    )
except ValueError as exc:
    st.warning(f"Filters not applied: {exc}")
    flt = TraversalFilter()

svc = state.service()
vw = state.viewer()
expanded = tuple(st.session_state.get("n_expanded", []))
budgets = tuple(sorted(st.session_state.get("n_budgets", {}).items()))
query = net.NetworkQuery(
    root=root,
    direction=cast(net.Direction, direction),  # one of the radio's options
    tiers=tiers,
    filters=flt,
    risk_categories=tuple(risks),
    expanded=expanded,
    budgets=budgets,
)


def _build() -> net.NetworkView:
    view = net.build(svc, vw, query)
    net.colour_by_risk(svc, vw, view)
    return view


view = state.run(lambda: state.cached("network", _build, q=repr(query)))
if view is None:
    st.stop()
hidden_by_risk = net.apply_risk_filter(view, risks)

open_groups = tuple(st.session_state.get("n_open_groups", []))
clicked_before = st.session_state.get("n_clicked")
t0 = time.perf_counter()
drawn = group_fanouts(
    view.root.id, view.nodes, view.edges, open_groups, over=GROUP_OVER if grouping else 10**9
)
highlight = panel.highlight(view, drawn, clicked_before)
data = payload(
    [view.root.id],
    drawn.nodes,
    drawn.edges,
    layout=layout,
    selected=drawn.display_of.get(clicked_before or "", clicked_before),
    title=f"network of {view.root.name or view.root.id}",
    highlight=highlight,
)
layout_s = time.perf_counter() - t0

left, right = st.columns([3, 1])
with left:
    if len(view.nodes) <= 1:
        ui.empty(
            f"No {direction} link of {ui.label(view.root)} is known within {tiers} tier(s)"
            + (" with these filters" if (commodities or countries or min_conf or risks) else "")
            + ". The sources loaded name no supplier or customer for it, or those links are not visible to "
            f"the `{state.role()}` role. Try the other direction, more tiers or fewer filters."
        )
    clicked = draw(data, key="n_graph")
    size_kb = len(encode(data)) / 1024
    groups = len(drawn.members)
    st.caption(
        f"{len(view.nodes)} nodes, {len(view.edges)} links reached and drawn"
        + (f" as {len(drawn.nodes)} shapes ({groups} group(s))" if groups else "")
        + (f"; {view.hidden} more reached but not drawn (click “and N more”)" if view.hidden else "")
        + (f"; {hidden_by_risk} hidden by the risk filter" if hidden_by_risk else "")
        + f" · layout {layout_s * 1000:.0f} ms on the server, payload ≈ {size_kb:.0f} KB"
    )
    ui.show_withheld(view.withheld)
    for note in view.notes:
        st.caption(note)

if clicked:
    if clicked.startswith(net.MORE_PREFIX):
        anchor = clicked[len(net.MORE_PREFIX) :].rsplit(":", 1)[0]
        budgets_now = dict(st.session_state.get("n_budgets", {}))
        loaded = budgets_now.get(anchor, net.ROOT_BUDGET if anchor == root else 50)
        budgets_now[anchor] = min(net.MAX_NODES, loaded + 250)
        st.session_state["n_budgets"] = budgets_now
    elif clicked.startswith(GROUP_PREFIX):  # a group opens on click; the panel lists its members
        st.session_state["n_clicked"] = clicked
        st.session_state["n_open_groups"] = [*open_groups, clicked]
    else:
        st.session_state["n_clicked"] = clicked
        exp = list(st.session_state.get("n_expanded", []))
        if clicked not in exp and clicked != root:
            exp.append(clicked)
        st.session_state["n_expanded"] = exp
    st.rerun()

with right:
    sel = st.session_state.get("n_clicked")
    st.subheader("Selected")
    if sel and sel.startswith(GROUP_PREFIX):
        folded = group_fanouts(
            view.root.id, view.nodes, view.edges, [g for g in open_groups if g != sel], over=GROUP_OVER
        )
        panel.group(view, folded, sel, open_groups)
    elif sel and sel in view.nodes:
        panel.entity(svc, vw, view, sel, expanded)
    else:
        st.caption("Click a node to see its evidence and its path from the centre here.")
    if view.by_tier:
        st.markdown("**Reached per tier**")
        st.dataframe(
            pd.DataFrame([{"tier": k, "entities": v} for k, v in sorted(view.by_tier.items())]),
            hide_index=True,
            width="stretch",
        )
    if (expanded or open_groups) and st.button("Reset expansions", key="n_reset"):
        st.session_state["n_expanded"] = []
        st.session_state["n_budgets"] = {}
        st.session_state["n_open_groups"] = []
        st.rerun()

ui.legends(sorted({n.type for n in view.nodes.values()}), None, links=True)


def _export():
    from tierwatch.graph.exports import collect

    assert view is not None  # the page stopped above otherwise
    ids = {n for n in view.nodes if not n.startswith(net.MORE_PREFIX)}
    return collect.fetch(
        svc,
        ids,
        set(view.link_ids),
        vw,
        ui.export_meta("network", root=view.root.id, direction=direction, tiers=tiers, nodes=len(ids)),
    )


ui.downloads(
    "n", _export, f"network-{view.root.id}", "The nodes and links drawn above, with their provenance."
)
