"""Tiered best-path search over the compiled index (the loops run in graph/query/kernels.py).

Hop-bounded Bellman-Ford by tiers: round k relaxes the arcs of the nodes whose best path changed
in round k-1, so after round k every node holds its best path of at most k links. The group rule
(arcs.GROUP_RULE: a run of ownership/operation links never turns from down the group to up or back)
makes it a search over (node, state) pairs, the state being how the path arrived; a node's answer
is its best pair. Order of
paths (one order everywhere): cost (integer micro-nats), then the path's ids in shortlex order
(fewer links first, then the ids compared from the root). Within a round every candidate path has
k links, so comparing paths = comparing the rank of the predecessor's path, then the node id;
ranks are kept per round. Costs are >= 0, so cycles never improve a path: best paths are simple.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field

import numpy as np
from tierwatch.graph.query import kernels
from tierwatch.graph.query.arcs import GROUP_RULE, INF_COST
from tierwatch.graph.query.index import NO_END, NONE_DAY, GraphIndex, commodity_id, gather
from tierwatch.graph.query.service import TraversalFilter, Viewer

#: the group rule as the kernel reads it ([state, arc kind] -> next state, -1 not allowed)
RULE = np.array(GROUP_RULE, dtype=np.int8)
#: no rule: one state, every kind allowed (hop distances that bound the rule's from below)
NO_RULE = np.zeros((1, len(GROUP_RULE[0])), dtype=np.int8)


def arc_mask(
    ix: GraphIndex,
    filters: TraversalFilter,
    viewer: Viewer,
    *,
    licence: bool | None = None,
    places: bool = False,
) -> np.ndarray:
    """Which arcs may be followed for this viewer and these filters (cached per index). ``places``:
    also the place arcs (an entity -> its country, region or commodity), which only downstream travel
    from a place or commodity and paths to or from one follow (docs/QUERY.md)."""
    key = f"mask:{filters.model_dump_json()}:{viewer.key}:{licence}:{places}"
    if key not in ix.cache:
        ix.cache[key] = _arc_mask(ix, filters, viewer, licence=licence, places=places)
    return ix.cache[key]


def _arc_mask(
    ix: GraphIndex, filters: TraversalFilter, viewer: Viewer, *, licence: bool | None = None, places: bool
) -> np.ndarray:
    """``licence`` overrides the viewer's licence switch (used to count what was withheld)."""
    from tierwatch.graph.query.arcs import DATED_TYPES, day

    sees_licence = viewer.sees_restricted_licence if licence is None else licence
    m = np.ones(len(ix.arc_frm), dtype=bool) if places else ~ix.arc_place
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
        allowed = (
            np.asarray(ix.related[:, wanted].any(axis=1)) if wanted else np.zeros(len(ix.commodities), bool)
        )
        comm = ix.arc_comm
        m &= (comm < 0) | allowed[np.maximum(comm, 0)]
    if filters.as_of:
        d = day(filters.as_of)
        m &= (ix.arc_start <= d) & (ix.arc_end >= d)
        m &= (ix.arc_retired_end < 0) | (d < ix.arc_retired_end)
        if filters.require_overlap:  # dated link types need a known period (QUERY.md "Time along a path")
            dated_edge = np.array([e["type"] in DATED_TYPES for e in ix.edges], dtype=bool)
            dated = dated_edge[ix.arc_edge] if len(ix.arc_edge) else np.zeros(0, dtype=bool)
            m &= ~dated | (ix.arc_start != NONE_DAY) | (ix.arc_end != NO_END)
    else:
        m &= ix.arc_retired_end < 0
    return m


@dataclass
class Reach:
    """The result of a tiered search: per node best cost, hops of the best path, first tier, rank in
    its round, the last arc of the best path and the state it ends in (rank, last arc, state: reached
    nodes only); the rounds (the (node, state) pairs each round improved, in rank order, with the
    predecessor pair, its rank and the arc; pair = node * n_states + state)."""

    ix: GraphIndex
    root: int
    direction: str
    tiers: int
    cost: np.ndarray
    hops: np.ndarray
    tier: np.ndarray
    rank: np.ndarray
    last_arc: np.ndarray
    state: np.ndarray
    reached: np.ndarray  # reached nodes (the root first), in the order first reached
    pairs: np.ndarray  # reached (node, state) pairs
    r_ptr: np.ndarray
    r_v: np.ndarray
    r_u: np.ndarray
    r_ru: np.ndarray
    r_a: np.ndarray
    n_states: int = 1
    _order: np.ndarray | None = field(default=None, repr=False)
    _bits: int | None = field(default=None, repr=False)

    def key(self, nodes: np.ndarray) -> np.ndarray:
        """Sort keys of ``nodes`` (reached) in the one order: (cost, hops, rank) packed in one integer
        when they fit 63 bits, else their positions among ``nodes`` by a three-key sort."""
        cost, hops, rank = self.cost[nodes], self.hops[nodes], self.rank[nodes]
        if self._bits is None:
            self._bits = max(1, int(np.diff(self.r_ptr).max(initial=1)).bit_length())
        br = self._bits
        if len(cost) and int(cost.max()).bit_length() + 4 + br <= 63:
            return (cost << (4 + br)) | (hops << br) | rank
        out = np.empty(len(nodes), dtype=np.int64)
        out[np.lexsort((rank, hops, cost))] = np.arange(len(nodes))
        return out

    def sort(self, nodes: np.ndarray) -> np.ndarray:
        """``nodes`` (reached) in the one order."""
        return nodes[np.argsort(self.key(nodes), kind="stable")]

    @property
    def order(self) -> np.ndarray:
        """Reached nodes, best first (sorted on first use)."""
        if self._order is None:
            self._order = self.sort(self.reached)
        return self._order

    def path(self, v: int) -> tuple[list[int], list[int]]:
        """(nodes from the root, arcs) of v's best path: v's entry in round k names its predecessor and
        the predecessor's rank in round k-1 (a node relaxes its arcs only in the round after it improved)."""
        nodes = [v]
        arcs: list[int] = []
        k = int(self.hops[v])
        i = int(self.r_ptr[k - 1] + self.rank[v]) if k > 0 else -1
        while k > 0:
            arcs.append(int(self.r_a[i]))
            nodes.append(int(self.r_u[i]) // self.n_states)
            k -= 1
            if k > 0:
                i = int(self.r_ptr[k - 1] + self.r_ru[i])
        return nodes[::-1], arcs[::-1]


def _all_nodes(ix: GraphIndex) -> np.ndarray:
    if "all_nodes" not in ix.cache:
        ix.cache["all_nodes"] = np.ones(ix.n, dtype=bool)
    return ix.cache["all_nodes"]


Workspace = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # pcost, pint, node, buf (kernels)


class Workspaces:
    """Reusable search workspaces of one index: a fresh n-sized array costs a page fault per 4 KB on
    first touch, more than the search itself on a large graph. A ``Reach`` holds its workspace and
    gives it back (reset where it was written) when it is garbage-collected; at most ``KEEP`` are kept."""

    KEEP = 4

    def __init__(self, n: int) -> None:
        self.n = n
        self.free: list[Workspace] = []
        self.lock = threading.Lock()

    def take(self) -> Workspace:
        with self.lock:
            if self.free:
                return self.free.pop()
        s = len(RULE)
        node = np.empty((6, self.n), dtype=np.int64)
        node[0] = kernels.INF
        node[1:3] = -1
        pcost = np.full(s * self.n, kernels.INF, dtype=np.int64)
        pint = np.empty((2, s * self.n), dtype=np.int32)
        pint[0] = -1
        return pcost, pint, node, np.empty((11, max(self.n, 1)), dtype=np.int64)

    def give(self, ws: Workspace, reached: np.ndarray, pairs: np.ndarray) -> None:
        kernels.reset(ws[0], ws[1], ws[2], reached, pairs)
        with self.lock:
            if len(self.free) < self.KEEP:
                self.free.append(ws)


def _workspaces(ix: GraphIndex) -> Workspaces:
    pool = ix.cache.get("workspaces")
    if pool is None:
        pool = ix.cache.setdefault("workspaces", Workspaces(ix.n))
    return pool


def search(
    ix: GraphIndex,
    root: int,
    direction: str,
    tiers: int,
    mask: np.ndarray,
    node_ok: np.ndarray | None = None,
    *,
    rule: np.ndarray = RULE,
) -> Reach:
    """Best paths from ``root`` up to ``tiers`` links in ``direction`` ("upstream"/"downstream") that
    keep the group ``rule`` (the same rule both ways: a path is valid exactly when its reverse is)."""
    up = direction == "upstream"
    pool = _workspaces(ix)
    ws = pool.take()
    out = kernels.tiered_search(
        ix.up_ptr if up else ix.down_ptr,
        ix.down_order,
        not up,
        ix.arc_to if up else ix.arc_frm,
        ix.arc_cost,
        mask,
        _all_nodes(ix) if node_ok is None else node_ok,
        node_ok is not None,
        ix.arc_kind,
        rule,
        root,
        tiers,
        *ws,
    )
    reach = Reach(ix, root, direction, tiers, *out, n_states=len(rule))  # type: ignore[misc]  # out: 13 arrays
    weakref.finalize(reach, pool.give, ws, out[6], out[7])
    return reach


def withheld_links(reach: Reach, mask: np.ndarray, mask_with_licence: np.ndarray) -> tuple[int, int]:
    """(links, nodes) withheld for licence: arcs out of reached nodes (below the hop bound) that only
    the licence switch blocks, and the unreached nodes behind them."""
    ix = reach.ix
    inner = reach.order[reach.hops[reach.order] < reach.tiers]
    up = reach.direction == "upstream"
    pos, owner = gather(ix.up_ptr if up else ix.down_ptr, inner)
    arcs = pos if up else ix.down_order[pos]
    allowed = (
        RULE[reach.state[inner[owner]], ix.arc_kind[arcs]] >= 0 if len(arcs) else np.zeros(0, dtype=bool)
    )
    blocked = arcs[mask_with_licence[arcs] & ~mask[arcs] & allowed]
    far = (ix.arc_to if up else ix.arc_frm)[blocked]
    behind = far[(reach.hops[far] < 0) & ix.node_lic[far]]
    return len(np.unique(ix.arc_edge[blocked])), len(np.unique(behind))


def along(reach: Reach, arc_values: np.ndarray) -> np.ndarray:
    """Per node: the sum of ``arc_values`` over its best path (0 for the root and unreached nodes)."""
    values = arc_values.astype(np.int64, copy=False)
    return kernels.along(
        reach.r_ptr, reach.r_ru, reach.r_a, values, reach.hops, reach.rank, reach.reached, reach.ix.n
    )
