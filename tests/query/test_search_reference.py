"""The compiled tiered search against plain-Python statements of the same rules, on random graphs.

The order (docs/QUERY.md "Order, cost, tiers, best paths"): round k offers every (node, state) pair
improved in round k-1 one more link; a pair takes the least (cost, rank of the predecessor's path in
round k-1, arc) candidate when it is strictly cheaper than its best path of fewer links; the pairs a
round improved are ranked by (predecessor rank, node, arc); a node's answer is its least (cost,
hops, rank) pair. The state is how the path arrived (docs/QUERY.md "Group links and tiers"). The
kernel gets that rank without sorting and reuses workspaces between searches: both are checked
here, with ties made likely (few distinct confidences, parallel links, cycles, links both ways).

The group rule is also stated without states (``valid``): split a path's links at its supply
links; within each run no link goes down the group (owner -> owned or operated) while another goes
up (owned -> owner). The search must reach exactly the nodes some valid walk of at most ``tiers``
links reaches, at the least cost of such a walk (``test_search_keeps_the_group_rule``).
"""

from __future__ import annotations

import gc

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from tierwatch.graph.query import TraversalFilter, Viewer
from tierwatch.graph.query.arcs import GROUP_RULE
from tierwatch.graph.query.index import compile_index
from tierwatch.graph.query.paths import k_paths
from tierwatch.graph.query.traverse import along, arc_mask, search

CONFIDENCES = (1.0, 0.5, 0.25, 0.125)
RELS = (
    "SUPPLIES",
    "SUPPLIES",
    "OWNS",
    "OWNS",
    "OPERATES",
    "COVERS",
    "SAME_AS_CANDIDATE",
    "OWNERSHIP_CANDIDATE",
)
ANYONE = Viewer.analyst()
WITH_CANDIDATES = TraversalFilter(include_candidates=True)


def group_move(ix, a: int) -> str:
    """What an arc is to the group rule, read from its edge (not from the index's kinds)."""
    rel = ix.edges[int(ix.arc_edge[a])]["type"]
    if rel == "SAME_AS_CANDIDATE":
        return "same"
    if rel in ("OWNS", "OWNERSHIP_CANDIDATE"):
        return "up" if ix.arc_reverse[a] else "down"
    return "down" if rel == "OPERATES" else "supply"


def valid(ix, arcs: list[int]) -> bool:
    """The group rule without states: within a run between supply links, not both down and up."""
    run: set[str] = set()
    for a in arcs:
        move = group_move(ix, a)
        if move == "supply":
            run = set()
        elif move != "same":
            run.add(move)
            if len(run) > 1:
                return False
    return True


def adjacency(ix, direction: str, mask: np.ndarray) -> dict[int, list[tuple[int, int]]]:
    up = direction == "upstream"
    out: dict[int, list[tuple[int, int]]] = {}  # node -> [(far, arc)] in the traversal direction
    for a in range(len(ix.arc_frm)):
        if not mask[a]:
            continue
        u, v = (int(ix.arc_frm[a]), int(ix.arc_to[a])) if up else (int(ix.arc_to[a]), int(ix.arc_frm[a]))
        out.setdefault(u, []).append((v, a))
    return out


def reference(ix, root: int, direction: str, tiers: int, mask: np.ndarray) -> dict[str, object]:
    out = adjacency(ix, direction, mask)
    table = {"supply": 0, "down": 1, "up": 2, "same": 3}
    start = (root, 0)
    cost = {start: 0}
    hops = {start: 0}
    rank = {start: 0}
    tier = {root: 0}
    entry: dict[tuple[int, tuple[int, int]], tuple[tuple[int, int], int]] = {}  # (round, pair) -> (pred, arc)
    frontier = {start: 0}  # pair -> rank in the previous round
    for k in range(1, tiers + 1):
        best: dict[
            tuple[int, int], tuple[int, int, int, tuple[int, int]]
        ] = {}  # pair -> (cost, ru, arc, pred)
        for (u, s), ru in frontier.items():
            for v, a in out.get(u, ()):
                s2 = GROUP_RULE[s][table[group_move(ix, a)]]
                if s2 < 0:
                    continue
                c = cost[(u, s)] + int(ix.arc_cost[a])
                if c >= cost.get((v, s2), 2**62):
                    continue
                cand = (c, ru, a, (u, s))
                if (v, s2) not in best or cand[:3] < best[(v, s2)][:3]:
                    best[(v, s2)] = cand
        if not best:
            break
        ranked = sorted(best, key=lambda p: (best[p][1], p[0], best[p][2]))
        frontier = {}
        for r, p in enumerate(ranked):
            c, _, a, pred = best[p]
            cost[p], hops[p], rank[p] = c, k, r
            tier.setdefault(p[0], k)
            entry[(k, p)] = (pred, a)
            frontier[p] = r
        # costs of this round are visible only from the next round on (as in the kernel)

    answer = {}  # node -> its least (cost, hops, rank) pair
    for p in cost:
        if p[0] not in answer or (cost[p], hops[p], rank[p]) < tuple(
            d[answer[p[0]]] for d in (cost, hops, rank)
        ):
            answer[p[0]] = p

    def path(v: int) -> tuple[list[int], list[int]]:
        p = answer[v]
        nodes, arcs, k = [v], [], hops[p]
        while k > 0:
            p, a = entry[(k, p)]
            nodes.append(p[0])
            arcs.append(a)
            k -= 1
        return nodes[::-1], arcs[::-1]

    order = sorted(answer, key=lambda v: (cost[answer[v]], hops[answer[v]], rank[answer[v]]))
    return {
        "cost": {v: cost[p] for v, p in answer.items()},
        "hops": {v: hops[p] for v, p in answer.items()},
        "rank": {v: rank[p] for v, p in answer.items()},
        "tier": tier,
        "order": order,
        "path": path,
    }


def graphs(max_n: int, max_links: int, max_tiers: int):
    return st.integers(min_value=2, max_value=max_n).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(
                    st.integers(0, n - 1),
                    st.integers(0, n - 1),
                    st.sampled_from(RELS),
                    st.sampled_from(CONFIDENCES),
                ),
                min_size=1,
                max_size=max_links,
            ),
            st.integers(0, n - 1),
            st.integers(1, max_tiers),
        )
    )


def index_of(n: int, links):
    nodes = [{"id": f"n{i:02d}", "type": "Company"} for i in range(n)]
    edges = [
        {"id": f"e{j:03d}", "type": rel, "src": f"n{s:02d}", "dst": f"n{d:02d}", "confidence": conf}
        for j, (s, d, rel, conf) in enumerate(links)
        if not (s == d and rel == "SAME_AS_CANDIDATE")
    ]
    return compile_index(nodes, edges)


@settings(max_examples=300, deadline=None)
@given(graphs(14, 40, 8), st.sampled_from(("upstream", "downstream")))
def test_kernel_matches_the_stated_rule(graph, direction):
    n, links, root, tiers = graph
    ix = index_of(n, links)
    mask = arc_mask(ix, WITH_CANDIDATES, ANYONE)
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


def valid_walks(ix, root: int, direction: str, tiers: int, mask: np.ndarray) -> dict[int, tuple[int, int]]:
    """node -> (least cost, fewest links) over the valid walks of at most ``tiers`` links, by enumeration."""
    out = adjacency(ix, direction, mask)
    best: dict[int, tuple[int, int]] = {root: (0, 0)}

    def walk(u: int, arcs: list[int], cost: int) -> None:
        if len(arcs) == tiers:
            return
        for v, a in out.get(u, ()):
            step = [*arcs, a]
            if not valid(ix, step):
                continue
            c = cost + int(ix.arc_cost[a])
            old = best.get(v, (2**62, 99))
            best[v] = (min(old[0], c), min(old[1], len(step)))
            walk(v, step, c)

    walk(root, [], 0)
    return best


@settings(max_examples=300, deadline=None)
@given(graphs(8, 14, 5), st.sampled_from(("upstream", "downstream")))
def test_search_keeps_the_group_rule(graph, direction):
    n, links, root, tiers = graph
    ix = index_of(n, links)
    mask = arc_mask(ix, WITH_CANDIDATES, ANYONE)
    want = valid_walks(ix, root, direction, tiers, mask)
    got = search(ix, root, direction, tiers, mask)
    assert sorted(got.reached.tolist()) == sorted(want)
    for v, (cost, fewest) in want.items():
        assert int(got.cost[v]) == cost and int(got.tier[v]) == fewest
        nodes, arcs = got.path(v)
        assert valid(ix, arcs) and nodes[0] == root and nodes[-1] == v
        assert sum(int(ix.arc_cost[a]) for a in arcs) == cost
    # k shortest paths keep it too: every path found is valid, simple, and none is missed
    for dst in range(n):
        found = k_paths(ix, root, dst, direction, 50, tiers, mask)
        if dst == root:
            continue
        assert bool(found) == (dst in want)
        for nodes, arcs, cost in found:
            assert valid(ix, arcs) and len(set(nodes)) == len(nodes)
            assert cost == sum(int(ix.arc_cost[a]) for a in arcs)
        if found:
            assert found[0][2] >= want[dst][0]


def test_a_joint_venture_does_not_make_its_co_owners_suppliers():
    """GM -> Ultium Cells <- LG Energy Solution -> L-H Battery <- Honda -> its Ohio plant (the demo's
    detour in small): up the group after down is refused; GM's own supply is kept."""
    nodes = [
        {"id": i, "type": "Company"}
        for i in ("gm", "ultium", "lges", "lh", "honda", "plant", "cell-maker", "lg-chem", "lges-smelter")
    ]
    edges = [
        {"id": "o1", "type": "OWNS", "src": "gm", "dst": "ultium", "confidence": 0.9},
        {"id": "o2", "type": "OWNS", "src": "lges", "dst": "ultium", "confidence": 0.9},
        {"id": "o3", "type": "OWNS", "src": "lges", "dst": "lh", "confidence": 0.9},
        {"id": "o4", "type": "OWNS", "src": "honda", "dst": "lh", "confidence": 0.9},
        {"id": "o5", "type": "OPERATES", "src": "honda", "dst": "plant", "confidence": 0.9},
        {"id": "o6", "type": "OWNS", "src": "lg-chem", "dst": "lges", "confidence": 0.9},
        {"id": "s1", "type": "SUPPLIES", "src": "cell-maker", "dst": "ultium", "confidence": 0.9},
        {"id": "s2", "type": "SUPPLIES", "src": "lges", "dst": "gm", "confidence": 0.9},
        {"id": "s3", "type": "SUPPLIES", "src": "lges-smelter", "dst": "lges", "confidence": 0.9},
    ]
    ix = compile_index(nodes, edges)
    mask = arc_mask(ix, TraversalFilter(), ANYONE)
    reach = search(ix, ix.pos["gm"], "upstream", 8, mask)
    got = {str(ix.ids[v]) for v in reach.reached}
    # GM's JV's supplier; GM's supplier LGES, its supplier and its parent (a subsidiary sells what its
    # group supplies); LGES's own JV L-H Battery (down from a supplier)
    assert got == {"gm", "ultium", "cell-maker", "lges", "lges-smelter", "lg-chem", "lh"}
    # downstream from the plant: Honda operates it, nothing further (Honda's JV is not its customer)
    down = search(ix, ix.pos["plant"], "downstream", 8, mask)
    assert {str(ix.ids[v]) for v in down.reached} == {"plant", "honda"}
