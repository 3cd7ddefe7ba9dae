"""Tiered best-path search over the compiled index, vectorised with numpy.

Hop-bounded Bellman-Ford by tiers: round k relaxes the arcs of the nodes whose best path changed
in round k-1, so after round k every node holds its best path of at most k links. Order of
paths (one order everywhere): cost (integer micro-nats), then the path's ids in shortlex order
(fewer links first, then the ids compared from the root). Within a round every candidate path has
k links, so comparing paths = comparing the rank of the predecessor's path, then the node id;
ranks are kept per round. Costs are >= 0, so cycles never improve a path: best paths are simple.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tierwatch.graph.query.arcs import INF_COST
from tierwatch.graph.query.index import GraphIndex, commodity_id, gather
from tierwatch.graph.query.service import TraversalFilter, Viewer


def arc_mask(
    ix: GraphIndex, filters: TraversalFilter, viewer: Viewer, *, licence: bool | None = None
) -> np.ndarray:
    """Which arcs may be followed for this viewer and these filters (cached per index)."""
    key = f"mask:{filters.model_dump_json()}:{viewer.key}:{licence}"
    if key not in ix.cache:
        ix.cache[key] = _arc_mask(ix, filters, viewer, licence=licence)
    return ix.cache[key]


def _arc_mask(
    ix: GraphIndex, filters: TraversalFilter, viewer: Viewer, *, licence: bool | None = None
) -> np.ndarray:
    """``licence`` overrides the viewer's licence switch (used to count what was withheld)."""
    from tierwatch.graph.query.arcs import day

    sees_licence = viewer.sees_restricted_licence if licence is None else licence
    m = np.ones(len(ix.arc_frm), dtype=bool)
    if not filters.include_candidates:
        m &= ~ix.arc_candidate
    if filters.min_confidence > 0:
        m &= ix.arc_conf >= filters.min_confidence
    m &= ix.arc_cost < INF_COST
    if not viewer.sees_restricted_access:
        m &= ~ix.arc_hidden & ~ix.node_hidden[ix.arc_frm] & ~ix.node_hidden[ix.arc_to]
    if not sees_licence:
        m &= ~ix.arc_lic & ~ix.node_lic[ix.arc_frm] & ~ix.node_lic[ix.arc_to]
    if filters.commodities:
        wanted = [ix.comm_code[c] for c in map(commodity_id, filters.commodities) if c in ix.comm_code]
        allowed = ix.related[:, wanted].any(axis=1) if wanted else np.zeros(len(ix.commodities), dtype=bool)
        comm = ix.arc_comm
        m &= (comm < 0) | allowed[np.maximum(comm, 0)]
    if filters.as_of:
        d = day(filters.as_of)
        m &= (ix.arc_start <= d) & (ix.arc_end >= d)
        m &= (ix.arc_retired_end < 0) | (d < ix.arc_retired_end)
    else:
        m &= ix.arc_retired_end < 0
    return m


@dataclass
class Reach:
    """The result of a tiered search: per node best cost, hops of the best path, first tier, rank."""

    ix: GraphIndex
    root: int
    direction: str
    tiers: int
    cost: np.ndarray
    hops: np.ndarray
    tier: np.ndarray
    rank: np.ndarray
    rounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=list
    )  # (v, u, arc) sorted by v
    order: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )  # reached nodes, best first
    order_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # node -> position

    def reached(self) -> np.ndarray:
        return self.order

    def path(self, v: int) -> tuple[list[int], list[int]]:
        """(nodes from the root, arcs) of v's best path."""
        nodes = [v]
        arcs: list[int] = []
        k = int(self.hops[v])
        while k > 0:
            vs, us, a = self.rounds[k - 1]
            i = int(np.searchsorted(vs, v))
            v = int(us[i])
            arcs.append(int(a[i]))
            nodes.append(v)
            k -= 1
        return nodes[::-1], arcs[::-1]


def search(
    ix: GraphIndex, root: int, direction: str, tiers: int, mask: np.ndarray, node_ok: np.ndarray | None = None
) -> Reach:
    """Best paths from ``root`` up to ``tiers`` links in ``direction`` ("upstream"/"downstream")."""
    n = ix.n
    cost = np.full(n, INF_COST, dtype=np.int64)
    hops = np.full(n, -1, dtype=np.int64)
    tier = np.full(n, -1, dtype=np.int64)
    rank = np.zeros(n, dtype=np.int64)
    cost[root], hops[root], tier[root] = 0, 0, 0
    up = direction == "upstream"
    ptr = ix.up_ptr if up else ix.down_ptr
    far = ix.arc_to if up else ix.arc_frm
    reach = Reach(ix, root, direction, tiers, cost, hops, tier, rank)
    frontier = np.array([root], dtype=np.int64)
    franks = np.zeros(1, dtype=np.int64)
    for k in range(1, tiers + 1):
        pos, owner = gather(ptr, frontier)
        if len(pos) == 0:
            break
        arcs = pos if up else ix.down_order[pos]
        keep = mask[arcs]
        if node_ok is not None:
            keep &= node_ok[far[arcs]]
        arcs, owner = arcs[keep], owner[keep]
        u = frontier[owner]
        v = far[arcs]
        c = cost[u] + ix.arc_cost[arcs]
        better = c < cost[v]
        if not better.any():
            break
        arcs, u, v, c, ru = arcs[better], u[better], v[better], c[better], franks[owner[better]]
        sel = _pick(v, c, ru, arcs)  # sorted by v: one candidate each, the least (c, ru, arc)
        nv, nu, na, nr = v[sel], u[sel], arcs[sel], ru[sel]
        cost[nv] = c[sel]
        hops[nv] = k
        fresh = tier[nv] < 0
        tier[nv[fresh]] = k
        rk = np.empty(len(nv), dtype=np.int64)
        if n < 2**31 and len(nr) < 2**31:
            rk[np.argsort((nr << 31) | nv, kind="stable")] = np.arange(len(nv))
        else:
            rk[np.lexsort((nv, nr))] = np.arange(len(nv))
        rank[nv] = rk
        reach.rounds.append((nv, nu, na))
        frontier, franks = nv, rk
    reached = np.flatnonzero(hops >= 0)
    reach.order = reached[np.lexsort((rank[reached], hops[reached], cost[reached]))]
    reach.order_pos = np.full(n, -1, dtype=np.int64)
    reach.order_pos[reach.order] = np.arange(len(reach.order))
    return reach


def _bits(x: np.ndarray) -> int:
    return int(x.max()).bit_length() if len(x) else 0


def _pick(v: np.ndarray, c: np.ndarray, ru: np.ndarray, arcs: np.ndarray) -> np.ndarray:
    """Indices of the least (c, ru, arc) candidate per v, in v order. Without sorting when the three
    fit one 63-bit key (c relative to the round's cheapest): a scatter-min, then the rows that hold it."""
    d = c - c.min()
    bd, br, ba = _bits(d), _bits(ru), _bits(arcs)
    if bd + br + ba <= 63:
        key = (d << (br + ba)) | (ru << ba) | arcs
        best = np.full(int(v.max()) + 1, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, v, key)
        sel = np.flatnonzero(key == best[v])
        return sel[np.argsort(v[sel], kind="stable")]
    order = np.lexsort((arcs, ru, c, v))
    vs = v[order]
    first = np.ones(len(vs), dtype=bool)
    first[1:] = vs[1:] != vs[:-1]
    return order[first]


def visible_nodes(ix: GraphIndex, viewer: Viewer) -> np.ndarray:
    ok = np.ones(ix.n, dtype=bool)
    if not viewer.sees_restricted_access:
        ok &= ~ix.node_hidden
    if not viewer.sees_restricted_licence:
        ok &= ~ix.node_lic
    return ok


def withheld_links(reach: Reach, mask: np.ndarray, mask_with_licence: np.ndarray) -> tuple[int, int]:
    """(links, nodes) withheld for licence: arcs out of reached nodes (below the hop bound) that only
    the licence switch blocks, and the unreached nodes behind them."""
    ix = reach.ix
    inner = reach.order[reach.hops[reach.order] < reach.tiers]
    up = reach.direction == "upstream"
    pos, _ = gather(ix.up_ptr if up else ix.down_ptr, inner)
    arcs = pos if up else ix.down_order[pos]
    blocked = arcs[mask_with_licence[arcs] & ~mask[arcs]]
    far = (ix.arc_to if up else ix.arc_frm)[blocked]
    behind = far[(reach.hops[far] < 0) & ix.node_lic[far]]
    return len(np.unique(ix.arc_edge[blocked])), len(np.unique(behind))


def last_arcs(reach: Reach, ents: np.ndarray) -> np.ndarray:
    """The last arc of each entity's best path (-1 for the root)."""
    out = np.full(len(ents), -1, dtype=np.int64)
    hops = reach.hops[ents]
    for k in range(1, len(reach.rounds) + 1):
        sel = np.flatnonzero(hops == k)
        if len(sel):
            vs, _, arcs = reach.rounds[k - 1]
            out[sel] = arcs[np.searchsorted(vs, ents[sel])]
    return out


def along(reach: Reach, arc_values: np.ndarray) -> np.ndarray:
    """Per node: the sum of ``arc_values`` over its best path (0 for the root and unreached nodes)."""
    acc = np.zeros(reach.ix.n, dtype=np.int64)
    prev_vs: np.ndarray | None = None
    prev_vals = np.zeros(1, dtype=np.int64)
    for vs, us, arcs in reach.rounds:
        base = (
            np.zeros(len(us), dtype=np.int64) if prev_vs is None else prev_vals[np.searchsorted(prev_vs, us)]
        )
        vals = base + arc_values[arcs]
        acc[vs] = vals
        prev_vs, prev_vals = vs, vals
    return acc
