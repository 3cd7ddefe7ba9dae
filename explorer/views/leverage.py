"""Shared leverage: the entities upstream of two or more of a set of buyers, where they can act together."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from tierwatch.explorer import state, ui
from tierwatch.explorer.style import RISK_COLOURS
from tierwatch.graph.query.leverage import BuyerSelection
from tierwatch.graph.query.leverage_models import LeverageResult
from tierwatch.graph.query.service import MAX_TIERS, Page, make_filter

ROWS = 50
PAGE = Page(limit=ROWS)
CHART_ROWS = 20
st.title("Shared leverage")
st.caption(
    "Entities upstream of two or more of the chosen buyers' contracts and spend: where a buyers' "
    "network can act together. Ranked by how many buyers reach each one, then by the strongest risk "
    "evidence on it; with the combined spend the sources give."
)

svc = state.service()
vw = state.viewer()

how = st.radio("Buyers", ["A country", "A kind of buyer", "Chosen buyers", "All buyers"], horizontal=True)
c1, c2 = st.columns(2)
selection_args: dict[str, Any]
if how == "A country":
    selection_args = {"country": c1.text_input("Country of the buyers (ISO code)", "CA", key="l_country")}
elif how == "A kind of buyer":
    selection_args = {"kind": c1.text_input("Kind of buyer", "federal department", key="l_kind")}
elif how == "Chosen buyers":
    ids = c1.text_input("Buyer ids, comma-separated", "", key="l_ids", help="e.g. canada:dept:rcmp-grc")
    selection_args = {"buyers": [i for i in ids.split(",") if i.strip()]}
else:
    selection_args = {"all_buyers": True}
types = c2.multiselect(
    "Entity types",
    ["Brand", "Company", "Facility", "Smelter", "Mine"],
    default=[],
    key="l_types",
    help="Empty: every workplace type (not buyers, contracts, places or evidence).",
)
c3, c4, c5 = st.columns(3)
tiers = c3.slider("Tiers upstream", 1, MAX_TIERS, 6, key="l_tiers")
min_buyers = c4.number_input("Reached by at least", 2, 1000, 2, key="l_min")
cands = c5.checkbox("Follow candidate links", key="l_cand", help="Unconfirmed candidates, labelled.")


def answer() -> LeverageResult | None:
    def ask() -> LeverageResult:
        selection = BuyerSelection(**selection_args)  # type: ignore[arg-type]
        flt = make_filter(entity_types=types, include_candidates=cands)
        return svc.leverage(  # type: ignore[attr-defined]
            selection, vw, tiers=tiers, filters=flt, min_buyers=int(min_buyers), paths=3, page=PAGE
        )

    return state.run(
        lambda: state.cached(
            "leverage", ask, sel=repr(selection_args), types=types, tiers=tiers, m=int(min_buyers), c=cands
        )
    )


if not any(selection_args.values()):
    ui.empty("Give one or more buyer ids, or choose a country, a kind of buyer or all buyers.")
    st.stop()
result = answer()
if result is None:
    st.stop()
st.markdown(
    f"**{result.total}** entities upstream of {result.min_buyers}+ of **{len(result.buyers)}** buyers "
    f"({result.selection}; {result.buyers_reaching} reach any mapped supplier)."
)
ui.show_withheld(result.withheld)
if not result.rows:
    ui.empty("No entity is upstream of that many of these buyers in what the graph maps.")
    st.stop()


def _spend(row) -> str:
    return "; ".join(f"{s.amount:,.0f} {s.currency} ({s.buyers} buyers)" for s in row.spend)


frame = pd.DataFrame(
    [
        {
            "buyers": r.buyers,
            "name": r.entity.name or r.entity.id,
            "type": r.entity.type,
            "country": r.entity.country or "",
            "risk": r.risk,
            "categories": ", ".join(r.risk_categories),
            "spend": _spend(r),
            "tier": r.min_tier,
            "id": r.entity.id,
        }
        for r in result.rows
    ]
)
top = frame.head(CHART_ROWS).assign(
    evidence=[r.risk_categories[0] if r.risk_categories else "no finding" for r in result.rows[:CHART_ROWS]]
)
colours = {k: c for k, (c, _) in RISK_COLOURS.items()}
chart = (
    alt.Chart(top)
    .mark_bar()
    .encode(
        x=alt.X("buyers:Q", title="buyers reaching it"),
        y=alt.Y("name:N", sort="-x", title=None),
        color=alt.Color(
            "evidence:N",
            title="strongest evidence",
            scale=alt.Scale(
                domain=sorted(set(top["evidence"])),
                range=[colours.get(c, "#999999") for c in sorted(set(top["evidence"]))],
            ),
        ),
        tooltip=["name", "type", "buyers", "risk", "categories", "spend"],
    )
)
st.altair_chart(chart, width="stretch")
picked = ui.picked_row(frame, "l_table")
if result.more:
    st.caption(f"and {result.more} more (the first {ROWS} are shown; download or use the API for more)")

if picked is not None:
    row = next(r for r in result.rows if r.entity.id == picked["id"])
    st.subheader(row.entity.name or row.entity.id)
    ui.nav_buttons(row.entity.id, row.entity.type, "l_nav")
    if row.evidence:
        for ev in row.evidence:
            status = ev.finding.remedy_status
            remedy = f" — remedy: {status.replace('_', ' ')}" if status else ""
            st.markdown(
                f"- **{ev.finding.category.replace('_', ' ')}** ({ev.rule}, {ev.confidence:.2f}): "
                f"{ev.finding.evidence[:300]}{remedy}"
            )
    else:
        st.caption("No finding applies to it directly or where it is, in what this viewer may see.")
    st.caption(f"Buyers ({row.buyers}): {', '.join(row.buyer_ids[:30])}{' ...' if row.buyers > 30 else ''}")
    for p in row.paths:
        st.caption(f"{p.buyer.name or p.buyer.id}: " + " → ".join(p.path.nodes))


def _export():
    from tierwatch.graph.exports import answers

    selection = BuyerSelection(**selection_args)  # type: ignore[arg-type]
    flt = make_filter(entity_types=types, include_candidates=cands)
    m = int(min_buyers)
    return answers.leverage(
        svc, selection, vw, tiers=tiers, filters=flt, min_buyers=m, generator="tierwatch explorer"
    )


ui.downloads("l", _export, "leverage", "The shared entities, their buyers, paths and evidence, with sources.")
