"""Compiled (numba) kernels of the tiered best-path search over the CSR index.

One implementation of the search rule documented in ``traverse``; the kernels only loop, the
rule's decisions are the same integer comparisons as before: a candidate path of round k beats
another when (cost, rank of its predecessor's path, arc index) is smaller, and it replaces a node's
path only when strictly cheaper than the node's best of fewer links. Compiled once per machine
(``cache=True`` keeps the machine code next to this file) and run without the GIL, so API worker
threads search in parallel.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.int64(2**62)


@njit(cache=True, nogil=True)
def _grow(a: np.ndarray, need: int) -> np.ndarray:
    if need <= len(a):
        return a
    b = np.empty(max(need, 2 * len(a)), dtype=a.dtype)
    b[: len(a)] = a
    return b


@njit(cache=True, nogil=True)
def tiered_search(
    ptr: np.ndarray,
    perm: np.ndarray,
    use_perm: bool,
    far: np.ndarray,
    arc_cost: np.ndarray,
    mask: np.ndarray,
    node_ok: np.ndarray,
    use_node_ok: bool,
    root: int,
    tiers: int,
    node: np.ndarray,
    buf: np.ndarray,
):
    """``node``: per-node workspace rows (cost = INF, hops = -1, tier = -1 on entry; rank,
    last_arc: any), ``buf``: buffer rows (any); both reused across searches (``traverse.Workspace``).

    Returns (cost, hops, tier, rank, last_arc, reached, r_ptr, r_v, r_u, r_ru, r_a).

    Round k's entries (r_ptr[k-1]:r_ptr[k]) are the nodes it improved in rank order (the entry of a
    node v is r_ptr[k-1] + its rank), with the predecessor u, u's rank in round k-1 and the arc.
    Pass 1 walks the frontier in rank order and each predecessor's arcs in the order of the far node's
    id, recording every strict improvement as an event; since candidates arrive in (predecessor rank,
    arc) order, a later candidate of equal cost never wins, and a node's last event
    (the one with its final cost: its events have falling costs) is its winner.
    Pass 2 emits the winners in event order, which is (predecessor rank, node id): the shortlex rank,
    without a sort. ``reached``: reached nodes in the order first reached.
    """
    cost, hops, tier, rank, last_arc = node[0], node[1], node[2], node[3], node[4]
    rank[root] = 0
    last_arc[root] = -1
    cost[root] = 0
    hops[root] = 0
    tier[root] = 0
    # buffers are grown outside the inner loops (a buffer reassigned inside a hot loop costs numba
    # several times the loop's own work)
    reached = buf[0]
    reached[0] = root
    n_reached = 1
    r_ptr = np.zeros(tiers + 1, dtype=np.int64)
    r_v, r_u, r_ru, r_a = buf[1], buf[2], buf[3], buf[4]
    r_c = buf[5]  # the entry's cost (a frontier node may improve again)
    ev_v, ev_a, ev_i, ev_c = buf[6], buf[7], buf[8], buf[9]
    n_r = 0
    f_lo, f_hi = 0, 0  # the frontier: entries of the previous round (the root before round 1)
    rounds = 0
    for k in range(1, tiers + 1):
        n_front = 1 if k == 1 else f_hi - f_lo
        n_ev = 0
        for i in range(n_front):
            if k == 1:
                u, cu = root, 0
            else:
                u, cu = r_v[f_lo + i], r_c[f_lo + i]
            if n_ev + ptr[u + 1] - ptr[u] > len(ev_v):  # room for every arc of u
                ev_v = _grow(ev_v, n_ev + ptr[u + 1] - ptr[u])
                ev_a = _grow(ev_a, len(ev_v))
                ev_i = _grow(ev_i, len(ev_v))
                ev_c = _grow(ev_c, len(ev_v))
            for p in range(ptr[u], ptr[u + 1]):
                a = perm[p] if use_perm else p
                if not mask[a]:
                    continue
                v = far[a]
                c = cu + arc_cost[a]
                if c >= cost[v]:
                    continue
                if use_node_ok and not node_ok[v]:
                    continue
                cost[v] = c
                ev_v[n_ev] = v
                ev_a[n_ev] = a
                ev_i[n_ev] = i
                ev_c[n_ev] = c
                n_ev += 1
        if n_ev == 0:
            break
        rounds = k
        start = n_r
        if n_r + n_ev > len(r_v):  # room for every event (a node enters a round once)
            r_v = _grow(r_v, n_r + n_ev)
            r_u = _grow(r_u, len(r_v))
            r_ru = _grow(r_ru, len(r_v))
            r_a = _grow(r_a, len(r_v))
            r_c = _grow(r_c, len(r_v))
        for e in range(n_ev):
            v = ev_v[e]
            if ev_c[e] != cost[v]:  # a node's events have falling costs: its winner has the final one
                continue
            i = ev_i[e]
            a = ev_a[e]
            hops[v] = k
            if tier[v] < 0:
                tier[v] = k
                reached[n_reached] = v
                n_reached += 1
            rank[v] = n_r - start
            last_arc[v] = a
            r_v[n_r] = v
            r_u[n_r] = root if k == 1 else r_v[f_lo + i]
            r_ru[n_r] = i
            r_a[n_r] = a
            r_c[n_r] = cost[v]
            n_r += 1
        r_ptr[k] = n_r
        f_lo, f_hi = start, n_r
    for k in range(rounds + 1, tiers + 1):
        r_ptr[k] = n_r
    return (
        cost,
        hops,
        tier,
        rank,
        last_arc,
        reached[:n_reached],
        r_ptr[: rounds + 1],
        r_v[:n_r],
        r_u[:n_r],
        r_ru[:n_r],
        r_a[:n_r],
    )


@njit(cache=True, nogil=True)
def along(r_ptr: np.ndarray, r_v: np.ndarray, r_u: np.ndarray, r_a: np.ndarray, values: np.ndarray, n: int):
    """Per node: the sum of ``values`` over the arcs of its best path (0 for the root and the unreached)."""
    acc = np.zeros(n, dtype=np.int64)
    for k in range(1, len(r_ptr)):
        lo, hi = r_ptr[k - 1], r_ptr[k]
        tmp = np.empty(hi - lo, dtype=np.int64)
        for i in range(lo, hi):
            tmp[i - lo] = acc[r_u[i]] + values[r_a[i]]
        for i in range(lo, hi):
            acc[r_v[i]] = tmp[i - lo]
    return acc


@njit(cache=True, nogil=True)
def reset(node: np.ndarray, reached: np.ndarray) -> None:
    """Put a workspace back to its entry state (only the reached nodes were written)."""
    for v in reached:
        node[0, v] = INF
        node[1, v] = -1
        node[2, v] = -1


def warm_up() -> None:
    """Compile (or load the cached machine code of) every kernel on a two-node graph, so the first
    user query does not wait for the compiler (about 6 s on a new machine, 0.5 s from the cache)."""
    node = np.empty((5, 2), dtype=np.int64)
    node[0] = INF
    node[1:3] = -1
    buf = np.empty((10, 2), dtype=np.int64)
    ptr = np.array([0, 1, 1], dtype=np.int64)
    one = np.ones(1, dtype=np.int64)
    out = tiered_search(
        ptr, one, False, one, one, np.ones(1, dtype=bool), np.ones(2, dtype=bool), False, 0, 2, node, buf
    )
    along(out[6], out[7], out[8], out[10], one, 2)
    reset(node, out[5])
