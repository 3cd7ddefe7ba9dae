"""A public buyer's contracts and their exposure: per risk category, with evidence and coverage."""

from __future__ import annotations

import functools

import altair as alt
import pandas as pd
import streamlit as st
from tierwatch.explorer import flow, state, ui
from tierwatch.explorer.style import RISK_COLOURS, TYPE_NAMES
from tierwatch.graph.query.models import EntityRef, ExposureResult, Path
from tierwatch.graph.query.service import MAX_TIERS, Page, TraversalFilter

MATRIX_MAX = 25
st.title("Buyer exposure")
st.caption(
    "Risk reached upstream of a public buyer or one of its contracts: per category, the findings that "
    "apply, the path to each, and how much of the expected supply chain the graph actually maps."
)

svc = state.service()
vw = state.viewer()


def _kind(entity_id: str) -> str | None:
    found = state.run(lambda: state.cached("entity", lambda: svc.entity(entity_id, vw), id=entity_id))
    return found.entity.type if found else None


default = state.selected()
if default and _kind(default) not in ui.EXPOSURE_TYPES:
    default = None
buyer = ui.entity_picker(
    "x_buyer", "Public buyer, contract, brand or company", types=ui.EXPOSURE_TYPES, default_id=default
)
if not buyer:
    ui.empty(
        "Choose a public buyer (a university, council, hospital, department), one of its contracts, or a "
        "brand or company. Try “Royal Canadian Mounted Police”, “Scottish Government” or “Apple”."
    )
    st.stop()
buyer_id: str = buyer  # narrowed for the closures below
if buyer != default:
    state.select(buyer)

c1, c2, c3 = st.columns(3)
tiers = c1.slider("Tiers upstream", 1, MAX_TIERS, 6, key="x_tiers")
min_conf = c2.slider("Minimum link confidence", 0.0, 1.0, 0.0, 0.05, key="x_conf")
cands = c3.checkbox(
    "Follow candidate links", key="x_cand", help="Unconfirmed same-entity / ownership candidates."
)
flt = TraversalFilter(min_confidence=min_conf, include_candidates=cands)


def exposure(entity_id: str, hits: int = 20) -> ExposureResult | None:
    return state.run(
        lambda: state.cached(
            "exposure",
            lambda: svc.exposure(entity_id, vw, tiers=tiers, filters=flt, hits_per_category=hits),
            id=entity_id,
            tiers=tiers,
            flt=repr(flt),
            hits=hits,
        )
    )


root_detail = state.run(lambda: state.cached("entity", lambda: svc.entity(buyer_id, vw), id=buyer))
if root_detail is None:
    st.stop()
root_ref = root_detail.entity
st.subheader(ui.label(root_ref))
ui.nav_buttons(root_ref.id, root_ref.type, key="x_root", exclude="exposure")

# -- contracts ------------------------------------------------------------------------------------
contract_id: str | None = root_ref.id if root_ref.type == "Contract" else None
if root_ref.type == "PublicBuyer":
    st.markdown("### Contracts")
    contracts = state.run(
        lambda: state.cached(
            "contracts",
            lambda: svc.upstream(
                buyer_id,
                vw,
                tiers=1,
                filters=TraversalFilter(entity_types=("Contract",)),
                page=Page(limit=200),
            ),
            id=buyer,
        )
    )
    suppliers = state.run(
        lambda: state.cached(
            "spend",
            lambda: svc.upstream(
                buyer_id,
                vw,
                tiers=1,
                filters=TraversalFilter(entity_types=("Brand", "Company")),
                page=Page(limit=200),
            ),
            id=buyer,
        )
    )
    rows = []
    if contracts and contracts.hits:
        from tierwatch.graph.exports import collect

        ids = {h.entity.id for h in contracts.hits}
        stored = {n["id"]: n for n in collect.fetch(svc, ids, set(), vw).nodes}
        for h in contracts.hits:
            c = stored.get(h.entity.id, {})
            rows.append(
                {
                    "contract": c.get("title") or h.entity.name or h.entity.id,
                    "stage": c.get("stage", ""),
                    "date": c.get("date", ""),
                    "value": c.get("value_amount"),
                    "currency": c.get("value_currency", ""),
                    "categories": ", ".join(c.get("categories", [])),
                    "confidence": round(h.confidence, 2),
                    "id": h.entity.id,
                }
            )
        table = pd.DataFrame(rows)
        st.caption(
            f"{contracts.total} contract(s)"
            + (f", first {len(rows)} shown" if contracts.more else "")
            + ". Select one to see its own exposure; with none selected the buyer's whole exposure is shown."
        )
        event = st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="x_contracts",
            column_config={"value": st.column_config.NumberColumn(format="%.0f")},
        )
        picked = event.selection.rows if event and event.selection else []
        if picked:
            contract_id = table.iloc[picked[0]]["id"]
        ui.show_withheld(contracts.withheld)
        if st.toggle(
            f"Exposure of every listed contract by risk category ({min(len(rows), MATRIX_MAX)} contracts)",
            key="x_matrix",
            help="One exposure query per contract; can take a few seconds.",
        ):
            matrix = []
            for row in rows[:MATRIX_MAX]:
                res = exposure(row["id"], hits=1)
                if res is None:
                    continue
                entry = {
                    "contract": row["contract"],
                    "reached": res.reached,
                    "aggregate": round(res.aggregate, 3),
                }
                for cat in res.categories:
                    label = RISK_COLOURS.get(cat.category, RISK_COLOURS["other"])[1]
                    entry[label] = round(cat.score, 3) if cat.findings else None
                matrix.append(entry)
            st.dataframe(pd.DataFrame(matrix), hide_index=True, width="stretch", key="x_matrix_table")
            st.caption(
                "Empty cells: no finding of that category applies within the tiers; usually because the "
                "chain behind the contract is not mapped (see coverage), not because it is clean."
            )
    else:
        ui.empty(
            "No contract of this buyer is in the graph (visible to this role). Its exposure below comes "
            "from aggregated spend with brands where a source gives it (e.g. Canadian departmental spend)."
        )
    if suppliers and suppliers.hits:
        with st.expander(f"Spend with brands and companies without a contract ({suppliers.total})"):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "company": h.entity.name or h.entity.id,
                            "type": TYPE_NAMES.get(h.entity.type, h.entity.type),
                            "via": ", ".join(sorted({lk.type for lk in h.path.links})),
                            "candidate": h.path.has_candidates,
                            "confidence": round(h.confidence, 2),
                            "id": h.entity.id,
                        }
                        for h in suppliers.hits
                    ]
                ),
                hide_index=True,
                width="stretch",
            )


def path_names(res: ExposureResult) -> dict[str, str]:
    """Names of every node on the hits' paths (one bulk read through the export path, cached)."""
    ids = {n for c in res.categories for h in c.hits for n in h.path.nodes}

    def load() -> dict[str, str]:
        from tierwatch.graph.exports import collect

        return {n["id"]: n.get("name") or n["id"] for n in collect.fetch(svc, ids, set(), vw).nodes}

    return state.cached("path_names", load, root=res.root.id, ids=tuple(sorted(ids))) or {}


def report_buttons(entity_id: str) -> None:
    """The exposure report (graph/report: the same model and renderers as the CLI and the API)."""
    from tierwatch.graph import report as reports

    def build(fmt: str) -> bytes:
        return reports.render(reports.build_report(svc, entity_id, vw, tiers=tiers, filters=flt), fmt)

    c1, c2, _ = st.columns([1, 1, 3])
    for col, fmt in ((c1, "html"), (c2, "pdf")):
        col.download_button(
            f"Report ({fmt.upper()})",
            functools.partial(build, fmt),
            file_name=f"report-{entity_id.replace(':', '-')}.{fmt}",
            mime=reports.FORMATS[fmt],
            key=f"x_report_{fmt}",
            on_click="ignore",
            icon=":material/description:",
        )


focus_id = contract_id or root_ref.id
result = exposure(focus_id)
if result is None:
    st.stop()
focus_name = ui.label(result.root)
st.markdown(f"### Exposure of {focus_name}")
st.caption(
    f"{result.reached} entities reached within {result.max_tiers} tiers upstream. Strongest single "
    f"piece of evidence {result.strongest:.2f} ({result.strongest_formula}). Aggregate "
    f"{result.aggregate:.2f} = {result.aggregate_formula} (saturates on large chains)."
)
if result.coverage.headline is not None and result.coverage.headline.text:
    st.info(result.coverage.headline.text)
ui.show_withheld(result.withheld)
report_buttons(result.root.id)
for cat in result.categories:
    if cat.note:  # licence-restricted evidence left out of this category: said at the category
        st.caption(f":material/lock: {RISK_COLOURS.get(cat.category, RISK_COLOURS['other'])[1]}: {cat.note}")

if not any(c.findings for c in result.categories):
    ui.empty(
        "No risk finding applies anywhere upstream of it within these tiers, in the sources loaded. "
        "This usually means the chain is not mapped (see coverage below), not that the chain is clean."
    )
else:
    table = pd.DataFrame(
        [
            {
                "category": RISK_COLOURS.get(c.category, RISK_COLOURS["other"])[1],
                "score": c.score,
                "strongest": c.strongest,
                "hits high/medium/low": "/".join(str(c.bands.get(b, 0)) for b in ("high", "medium", "low")),
                "hits by tier": ", ".join(f"{t}: {n}" for t, n in sorted(c.by_tier.items())),
                "findings": c.findings,
                "entities": c.entities,
                "nearest tier": c.min_tier,
                "key": c.category,
            }
            for c in result.categories
        ]
    )
    chart = table[table["findings"] > 0]
    domain = [RISK_COLOURS.get(k, RISK_COLOURS["other"])[1] for k in chart["key"]]
    colours = [RISK_COLOURS.get(k, RISK_COLOURS["other"])[0] for k in chart["key"]]
    st.altair_chart(
        alt.Chart(chart)
        .mark_bar(stroke="#333", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "strongest:Q",
                scale=alt.Scale(domain=[0, 1]),
                title="strongest single piece of evidence (path confidence x finding confidence)",
            ),
            y=alt.Y("category:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color("category:N", scale=alt.Scale(domain=domain, range=colours), legend=None),
            tooltip=["category", "strongest", "score", "findings", "entities", "nearest tier"],
        ),
        width="stretch",
    )
    st.dataframe(table.drop(columns=["key"]), hide_index=True, width="stretch")
    if result.contributors:
        st.markdown("### Where to act first")
        st.caption("Brands ranked by the strongest hit through them, then distinct findings, then hits.")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "#": c.rank,
                        "brand or supplier": ui.label(c.anchor),
                        "strongest": c.strongest,
                        "category": (c.strongest_category or "").replace("_", " "),
                        "findings": c.findings,
                        "hits": c.hits,
                        "unmapped steps": ", ".join(c.unknown_steps),
                    }
                    for c in result.contributors
                ]
            ),
            hide_index=True,
            width="stretch",
        )

    st.markdown("### Flow: from the buyer to the risk")
    flow_result = exposure(focus_id, hits=flow.FLOW_HITS)
    if flow_result is not None:
        flow.show(svc, vw, flow_result)

    st.markdown("### Evidence")
    names = path_names(result)

    def path_text(path: Path, entity: EntityRef) -> str:
        return " → ".join(names.get(n, n) for n in path.nodes)

    for cat in [c for c in result.categories if c.findings]:
        colour, text = RISK_COLOURS.get(cat.category, RISK_COLOURS["other"])
        with st.expander(
            f"{text}: {cat.findings} finding(s) on {cat.entities} entit(ies), score {cat.score:.2f}"
        ):
            st.caption(cat.formula)
            for hit in ui.shown(cat.hits, f"x_all_{cat.category}", what="hits of this category"):
                f = hit.finding
                with st.container(border=True):
                    st.markdown(
                        f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
                        f'background:{colour};border:1px solid #444"></span> '
                        f"**{ui.label(hit.entity)}** · tier {hit.tier} · rule {hit.rule}"
                        + (f" via `{hit.via}`" if hit.via else "")
                        + (f" · commodity {hit.commodity}" if hit.commodity else "")
                        + f" · confidence {hit.confidence:.2f}"
                        + (" · :material/lock: restricted" if f.access == "restricted" else ""),
                        unsafe_allow_html=True,
                    )
                    st.write(f.evidence)
                    st.caption(
                        f"Source: {f.list_name or f.reported_by or '—'} · datasets: "
                        f"{', '.join(f.datasets) or '—'} · licence class {f.licence_class}"
                        + (f" · {f.date}" if f.date else "")
                    )
                    st.caption(
                        "Path: "
                        + path_text(hit.path, hit.entity)
                        + (" (includes candidate links)" if hit.path.has_candidates else "")
                    )
            if cat.more:
                st.caption(f"and {cat.more} more hit(s) in this category (download the view for all shown).")

st.markdown("### Coverage: what the graph maps, and what is unknown")
cov = result.coverage
if not cov.chains and not cov.notes:
    ui.empty("No expected chain applies (no brand or supplier reached).")
for note in dict.fromkeys(cov.notes):  # each note once
    st.info(note)
STATUS = {
    "mapped": "mapped",
    "country_only": "country only",
    "candidate_only": "candidate only",
    "withheld": "withheld for this viewer (licence-restricted)",
    "unknown": "UNKNOWN",
}
notes_seen: set[str] = set(cov.notes)
for chain in ui.shown(cov.chains, "x_all_chains", what="chains"):
    with st.container(border=True):
        st.markdown(
            f"**{ui.label(chain.anchor)}** · {chain.chain} chain ({chain.chain_source.replace('_', ' ')})"
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "step": s.step,
                        "status": STATUS.get(s.status, s.status),
                        "entities": s.entities,
                        "examples": "; ".join(e.name or e.id for e in s.examples),
                        "best confidence": s.best_confidence,
                        "datasets": ", ".join(s.datasets),
                        "why unmapped": s.reason or "",
                        "next request": s.next_request or "",
                    }
                    for s in chain.steps
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        note = chain.note if chain.note not in notes_seen else "(same note as above)"
        notes_seen.add(chain.note)
        unknown = f" Unknown tiers: {', '.join(chain.unknown_steps)}." if chain.unknown_steps else ""
        st.caption(note + unknown)
if cov.more:
    st.caption(f"and {cov.more} more chain(s)")


def _export():
    from tierwatch.graph.exports import answers

    assert result is not None  # the page stopped earlier otherwise
    # the one export code path (API and CLI too): the same question exports the same elements
    return answers.exposure(svc, result.root.id, vw, tiers=tiers, filters=flt, generator="tierwatch explorer")


ui.downloads(
    "x",
    _export,
    f"exposure-{result.root.id}",
    "The root, every hit's path, its finding and the link that made it apply, with provenance.",
)
