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
    kind: np.ndarray,
    rule: np.ndarray,
    root: int,
    tiers: int,
    pcost: np.ndarray,
    pint: np.ndarray,
    node: np.ndarray,
    buf: np.ndarray,
):
    """The search runs over (node, state) pairs, ``p = node * S + state`` (S = rows of ``rule``):
    the state says how the path arrived (arcs.GROUP_RULE), and an arc of kind k leaves state s for
    ``rule[s, k]`` (-1: not allowed). Workspaces (``traverse.Workspace``), reused across searches:
    ``pcost`` (S*n, INF on entry), ``pint`` rows hops, rank per pair (hops -1 on entry), ``node`` rows
    cost, hops, tier, rank, last_arc, state per node (cost INF, hops -1, tier -1 on entry), ``buf``.

    Returns (cost, hops, tier, rank, last_arc, state, reached, pairs, r_ptr, r_v, r_u, r_ru, r_a).

    Round k's entries (r_ptr[k-1]:r_ptr[k]) are the pairs it improved in rank order (the entry of a
    pair is r_ptr[k-1] + its rank), with the predecessor pair, its rank in round k-1 and the arc.
    Pass 1 walks the frontier in rank order and each predecessor's arcs in the order of the far node's
    id, recording every strict improvement as an event; since candidates arrive in (predecessor rank,
    arc) order, a later candidate of equal cost never wins, and a pair's last event
    (the one with its final cost: its events have falling costs) is its winner.
    Pass 2 emits the winners in event order, which is (predecessor rank, node id, arc): the shortlex
    rank, without a sort. A node's answer is its least (cost, hops, rank) pair. ``reached``: reached
    nodes in the order first reached; ``pairs``: reached pairs.
    """
    n_states = rule.shape[0]
    phops, prank = pint[0], pint[1]
    cost, hops, tier, rank, last_arc, state = node[0], node[1], node[2], node[3], node[4], node[5]
    r0 = root * n_states
    pcost[r0] = 0
    phops[r0] = 0
    prank[r0] = 0
    tier[root] = 0
    # buffers are grown outside the inner loops (a buffer reassigned inside a hot loop costs numba
    # several times the loop's own work)
    reached = buf[0]
    reached[0] = root
    n_reached = 1
    pairs = buf[10]
    pairs[0] = r0
    n_pairs = 1
    r_ptr = np.zeros(tiers + 1, dtype=np.int64)
    r_v, r_u, r_ru, r_a = buf[1], buf[2], buf[3], buf[4]
    r_c = buf[5]  # the entry's cost (a frontier pair may improve again)
    ev_v, ev_a, ev_i, ev_c = buf[6], buf[7], buf[8], buf[9]
    n_r = 0
    f_lo, f_hi = 0, 0  # the frontier: entries of the previous round (the root before round 1)
    rounds = 0
    for k in range(1, tiers + 1):
        n_front = 1 if k == 1 else f_hi - f_lo
        n_ev = 0
        for i in range(n_front):
            if k == 1:
                up, cu = r0, 0
            else:
                up, cu = r_v[f_lo + i], r_c[f_lo + i]
            u = up // n_states
            s = up - u * n_states
            if n_ev + ptr[u + 1] - ptr[u] > len(ev_v):  # room for every arc of u
                ev_v = _grow(ev_v, n_ev + ptr[u + 1] - ptr[u])
                ev_a = _grow(ev_a, len(ev_v))
                ev_i = _grow(ev_i, len(ev_v))
                ev_c = _grow(ev_c, len(ev_v))
            for p in range(ptr[u], ptr[u + 1]):
                a = perm[p] if use_perm else p
                if not mask[a]:
                    continue
                s2 = rule[s, kind[a]]
                if s2 < 0:
                    continue
                v = far[a]
                vp = v * n_states + s2
                c = cu + arc_cost[a]
                if c >= pcost[vp]:
                    continue
                if use_node_ok and not node_ok[v]:
                    continue
                pcost[vp] = c
                ev_v[n_ev] = vp
                ev_a[n_ev] = a
                ev_i[n_ev] = i
                ev_c[n_ev] = c
                n_ev += 1
        if n_ev == 0:
            break
        rounds = k
        start = n_r
        if n_r + n_ev > len(r_v):  # room for every event (a pair enters a round once)
            r_v = _grow(r_v, n_r + n_ev)
            r_u = _grow(r_u, len(r_v))
            r_ru = _grow(r_ru, len(r_v))
            r_a = _grow(r_a, len(r_v))
            r_c = _grow(r_c, len(r_v))
        if n_pairs + n_ev > len(pairs):
            pairs = _grow(pairs, n_pairs + n_ev)
        if n_reached + n_ev > len(reached):
            reached = _grow(reached, n_reached + n_ev)
        for e in range(n_ev):
            vp = ev_v[e]
            if ev_c[e] != pcost[vp]:  # a pair's events have falling costs: its winner has the final one
                continue
            i = ev_i[e]
            if phops[vp] < 0:
                pairs[n_pairs] = vp
                n_pairs += 1
            phops[vp] = k
            prank[vp] = n_r - start
            v = vp // n_states
            if tier[v] < 0:
                tier[v] = k
                reached[n_reached] = v
                n_reached += 1
            r_v[n_r] = vp
            r_u[n_r] = r0 if k == 1 else r_v[f_lo + i]
            r_ru[n_r] = i
            r_a[n_r] = ev_a[e]
            r_c[n_r] = pcost[vp]
            n_r += 1
        r_ptr[k] = n_r
        f_lo, f_hi = start, n_r
    for k in range(rounds + 1, tiers + 1):
        r_ptr[k] = n_r
    # each node's answer: its least (cost, hops, rank) pair
    for j in range(n_pairs):
        vp = pairs[j]
        v = vp // n_states
        c, h, r = pcost[vp], np.int64(phops[vp]), np.int64(prank[vp])
        if hops[v] >= 0 and (
            c > cost[v] or (c == cost[v] and (h > hops[v] or (h == hops[v] and r > rank[v])))
        ):
            continue
        cost[v] = c
        hops[v] = h
        rank[v] = r
        state[v] = vp - v * n_states
        last_arc[v] = r_a[r_ptr[h - 1] + r] if h > 0 else -1
    return (
        cost,
        hops,
        tier,
        rank,
        last_arc,
        state,
        reached[:n_reached],
        pairs[:n_pairs],
        r_ptr[: rounds + 1],
        r_v[:n_r],
        r_u[:n_r],
        r_ru[:n_r],
        r_a[:n_r],
    )


@njit(cache=True, nogil=True)
def along(
    r_ptr: np.ndarray,
    r_ru: np.ndarray,
    r_a: np.ndarray,
    values: np.ndarray,
    hops: np.ndarray,
    rank: np.ndarray,
    reached: np.ndarray,
    n: int,
):
    """Per node: the sum of ``values`` over the arcs of its best path (0 for the root and the unreached);
    summed per round entry (an entry's predecessor is entry r_ptr[k-2] + r_ru of round k-1)."""
    acc = np.zeros(len(r_a), dtype=np.int64)
    for k in range(1, len(r_ptr)):
        for i in range(r_ptr[k - 1], r_ptr[k]):
            acc[i] = values[r_a[i]] + (acc[r_ptr[k - 2] + r_ru[i]] if k > 1 else 0)
    out = np.zeros(n, dtype=np.int64)
    for v in reached:
        if hops[v] > 0:
            out[v] = acc[r_ptr[hops[v] - 1] + rank[v]]
    return out


@njit(cache=True, nogil=True)
def reset(
    pcost: np.ndarray, pint: np.ndarray, node: np.ndarray, reached: np.ndarray, pairs: np.ndarray
) -> None:
    """Put a workspace back to its entry state (only the reached nodes and pairs were written)."""
    for p in pairs:
        pcost[p] = INF
        pint[0, p] = -1
    for v in reached:
        node[0, v] = INF
        node[1, v] = -1
        node[2, v] = -1


def warm_up() -> None:
    """Compile (or load the cached machine code of) every kernel on a two-node graph, so the first
    user query does not wait for the compiler (about 6 s on a new machine, 0.5 s from the cache)."""
    rule = np.zeros((1, 1), dtype=np.int8)
    pcost = np.full(2, INF, dtype=np.int64)
    pint = np.full((2, 2), -1, dtype=np.int32)
    node = np.empty((6, 2), dtype=np.int64)
    node[0] = INF
    node[1:3] = -1
    buf = np.empty((11, 2), dtype=np.int64)
    ptr = np.array([0, 1, 1], dtype=np.int64)
    one = np.ones(1, dtype=np.int64)
    out = tiered_search(
        ptr,
        one,
        False,
        one,
        one,
        np.ones(1, dtype=bool),
        np.ones(2, dtype=bool),
        False,
        np.zeros(1, dtype=np.int8),
        rule,
        0,
        2,
        pcost,
        pint,
        node,
        buf,
    )
    along(out[8], out[11], out[12], one, out[1], out[3], out[6], 2)
    reset(pcost, pint, node, out[6], out[7])
