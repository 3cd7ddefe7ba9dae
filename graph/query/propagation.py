"""Whole-graph risk propagation (docs/QUERY.md "Risk propagation").

own(v) = 1 - (1 - F(v)) (1 - I(v)), where
  F(v) = 1 - prod over findings f that apply to v at tier 0 (direct, region, country, country+commodity)
         of (1 - c_f)  (c_f the finding's confidence);
  I(v) = the largest country indicator risk over v's countries; a country's indicator risk is
         1 - prod (1 - w): ITUC Global Rights Index latest rating 1..5+ -> w = 0, .1, .2, .3, .4, .5;
         each World Bank WGI estimate (latest year) -> w = 0.05 x clip(-value / 2.5, 0, 1).
risk(v) = max(own(v), max over upstream arcs v <- u of DECAY x c_arc x risk(u)), DECAY = 0.8.
A buyer or contract (findings.BUYER_TYPES) has no place part: its own country's or region's findings
and indicators are not risk of what it buys (only findings about it directly count as its own).

The fixed point is the best-path value max over paths u ~> v of own(u) x prod(DECAY x c): every
link multiplies by at most DECAY < 1, so a cycle can never raise a score (the stated cycle rule)
and the passes stop. Ties between equal candidates go to the lowest upstream id. Each score is
explained by the upstream entity it comes from, the path, and that entity's evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tierwatch.graph.query.findings import BUYER_TYPES, Hits, attach, without_buyer_place
from tierwatch.graph.query.index import GraphIndex, gather
from tierwatch.graph.query.service import TraversalFilter, Viewer
from tierwatch.graph.query.traverse import arc_mask

DECAY = 0.8
MAX_PASSES = 64
ITUC = {"1": 0.0, "2": 0.1, "3": 0.2, "4": 0.3, "5": 0.4, "5+": 0.5}
WGI_WEIGHT = 0.05
FORMULA = (
    "own = 1 - (1 - F)(1 - I); F = 1 - prod(1 - c_finding); I = max over countries of "
    "1 - prod(1 - w_indicator); score = max(own, max over upstream u of 0.8 x c_link x score(u))"
)
SKIP = ("RiskFinding", "Remedy", "Indicator", "Source", "Commodity")


@dataclass
class Propagation:
    own: np.ndarray
    score: np.ndarray
    source: np.ndarray  # the node whose own risk decides the score (itself when own wins)
    pred: np.ndarray  # next node upstream on the path to the source (-1 at the source)
    pred_arc: np.ndarray
    passes: int
    hits: Hits  # the tier-0 findings behind own()
    indicator_risk: np.ndarray  # per node
    indicator_rows: dict[int, list[tuple[int, float]]]  # country node -> [(indicator node, w)]


def indicator_weights(ix: GraphIndex, viewer: Viewer) -> dict[int, list[tuple[int, float]]]:
    latest: dict[tuple[str, str], tuple[int, int]] = {}
    for k in np.flatnonzero(ix.ntype == ix.type_code("Indicator")) if "Indicator" in ix.type_names else []:
        i = int(k)
        d = ix.nodes[int(i)]
        if ix.node_lic[i] and not viewer.sees_restricted_licence:
            continue
        if ix.node_hidden[i] and not viewer.sees_restricted_access:
            continue
        ind = d.get("indicator", "")
        if not (ind == "ituc-gri" or ind.endswith(".EST")) or not d.get("country"):
            continue
        key = (d["country"], ind)
        year = int(d.get("year") or 0)
        if key not in latest or (year, d["id"]) > (latest[key][0], str(ix.ids[latest[key][1]])):
            latest[key] = (year, int(i))
    out: dict[int, list[tuple[int, float]]] = {}
    for (country, ind), (_, j) in sorted(latest.items()):
        i = int(j)
        c = ix.pos.get(f"country:{country}")
        if c is None:
            continue
        d = ix.nodes[i]
        if ind == "ituc-gri":
            w = ITUC.get(str(d.get("rating") or "").strip(), 0.0)
        else:
            w = WGI_WEIGHT * float(np.clip(-(d.get("value") or 0.0) / 2.5, 0.0, 1.0))
        if w > 0:
            out.setdefault(c, []).append((int(i), round(w, 6)))
    return out


def own_risk(
    ix: GraphIndex, viewer: Viewer
) -> tuple[np.ndarray, Hits, np.ndarray, dict[int, list[tuple[int, float]]]]:
    skip = np.isin(ix.ntype, [ix.type_code(t) for t in SKIP])
    ents = np.flatnonzero(~skip)
    zero = np.zeros(ix.n, dtype=np.int64)
    hits = attach(ix, ents, zero, lambda e: np.full(len(e), -1, dtype=np.int64), viewer, lambda e: e)
    hits = without_buyer_place(ix, hits)  # a buyer's own place is not risk of what it buys
    # attach() indexes costs by row of ``ents``: recompute hit costs from the finding alone
    conf = np.exp(-ix.node_cost[hits.fnd] / 1e6).clip(0.0, 1.0 - 1e-12)
    log_keep = np.zeros(ix.n, dtype=np.float64)
    np.add.at(log_keep, hits.ent, np.log1p(-conf))
    f_part = 1.0 - np.exp(log_keep)
    weights = indicator_weights(ix, viewer)
    country_risk = np.zeros(ix.n, dtype=np.float64)
    for c, rows in weights.items():
        country_risk[c] = 1.0 - float(np.prod([1.0 - w for _, w in rows]))
    ind = np.zeros(ix.n, dtype=np.float64)
    pos, owner = gather(ix.loc_ptr, ents)
    if len(pos):
        np.maximum.at(ind, ents[owner], country_risk[ix.loc[pos]])
    ind = np.maximum(ind, country_risk)  # a Country node's own indicators
    ind[skip] = 0.0
    ind[np.isin(ix.ntype, [ix.type_code(t) for t in BUYER_TYPES])] = 0.0
    own = 1.0 - (1.0 - f_part) * (1.0 - ind)
    own[skip] = 0.0
    return own, hits, ind, weights


def propagate(ix: GraphIndex, viewer: Viewer) -> Propagation:
    key = f"prop:{viewer.key}"
    if key in ix.cache:
        return ix.cache[key]
    own, hits, ind, weights = own_risk(ix, viewer)
    mask = arc_mask(ix, TraversalFilter(), viewer)
    factor = np.where(mask, DECAY * ix.arc_conf, 0.0)
    score = own.copy()
    source = np.arange(ix.n, dtype=np.int64)
    pred = np.full(ix.n, -1, dtype=np.int64)
    pred_arc = np.full(ix.n, -1, dtype=np.int64)
    frontier = np.flatnonzero(own > 0)
    passes = 0
    while len(frontier) and passes < MAX_PASSES:
        passes += 1
        pos, owner = gather(ix.down_ptr, frontier)  # arcs whose upstream end changed
        arcs = ix.down_order[pos]
        u = frontier[owner]
        v = ix.arc_frm[arcs]
        cand = factor[arcs] * score[u]
        better = cand > score[v]
        if not better.any():
            break
        arcs, u, v, cand = arcs[better], u[better], v[better], cand[better]
        o = np.lexsort((arcs, u, -cand, v))
        first = np.ones(len(o), dtype=bool)
        first[1:] = v[o][1:] != v[o][:-1]
        sel = o[first]
        nv = v[sel]
        score[nv] = cand[sel]
        source[nv] = source[u[sel]]
        pred[nv] = u[sel]
        pred_arc[nv] = arcs[sel]
        frontier = nv
    result = Propagation(own, score, source, pred, pred_arc, passes, hits, ind, weights)
    ix.cache[key] = result
    return result


def explain_path(prop: Propagation, v: int) -> tuple[list[int], list[int]]:
    """Nodes from v up to the deciding source, and the arcs between them."""
    nodes, arcs = [v], []
    seen = {v}
    while prop.pred[v] >= 0:
        arcs.append(int(prop.pred_arc[v]))
        v = int(prop.pred[v])
        if v in seen:  # cannot happen (factors < 1), guarded anyway
            break
        seen.add(v)
        nodes.append(v)
    return nodes, arcs
