"""The exposure flow: from the buyer through its contracts (or spend) to brands or suppliers, the chain
step where a finding applies, and the risk category, as bands sized by the number of findings hits.

Built from an ``ExposureResult`` (each hit's path and finding); laid out here as a Sankey diagram with
fixed coordinates and drawn by explorer/flow_component.js (no library, no CDN). A click on a band
returns its key; the page lists the hits behind it with their evidence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierwatch.explorer.style import RISK_COLOURS, TYPE_NAMES
from tierwatch.graph.query.models import ExposureResult, FindingHit

COLUMNS = ("buyer", "contract or spend", "brand or supplier", "chain step of the finding", "risk category")
TOP = 8  # values per column drawn by name; the rest is one "other" box
WIDTH, HEIGHT, BOX = 1000, 460, 14
GREY = "#9a9a9a"


@dataclass
class Flow:
    columns: list[list[str]]  # box labels per column, in drawing order
    links: dict[tuple[int, str, str], list[FindingHit]] = field(default_factory=dict)  # (col, a, b) -> hits
    colour: dict[str, str] = field(default_factory=dict)  # risk box label -> colour


def build(result: ExposureResult, names: dict[str, str], types: dict[str, str]) -> Flow:
    """The flow of every hit shown in ``result`` (one hit = one finding applying to one entity)."""
    root_type = result.root.type
    rows: list[tuple[list[str], FindingHit]] = []
    for cat in result.categories:
        for hit in cat.hits:
            row = _stages_typed(hit, names, types, root_type)
            rows.append((row, hit))
    counts = [Counter(row[c] for row, _ in rows) for c in range(len(COLUMNS))]
    keep = [{v for v, _ in cnt.most_common(TOP)} for cnt in counts]
    flow = Flow([[] for _ in COLUMNS])
    for row, hit in rows:
        squeezed = [v if v in keep[c] else f"other {COLUMNS[c]}" for c, v in enumerate(row)]
        for c in range(len(COLUMNS) - 1):
            flow.links.setdefault((c, squeezed[c], squeezed[c + 1]), []).append(hit)
        flow.colour[squeezed[-1]] = RISK_COLOURS.get(hit.finding.category, RISK_COLOURS["other"])[0]
        for c, v in enumerate(squeezed):
            if v not in flow.columns[c]:
                flow.columns[c].append(v)
    for c, col in enumerate(flow.columns):
        total: Counter[str] = Counter()
        for (lc, a, b), hits in flow.links.items():
            if lc == c:
                total[a] += len(hits)
            if lc == c - 1:
                total[b] += len(hits)
        col.sort(key=lambda v: (v.startswith("other "), -total[v], v))
    return flow


def _stages_typed(hit: FindingHit, names: dict[str, str], types: dict[str, str], root_type: str) -> list[str]:
    nodes = hit.path.nodes
    contract = names.get(nodes[0], nodes[0]) if root_type == "Contract" else None
    contract = contract or next((names.get(n, n) for n in nodes[1:] if types.get(n) == "Contract"), None)
    brand = next((names.get(n, n) for n in nodes[1:] if types.get(n) in ("Brand", "Company")), None)
    step = TYPE_NAMES.get(hit.entity.type, hit.entity.type)
    if hit.rule in ("region", "country", "country_commodity", "origin_country"):
        step += f" (its {hit.rule.replace('_', ' ')})"
    return [
        names.get(nodes[0], nodes[0]),
        contract or ("spend without a contract" if root_type == "PublicBuyer" else "(not a buyer)"),
        brand or "none on the path",
        step,
        RISK_COLOURS.get(hit.finding.category, RISK_COLOURS["other"])[1],
    ]


def layout(flow: Flow) -> dict[str, Any]:
    """Fixed coordinates: boxes stacked per column (height by the hits through them), bands between.

    ``boxes``: [x, y, height, label, hits, colour]; ``bands``: [x0, y0, x1, y1, width, colour, key, hits].
    """
    ncol = len(flow.columns)
    gap = 10
    out_of: list[Counter] = [Counter() for _ in range(ncol)]
    into: list[Counter] = [Counter() for _ in range(ncol)]
    for (c, a, b), hits in flow.links.items():
        out_of[c][a] += len(hits)
        into[c + 1][b] += len(hits)
    biggest_col = max(sum(max(out_of[c][v], into[c][v]) for v in flow.columns[c]) for c in range(ncol))
    usable = HEIGHT - gap * (max(len(col) for col in flow.columns) + 1)
    unit = usable / max(1, biggest_col)
    boxes: list[list[Any]] = []
    top: dict[tuple[int, str], float] = {}
    xs = [round(c * (WIDTH - BOX) / (ncol - 1)) for c in range(ncol)]
    for c, col in enumerate(flow.columns):
        y = float(gap)
        for v in col:
            h = max(2.0, max(out_of[c][v], into[c][v]) * unit)
            top[(c, v)] = y
            colour = flow.colour.get(v, GREY) if c == ncol - 1 else "#555555"
            boxes.append([xs[c], round(y, 1), round(h, 1), v, max(out_of[c][v], into[c][v]), colour])
            y += h + gap
    out_y = dict(top)
    in_y = dict(top)
    bands: list[list[Any]] = []
    order = sorted(
        flow.links.items(),
        key=lambda kv: (
            kv[0][0],
            flow.columns[kv[0][0]].index(kv[0][1]),
            flow.columns[kv[0][0] + 1].index(kv[0][2]),
        ),
    )
    for (c, a, b), hits in order:
        w = len(hits) * unit
        sy, ty = out_y[(c, a)], in_y[(c + 1, b)]
        out_y[(c, a)] += w
        in_y[(c + 1, b)] += w
        cats = Counter(h.finding.category for h in hits)
        colour = RISK_COLOURS.get(cats.most_common(1)[0][0], RISK_COLOURS["other"])[0]
        key = f"{c}|{a}|{b}"
        bands.append(
            [
                xs[c] + BOX,
                round(sy, 1),
                xs[c + 1],
                round(ty, 1),
                round(max(w, 0.8), 1),
                colour,
                key,
                len(hits),
            ]
        )
    return {"boxes": boxes, "bands": bands, "w": WIDTH, "h": HEIGHT, "cols": list(COLUMNS), "xs": xs}


def draw(data: dict[str, Any], key: str) -> str | None:
    """Draw the flow (``layout``'s output); returns the key of a clicked band, if any this run."""
    import orjson

    component = _component()
    result = component(data=orjson.dumps(data), key=key, height=HEIGHT + 60, on_clicked_change=lambda: None)
    return getattr(result, "clicked", None)


def _component() -> Any:
    import streamlit as st

    if "tierwatch_flow" not in _REGISTERED:
        from tierwatch.explorer.graph_view import PRELUDE

        js = PRELUDE + Path(__file__).with_name("flow_component.js").read_text(encoding="utf-8")
        _REGISTERED["tierwatch_flow"] = st.components.v2.component("tierwatch_flow", js=js)
    return _REGISTERED["tierwatch_flow"]


_REGISTERED: dict[str, Any] = {}


FLOW_HITS = 200  # finding hits per category the flow is drawn from


def show(svc: Any, vw: Any, result: ExposureResult, key: str = "x_flow") -> None:
    """The flow section of the exposure page: the diagram, then the hits behind a clicked band."""
    import pandas as pd
    import streamlit as st
    from tierwatch.explorer import state
    from tierwatch.graph.exports import collect

    ids = {n for c in result.categories for h in c.hits for n in h.path.nodes}

    def load() -> dict[str, tuple[str, str]]:
        return {
            n["id"]: (n.get("name") or n["id"], n["type"]) for n in collect.fetch(svc, ids, set(), vw).nodes
        }

    stored = state.cached("flow_nodes", load, root=result.root.id, ids=tuple(sorted(ids))) or {}
    flow = build(result, {k: v[0] for k, v in stored.items()}, {k: v[1] for k, v in stored.items()})
    if not flow.links:
        return
    shown = sum(len(c.hits) for c in result.categories)
    st.caption(
        f"Each band is a set of finding hits (one finding applying to one reached entity), {shown} in all "
        f"(up to {FLOW_HITS} per category); width = number of hits, colour = the risk most of them carry. "
        "Click a band to list its evidence below."
    )
    clicked = draw(layout(flow), key=key)
    if clicked:
        st.session_state[f"{key}_band"] = clicked
    band = st.session_state.get(f"{key}_band")
    parts = band.split("|", 2) if band else []
    hits = flow.links.get((int(parts[0]), parts[1], parts[2]), []) if len(parts) == 3 else []
    if hits:
        st.markdown(f"**{parts[1]} → {parts[2]}**: {len(hits)} finding hit(s)")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "entity": h.entity.name or h.entity.id,
                        "category": RISK_COLOURS.get(h.finding.category, RISK_COLOURS["other"])[1],
                        "rule": h.rule,
                        "tier": h.tier,
                        "confidence": round(h.confidence, 2),
                        "evidence": h.finding.evidence[:200],
                        "source": h.finding.list_name
                        or h.finding.reported_by
                        or ", ".join(h.finding.datasets),
                        "path": " → ".join(stored.get(n, (n, ""))[0] for n in h.path.nodes),
                    }
                    for h in hits
                ]
            ),
            hide_index=True,
            width="stretch",
        )
