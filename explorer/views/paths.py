"""The cheapest supply-chain paths between two entities, with each link's method and confidence."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from tierwatch.explorer import state, ui
from tierwatch.explorer.graph_view import network as draw
from tierwatch.explorer.layout import ViewEdge, ViewNode, payload
from tierwatch.explorer.style import TYPE_NAMES
from tierwatch.graph.query.service import MAX_TIERS, TraversalFilter

st.title("Paths")
st.caption(
    "How two entities are linked along the supply chain: the k most confident simple paths "
    "(upstream from the first, else downstream). Confidence of a path = product of its links'."
)

svc = state.service()
vw = state.viewer()
any_types = ("PublicBuyer", "Contract", "Brand", "Company", "Facility", "Smelter", "Mine")
c1, c2 = st.columns(2)
with c1:
    src = ui.entity_picker("p_src", "From", types=any_types, default_id=state.selected())
with c2:
    dst = ui.entity_picker("p_dst", "To", types=any_types, default_id=st.session_state.get("p_dst_default"))
c3, c4, c5, c6 = st.columns(4)
k = c3.slider("Paths (k)", 1, 20, 3, key="p_k")
hops = c4.slider("Max links", 1, MAX_TIERS, 6, key="p_hops")
min_conf = c5.slider("Minimum link confidence", 0.0, 1.0, 0.0, 0.05, key="p_conf")
cands = c6.checkbox("Follow candidate links", key="p_cand")

if not src or not dst:
    ui.empty(
        "Choose two entities, e.g. a public buyer and a mine, or a brand and a smelter. "
        "The first box starts from the entity selected elsewhere, if any."
    )
    st.stop()
source_id: str = src  # narrowed for the closures below
target_id: str = dst
if src == dst:
    ui.empty("Both ends are the same entity; choose another one for “To”.")
    st.stop()

flt = TraversalFilter(min_confidence=min_conf, include_candidates=cands)
result = state.run(
    lambda: state.cached(
        "paths",
        lambda: svc.paths(source_id, target_id, vw, k=k, max_hops=hops, filters=flt),
        src=src,
        dst=dst,
        k=k,
        hops=hops,
        flt=repr(flt),
    )
)
if result is None:
    st.stop()
st.markdown(f"**{ui.label(result.src)}** → **{ui.label(result.dst)}**  ·  direction: {result.direction}")
if result.withheld.note:
    st.caption(":material/lock: " + result.withheld.note)
if not result.paths:
    ui.empty(
        f"No chain path of at most {hops} links joins them in either direction"
        + (" with these filters" if min_conf or cands else "")
        + ". Either they are not in one supply chain, or a tier between them is not mapped in the sources "
        "loaded (see Buyer exposure → coverage). Try more links or candidate links."
    )
    st.stop()

refs: dict[str, str] = {
    result.src.id: result.src.name or result.src.id,
    result.dst.id: result.dst.name or result.dst.id,
}
types: dict[str, str] = {result.src.id: result.src.type, result.dst.id: result.dst.type}
missing = {n for p in result.paths for n in p.nodes if n not in refs}
if missing:
    from tierwatch.graph.exports import collect

    for node in collect.fetch(svc, missing, set(), vw).nodes:
        refs[node["id"]] = node.get("name") or node["id"]
        types[node["id"]] = node["type"]

rows = []
for i, path in enumerate(result.paths, 1):
    rows.append(
        {
            "#": i,
            "confidence": round(path.confidence, 3),
            "links": len(path.links),
            "path": " → ".join(refs.get(n, n) for n in path.nodes),
            "link types": " · ".join(lk.type + (" (candidate)" if lk.candidate else "") for lk in path.links),
            "methods": " · ".join("/".join(lk.methods) for lk in path.links),
        }
    )
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

nodes: dict[str, ViewNode] = {}
edges: list[ViewEdge] = []
for path in result.paths:
    for i, nid in enumerate(path.nodes):
        nodes.setdefault(
            nid,
            ViewNode(
                nid, types.get(nid, "Company"), refs.get(nid, nid), parent=path.nodes[i - 1] if i else None
            ),
        )
    for link in path.links:
        edges.append(ViewEdge(link.src, link.dst, link.type, dashed=link.candidate))
clicked = draw(
    payload([result.src.id], nodes, edges, layout="layers", title="paths"), key="p_graph", height=420
)
if clicked:
    state.select(clicked)
    st.session_state["p_clicked"] = clicked
sel = st.session_state.get("p_clicked")
if sel in nodes:
    st.markdown(
        f"Selected: **{nodes[sel].label}** ({TYPE_NAMES.get(nodes[sel].type, nodes[sel].type)}, `{sel}`)"
    )
    ui.nav_buttons(sel, nodes[sel].type, key="p_sel", exclude="paths")
ui.legends(sorted({n.type for n in nodes.values()}), [])


def _export():
    from tierwatch.graph.exports import answers

    # the one export code path (API and CLI too): the same question exports the same elements
    return answers.paths(
        svc, source_id, target_id, vw, k=k, max_hops=hops, filters=flt, generator="tierwatch explorer"
    )


ui.downloads("p", _export, f"paths-{src}-{dst}", "The paths shown, every node and link with provenance.")
