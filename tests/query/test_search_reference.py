"""The compiled tiered search against a plain-Python statement of the same rule, on random graphs.

The rule (docs/QUERY.md "Order, cost, tiers, best paths"): round k offers every node improved in
round k-1 one more link; a node takes the least (cost, rank of the predecessor's path in round
k-1, arc) candidate when it is strictly cheaper than its best path of fewer links; the nodes a
round improved are ranked by (predecessor rank, node). The kernel gets that rank without sorting
and reuses workspaces between searches: both are checked here, with ties made likely (few
distinct confidences, parallel links, cycles, links in both directions).
"""

from __future__ import annotations

import gc

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from tierwatch.graph.query import TraversalFilter, Viewer
from tierwatch.graph.query.index import compile_index
from tierwatch.graph.query.traverse import along, arc_mask, search

CONFIDENCES = (1.0, 0.5, 0.25, 0.125)


def reference(ix, root: int, direction: str, tiers: int, mask: np.ndarray) -> dict[str, object]:
    up = direction == "upstream"
    out: dict[int, list[tuple[int, int]]] = {}  # node -> [(far, arc)] in the traversal direction
    for a in range(len(ix.arc_frm)):
        if not mask[a]:
            continue
        u, v = (int(ix.arc_frm[a]), int(ix.arc_to[a])) if up else (int(ix.arc_to[a]), int(ix.arc_frm[a]))
        out.setdefault(u, []).append((v, a))
    cost = {root: 0}
    hops = {root: 0}
    tier = {root: 0}
    rank = {root: 0}
    entry: dict[tuple[int, int], tuple[int, int]] = {}  # (round, node) -> (predecessor, arc)
    frontier = {root: 0}  # node -> rank in the previous round
    for k in range(1, tiers + 1):
        best: dict[int, tuple[int, int, int, int]] = {}  # v -> (cost, ru, arc, u)
        for u, ru in frontier.items():
            for v, a in out.get(u, ()):
                c = cost[u] + int(ix.arc_cost[a])
                if c >= cost.get(v, 2**62):
                    continue
                cand = (c, ru, a, u)
                if v not in best or cand[:3] < best[v][:3]:
                    best[v] = cand
        if not best:
            break
        ranked = sorted(best, key=lambda v: (best[v][1], v))
        frontier = {}
        for r, v in enumerate(ranked):
            c, _, a, u = best[v]
            cost[v], hops[v], rank[v] = c, k, r
            tier.setdefault(v, k)
            entry[(k, v)] = (u, a)
            frontier[v] = r
        # costs of this round are visible only from the next round on (as in the kernel)

    def path(v: int) -> tuple[list[int], list[int]]:
        nodes, arcs, k = [v], [], hops[v]
        while k > 0:
            u, a = entry[(k, v)]
            nodes.append(u)
            arcs.append(a)
            v, k = u, k - 1
        return nodes[::-1], arcs[::-1]

    order = sorted(cost, key=lambda v: (cost[v], hops[v], rank[v]))
    return {"cost": cost, "hops": hops, "tier": tier, "rank": rank, "order": order, "path": path}


graphs = st.integers(min_value=2, max_value=14).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.sampled_from(("SUPPLIES", "SUPPLIES", "OWNS", "COVERS")),
                st.sampled_from(CONFIDENCES),
            ),
            min_size=1,
            max_size=40,
        ),
        st.integers(0, n - 1),
        st.integers(1, 8),
    )
)


@settings(max_examples=300, deadline=None)
@given(graphs, st.sampled_from(("upstream", "downstream")))
def test_kernel_matches_the_stated_rule(graph, direction):
    n, links, root, tiers = graph
    nodes = [{"id": f"n{i:02d}", "type": "Company"} for i in range(n)]
    edges = [
        {"id": f"e{j:03d}", "type": rel, "src": f"n{s:02d}", "dst": f"n{d:02d}", "confidence": conf}
        for j, (s, d, rel, conf) in enumerate(links)
    ]
    ix = compile_index(nodes, edges)
    mask = arc_mask(ix, TraversalFilter(), Viewer.analyst())
    want = reference(ix, root, direction, tiers, mask)
    for _ in range(2):  # the second search runs on a reused workspace
        got = search(ix, root, direction, tiers, mask)
        assert got.order.tolist() == want["order"]
        for v in want["order"]:
            assert int(got.cost[v]) == want["cost"][v]
            assert int(got.hops[v]) == want["hops"][v]
            assert int(got.tier[v]) == want["tier"][v]
            assert int(got.rank[v]) == want["rank"][v]
            assert got.path(v) == want["path"](v)
        unreached = sorted(set(range(n)) - set(want["order"]))
        assert (got.hops[unreached] == -1).all() and (got.tier[unreached] == -1).all()
        links_on_path = along(got, np.ones(len(ix.arc_frm), dtype=np.int64))
        assert [int(links_on_path[v]) for v in want["order"]] == [want["hops"][v] for v in want["order"]]
        del got
        gc.collect()
