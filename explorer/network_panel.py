"""The network page's side panel: the selected entity's findings and its path from the centre with
the evidence of each link, or the members of a selected group (with a button to open it)."""

from __future__ import annotations

import itertools

import pandas as pd
import streamlit as st
from tierwatch.explorer import state, ui
from tierwatch.explorer.geo import country_name
from tierwatch.explorer.grouping import Grouped, path_to
from tierwatch.explorer.network import NetworkView
from tierwatch.explorer.style import RISK_COLOURS, TYPE_NAMES
from tierwatch.graph.query.models import Link
from tierwatch.graph.query.service import QueryService, Viewer

SHOW_FINDINGS = 3
SHOW_MEMBERS = 10


def highlight(view: NetworkView, drawn: Grouped, selected: str | None) -> list[str]:
    """Drawn ids (entities or the groups holding them) on the path from the centre to ``selected``."""
    if not selected:
        return []
    if selected in drawn.members:
        return path_to(drawn.nodes, selected)
    out: list[str] = []
    for nid in path_to(view.nodes, selected):
        shown = drawn.display_of.get(nid)
        if shown and (not out or out[-1] != shown):
            out.append(shown)
    return out


def _link_between(view: NetworkView, a: str, b: str) -> Link | None:
    for e in view.edges:
        if {e.src, e.dst} == {a, b} and e.link_id in view.links:
            return view.links[e.link_id]
    return None


def _name(view: NetworkView, nid: str) -> str:
    node = view.nodes.get(nid)
    return node.label if node else nid


def entity(svc: QueryService, vw: Viewer, view: NetworkView, sel: str, expanded: tuple[str, ...]) -> None:
    node = view.nodes[sel]
    ref = view.refs.get(sel)
    country = ref.country if ref else node.country
    st.markdown(
        f"**{node.label}**  \n{TYPE_NAMES.get(node.type, node.type)} · `{sel}`"
        + (f" · {country_name(country)}" if country else "")
    )
    detail = state.run(lambda: state.cached("entity", lambda: svc.entity(sel, vw), id=sel))
    findings = detail.findings if detail is not None else []
    if findings:
        st.markdown(f"**Findings that apply ({len(findings)})**")
        show = findings if st.session_state.get("n_more_findings") == sel else findings[:SHOW_FINDINGS]
        for hit in show:
            colour, text = RISK_COLOURS.get(hit.finding.category, RISK_COLOURS["other"])
            st.markdown(
                f'<span style="color:{colour}">●</span> **{text}** · {hit.rule}'
                + (f" via `{hit.via}`" if hit.via else "")
                + f" · conf. {hit.confidence:.2f}",
                unsafe_allow_html=True,
            )
            st.caption(
                f"{hit.finding.evidence[:220]}{'…' if len(hit.finding.evidence) > 220 else ''} "
                f"— {hit.finding.list_name or hit.finding.reported_by or ', '.join(hit.finding.datasets)}"
            )
        if len(findings) > len(show) and st.button(
            f"Show all {len(findings)} findings", key="n_show_findings", width="stretch"
        ):
            st.session_state["n_more_findings"] = sel
            st.rerun()
    else:
        st.caption(
            "No finding applies to it, its region or its country for your role. That is not evidence "
            "of no risk: findings further up its chain show on Buyer exposure."
        )
    path = path_to(view.nodes, sel)
    if len(path) > 1:
        st.markdown(f"**Path from {_name(view, path[0])}** (highlighted, {len(path) - 1} link(s))")
        for a, b in itertools.pairwise(path):
            link = _link_between(view, a, b)
            if link is None:
                st.caption(f"{_name(view, a)} — {_name(view, b)}")
                continue
            st.caption(
                f"{_name(view, a)} → {_name(view, b)}: {link.type.lower()}"
                + (f" · {link.status}" if link.status else "")
                + f" · confidence {link.confidence:.2f} · methods {', '.join(link.methods) or '—'}"
                + f" · source {', '.join(link.datasets) or '—'}"
                + (f" · {link.commodity}" if link.commodity else "")
                + (" · candidate, not confirmed" if link.candidate else "")
            )
    if st.button("Centre the network here", key="n_recentre", width="stretch"):
        st.session_state["n_recentre_to"] = sel
        st.rerun()
    if sel in expanded and st.button("Collapse", key="n_collapse", width="stretch"):
        st.session_state["n_expanded"] = [e for e in expanded if e != sel]
        st.session_state["n_clicked"] = None
        st.rerun()
    ui.nav_buttons(sel, node.type, key="n_sel", exclude="network")


def group(view: NetworkView, drawn: Grouped, gid: str, open_groups: tuple[str, ...]) -> None:
    node = drawn.nodes.get(gid)
    members = drawn.members.get(gid, [])
    if node is None:
        st.caption("This group is not drawn any more (the view changed).")
    else:
        opened = " — opened, drawn one by one" if gid in open_groups else ""
        st.markdown(f"**{node.label.replace(chr(10), ' ')}**{opened}")
        ranked = sorted(members, key=lambda m: (not view.nodes[m].risks, view.nodes[m].label))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "name": view.nodes[m].label,
                        "risks": ", ".join(RISK_COLOURS.get(r, ("", r))[1] for r in view.nodes[m].risks),
                        "id": m,
                    }
                    for m in ranked[:SHOW_MEMBERS]
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        if len(members) > SHOW_MEMBERS:
            st.caption(f"… and {len(members) - SHOW_MEMBERS} more (members with findings first).")
        if gid not in open_groups and st.button("Open this group", key="n_open_group", width="stretch"):
            st.session_state["n_open_groups"] = [*open_groups, gid]
            st.rerun()
    if gid in open_groups and st.button("Fold this group again", key="n_fold_group", width="stretch"):
        st.session_state["n_open_groups"] = [g for g in open_groups if g != gid]
        st.rerun()
