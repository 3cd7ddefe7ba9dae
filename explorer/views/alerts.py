"""Watchlist and alerts (analyst role): watched entities, alerts raised after ingests, and what
changed in an entity's exposure between two days. Everything goes through graph/watch/."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from tierwatch.explorer import state, ui
from tierwatch.graph.watch import alerts as watch

st.title("Alerts")
st.caption(
    "Watch buyers, contracts, brands or any entity: after every ingest that changes the graph, what "
    "changed in their exposure (findings reaching them, links on their paths, the strongest evidence "
    "per category, evidence that lapsed) is recorded as alerts, with the run, dataset and evidence. "
    "Alerts also go to the outbox `<store>/alerts.jsonl` (and the webhook, if the operator set one)."
)

if state.role() != "analyst":
    st.info(
        "Watchlists and alerts are for the analyst role (they describe exposure with restricted "
        "evidence): unlock it with an API key in the sidebar."
    )
    st.stop()

svc = state.service()
store = svc.store  # type: ignore[attr-defined]  # the StoreQueryService's store


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "when": a.get("at", ""),
                "entity": a["entity"],
                "kind": a["kind"].replace("_", " "),
                "subject": a["subject"],
                "category": a.get("category") or "",
                "confidence": a.get("confidence"),
                "dataset": a.get("dataset") or "",
                "run": a.get("run", ""),
                "evidence": a["evidence"],
            }
            for a in rows
        ]
    )


st.subheader("Watchlist")
rows = state.run(lambda: watch.watch_list(store)) or []
if rows:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "id": r["id"],
                    "name": r["name"],
                    "watched since": r["added_at"],
                    "checked on": r["snapshot_on"],
                    "findings": r["findings"],
                    "links on paths": r["links"],
                    "lapsed": r["lapsed"],
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    ui.empty("Nothing watched yet: add an entity id below (or `tierwatch watch add ID`).")

with st.form("watch_add"):
    new_id = st.text_input("Entity id to watch", value=state.selected() or "", key="w_add_id")
    if st.form_submit_button("Watch") and new_id.strip():
        added = state.run(lambda: watch.watch_add(store, svc, new_id.strip()))
        if added:
            st.success(f"Watching {added['id']} ({added['name']}): {added['findings']} findings now.")
if rows:
    with st.form("watch_remove"):
        gone = st.selectbox("Stop watching", [r["id"] for r in rows], key="w_remove_id")
        removed = st.form_submit_button("Remove") and gone
        if removed and state.run(lambda: watch.watch_remove(store, gone)) is None:
            st.success(f"No longer watching {gone} (its alerts stay).")

st.subheader("Alerts")
since = st.date_input("Since", value=date.today() - timedelta(days=30), max_value=date.today(), key="w_since")
raised = state.run(lambda: watch.list_alerts(store, since.isoformat())) or []
if raised:
    st.dataframe(_table(raised), hide_index=True, width="stretch")
    st.caption(f"{len(raised)} alert(s) since {since.isoformat()}, oldest first.")
else:
    ui.empty(f"No alerts since {since.isoformat()}.")

st.subheader("What changed since")
st.caption(
    "An entity's exposure as of one day compared with as of another (links whose period does not "
    "cover a day are not followed on it)."
)
with st.form("changes"):
    entity = st.text_input("Entity id", value=state.selected() or "", key="w_changes_id")
    start = st.date_input("From", value=date(2020, 1, 1), max_value=date.today(), key="w_changes_since")
    end = st.date_input("To", value=date.today(), max_value=date.today(), key="w_changes_until")
    if st.form_submit_button("Compare") and entity.strip():
        answer = state.run(lambda: watch.changes(svc, entity.strip(), start.isoformat(), end.isoformat()))
        if answer:
            st.markdown(
                f"**{answer['name'] or answer['entity']}** from {answer['since']} to {answer['until']}: "
                f"{answer['before']['findings']} → {answer['after']['findings']} findings, "
                f"{answer['before']['links']} → {answer['after']['links']} links on its paths."
            )
            if answer["changes"]:
                st.dataframe(_table(answer["changes"]), hide_index=True, width="stretch")
            else:
                st.caption("No change.")
