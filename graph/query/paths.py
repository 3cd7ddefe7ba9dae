"""k cheapest simple chain paths between two entities, bounded (docs/QUERY.md "Paths").

Best-first search over partial simple paths keyed by (cost, hops, node ids): extending a path
never lowers its key, so paths reach the target in the one order, and the first k are the answer.
Paths keep the group rule (arcs.GROUP_RULE): a partial path carries the state its last arc left
it in, and parallel links that leave it in different states are kept apart (one path per node
sequence is answered: the first). Only nodes that can still reach the target within the remaining
hops (without the rule: a lower bound) are expanded; the number of partial paths popped is capped
(MAX_POPS), which bounds the work on dense graphs.
"""

from __future__ import annotations

import heapq

import numpy as np
from tierwatch.graph.query.index import GraphIndex
from tierwatch.graph.query.traverse import NO_RULE, RULE, search

MAX_POPS = 200_000


def k_paths(
    ix: GraphIndex, src: int, dst: int, direction: str, k: int, max_hops: int, mask: np.ndarray
) -> list[tuple[list[int], list[int], int]]:
    """[(nodes, arcs, cost)] best first."""
    back = "downstream" if direction == "upstream" else "upstream"
    to_dst = search(ix, dst, back, max_hops, mask, rule=NO_RULE)  # fewest hops from any node to dst
    if to_dst.hops[src] < 0:
        return []
    dist = np.where(to_dst.tier >= 0, to_dst.tier, max_hops + 1)
    up = direction == "upstream"
    ptr = ix.up_ptr if up else ix.down_ptr
    far = ix.arc_to if up else ix.arc_frm
    out: list[tuple[list[int], list[int], int]] = []
    answered: set[tuple[int, ...]] = set()
    heap: list[tuple[int, int, tuple[int, ...], tuple[int, ...], int]] = [(0, 0, (src,), (), 0)]
    pops = 0
    while heap and len(out) < k and pops < MAX_POPS:
        cost, hops, nodes, arcs, state = heapq.heappop(heap)
        pops += 1
        last = nodes[-1]
        if last == dst:
            if nodes not in answered:
                answered.add(nodes)
                out.append((list(nodes), list(arcs), cost))
            continue
        if hops >= max_hops:
            continue
        # parallel links: only the cheapest (then first) one per next node and state
        best: dict[tuple[int, int], tuple[int, int]] = {}
        for p in range(int(ptr[last]), int(ptr[last + 1])):
            a = p if up else int(ix.down_order[p])
            if not mask[a]:
                continue
            nxt_state = int(RULE[state, ix.arc_kind[a]])
            if nxt_state < 0:
                continue
            nxt = int(far[a])
            if nxt in nodes or hops + 1 + int(dist[nxt]) > max_hops:
                continue
            key = (int(ix.arc_cost[a]), a)
            if (nxt, nxt_state) not in best or key < best[(nxt, nxt_state)]:
                best[(nxt, nxt_state)] = key
        for (nxt, nxt_state), (c, a) in best.items():
            heapq.heappush(heap, (cost + c, hops + 1, (*nodes, nxt), (*arcs, a), nxt_state))
    return out
