"""Exposure measures that do not saturate (docs/QUERY.md "Scores that discriminate").

The noisy-OR category score reads 1.000 for any large buyer (hundreds of findings), which says
nothing about where to act. These measures stay informative at any chain size; the API, the CLI,
the explorer and the report all read them from the exposure answer (computed here, once):

- ``strongest``: the best single hit of a category, path confidence x finding confidence;
- ``bands``: hits (one per finding and entity) per confidence band (``BANDS``);
- ``by_tier``: hits per tier of the entity they apply to; ``min_tier`` is the nearest;
- contributions: per brand (or awarded supplier) of the root, the hits whose best path runs through
  it, ranked by their strongest hit, then distinct findings, then hits, then id.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from tierwatch.graph.query.arcs import MICRO
from tierwatch.graph.query.findings import Hits
from tierwatch.graph.query.models import CategoryExposure, ChainCoverage, Contribution
from tierwatch.graph.query.results import conf_of_cost, entity_ref
from tierwatch.graph.query.traverse import Reach

#: confidence bands of a hit (lower bound included): high >= 0.5, medium >= 0.2, low below
BANDS: tuple[tuple[str, float], ...] = (("high", 0.5), ("medium", 0.2), ("low", 0.0))
STRONGEST_FORMULA = "strongest = max over hits h (path confidence x finding confidence)"
BUYER_TYPES = ("PublicBuyer", "Contract")
MAX_CONTRIBUTORS = 20  # brands listed (``contributors_more``: how many more)


def band_of(confidence: float) -> str:
    return next(name for name, low in BANDS if confidence >= low)


def _band_bounds() -> list[tuple[str, float, float]]:
    """(name, low, high): each band's half-open interval [low, high)."""
    highs = [np.inf, *(low for _, low in BANDS[:-1])]
    return [(name, low, high) for (name, low), high in zip(BANDS, highs, strict=True)]


def category_measures(reach: Reach, hits: Hits, rows: np.ndarray) -> dict[str, object]:
    """``strongest``, ``bands`` and ``by_tier`` of one category's hit rows."""
    if not len(rows):
        return {"strongest": 0.0, "bands": {name: 0 for name, _ in BANDS}, "by_tier": {}}
    conf = np.exp(-hits.cost[rows].astype(np.float64) / MICRO)
    bands = {name: int(((conf >= low) & (conf < high)).sum()) for name, low, high in _band_bounds()}
    tiers, counts = np.unique(reach.tier[hits.ent[rows]], return_counts=True)
    return {
        "strongest": conf_of_cost(int(hits.cost[rows].min())),
        "bands": bands,
        "by_tier": {int(t): int(n) for t, n in zip(tiers, counts, strict=True)},
    }


def strongest(categories: list[CategoryExposure]) -> float:
    return max((c.strongest for c in categories), default=0.0)


def path_nodes(reach: Reach, ents: np.ndarray) -> np.ndarray:
    """Per entity, the nodes of its best path from the root (row i, column j: the j-th node; -1 past
    its end), walking the search's round entries back as ``Reach.path`` does, vectorised."""
    hops = reach.hops[ents].astype(np.int64)
    width = int(hops.max(initial=0)) + 1
    seq = np.full((len(ents), width), -1, dtype=np.int64)
    rows = np.arange(len(ents))
    seq[rows, hops] = ents
    seq[:, 0] = reach.root
    live = hops > 0
    k = hops.copy()
    i = np.zeros(len(ents), dtype=np.int64)
    i[live] = reach.r_ptr[k[live] - 1] + reach.rank[ents[live]]
    while live.any():
        r = rows[live]
        seq[r, k[r] - 1] = reach.r_u[i[r]] // reach.n_states
        k[r] -= 1
        more = r[k[r] > 0]
        i[more] = reach.r_ptr[k[more] - 1] + reach.r_ru[i[more]]
        live = k > 0
    return seq


def anchors_of(reach: Reach, ents: np.ndarray) -> np.ndarray:
    """The brand or supplier of the root each entity's best path runs through: the first node after
    the root that is not a buyer or contract (for a root that is neither: the path's second node);
    -1 for the root itself and for buyers and contracts reached before any brand."""
    ix = reach.ix
    seq = path_nodes(reach, ents)
    if seq.shape[1] < 2:
        return np.full(len(ents), -1, dtype=np.int64)
    if ix.nodes[reach.root]["type"] not in BUYER_TYPES:
        return seq[:, 1]
    buyer_codes = [ix.type_names.index(t) for t in BUYER_TYPES if t in ix.type_names]
    tail = seq[:, 1:]
    brand = (tail >= 0) & ~np.isin(ix.ntype[np.maximum(tail, 0)], buyer_codes)
    first = brand.argmax(axis=1)
    return np.where(brand.any(axis=1), tail[np.arange(len(ents)), first], -1)


def _least(a: np.ndarray, b: np.ndarray, cost: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """Per distinct (a, b): the least cost."""
    if not len(a):
        return [], [], []
    order = np.lexsort((cost, b, a))
    a, b, cost = a[order], b[order], cost[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[first].tolist(), b[first].tolist(), cost[first].tolist()


def contributions(reach: Reach, hits: Hits, chains: list[ChainCoverage]) -> tuple[list[Contribution], int]:
    """The root's brands (or first suppliers) ranked by what they bring: strongest hit, then distinct
    findings, then hits, then id; the first ``MAX_CONTRIBUTORS`` and how many more. Hits on the root
    itself or on a contract are not a brand's."""
    ix = reach.ix
    best: dict[int, int] = {}
    per_cat: dict[int, dict[str, int]] = defaultdict(dict)
    findings: dict[int, int] = defaultdict(int)
    n_hits: dict[int, int] = defaultdict(int)
    if len(hits):
        ents, inverse = np.unique(hits.ent, return_inverse=True)
        anchor = anchors_of(reach, ents)[inverse]
        keep = anchor >= 0
        a_k, f_k, c_k = anchor[keep], hits.fnd[keep], hits.cost[keep]
        cat_k = ix.fnd_cat[f_k]
        # per (anchor, category): the least cost; per anchor: hits and distinct findings
        for a, c, cost in zip(*_least(a_k, cat_k.astype(np.int64), c_k), strict=True):
            per_cat[a][ix.categories[c]] = cost
            best[a] = min(best.get(a, cost), cost)
        for a, n in zip(*np.unique(a_k, return_counts=True), strict=True):
            n_hits[int(a)] = int(n)
        pairs = np.unique(a_k * ix.n + f_k.astype(np.int64))  # distinct (anchor, finding)
        for a, n in zip(*np.unique(pairs // ix.n, return_counts=True), strict=True):
            findings[int(a)] = int(n)
    unknown = {c.anchor.id: c.unknown_steps for c in chains}
    # brands with a chain but no hit rank last (what is not mapped cannot be ruled out: see coverage)
    for chain in chains:
        pos = ix.pos.get(chain.anchor.id)
        if pos is not None and pos != reach.root and pos not in best:
            best[pos] = -1
    order = sorted(best, key=lambda a: (best[a] < 0, best[a], -findings[a], -n_hits[a], str(ix.ids[a])))
    out = []
    for i, a in enumerate(order[:MAX_CONTRIBUTORS], 1):
        cats = {k: conf_of_cost(v) for k, v in sorted(per_cat[a].items(), key=lambda kv: (kv[1], kv[0]))}
        out.append(
            Contribution(
                rank=i,
                anchor=entity_ref(ix.nodes[a]),
                strongest=conf_of_cost(best[a]) if best[a] >= 0 else 0.0,
                strongest_category=next(iter(cats), None),
                categories=cats,
                findings=findings[a],
                hits=n_hits[a],
                unknown_steps=list(unknown.get(str(ix.ids[a]), [])),
            )
        )
    return out, max(0, len(order) - MAX_CONTRIBUTORS)
