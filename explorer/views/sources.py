"""Every dataset in the graph: publisher, licence, class, ingest date, rows, and quarantine reports."""

from __future__ import annotations

import csv
import io

import pandas as pd
import streamlit as st
from tierwatch.explorer import state, ui

st.title("Sources")
st.caption(
    "Every dataset version loaded: where it comes from, its licence, when it was ingested, how many rows "
    "were read, written and quarantined. Facts from licence-restricted datasets are shown to analysts only."
)

rows, withheld = state.sources()
if not rows:
    ui.empty(
        "No dataset is loaded (visible to this role). Load the demo bundle with `tierwatch demo --no-serve`, "
        "or files with `tierwatch ingest SOURCE FILE...`."
    )
else:
    table = pd.DataFrame(
        [
            {
                "dataset": r.get("dataset"),
                "publisher": r.get("publisher", ""),
                "licence": r.get("licence", ""),
                "class": r.get("licence_class", ""),
                "ingested at": r.get("ingested_at", ""),
                "rows read": r.get("rows_read", 0),
                "written": r.get("rows_written", 0),
                "quarantined": r.get("rows_quarantined", 0),
                "duplicate": r.get("rows_duplicate", 0),
                "files": ", ".join(r.get("files", [])),
                "origin": r.get("origin", ""),
                "sha256": r.get("sha256", ""),
            }
            for r in rows
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"{len(rows)} dataset version(s).")
if withheld:
    st.caption(
        f":material/lock: {withheld} licence-restricted dataset(s) are loaded too; "
        "their details and quarantine "
        "reports are shown to analysts (unlock with an API key in the sidebar)."
    )

st.subheader("Quarantine reports")
st.caption(
    "Rows an ingest could not use, with the reason and the field. Nothing quarantined is in the graph."
)
qdir = state.settings().quarantine_dir
visible = {r.get("dataset") for r in rows}
reports = sorted(qdir.glob("*.csv")) if qdir.is_dir() else []
shown = 0
for path in reports:
    if path.stem not in visible:
        continue  # a dataset this viewer may not see (or one no longer loaded)
    shown += 1
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = list(csv.reader(io.StringIO(text)))
    with st.expander(f"{path.stem}: {max(0, len(lines) - 1)} row(s)"):
        if len(lines) > 1:
            st.dataframe(
                pd.DataFrame(lines[1:501], columns=lines[0])
                if all(len(r) == len(lines[0]) for r in lines[1:501])
                else pd.DataFrame(lines[:501]),
                hide_index=True,
                width="stretch",
            )
            if len(lines) > 501:
                st.caption(f"first 500 of {len(lines) - 1} rows; download for all")
        st.download_button(
            "Download report (CSV)",
            text.encode("utf-8"),
            file_name=path.name,
            mime="text/csv",
            key=f"q_{path.stem}",
            on_click="ignore",
        )
if not shown:
    ui.empty(
        "No quarantine report: every row of the visible datasets was used, skipped as documented, or "
        "counted as a duplicate."
    )
