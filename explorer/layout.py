"""Server-side layout of a neighbourhood: tiers left to right (default), chain-step layers, or rings.

All are deterministic and O(n log n), so a 1,000-node neighbourhood lays out in milliseconds and
the browser draws fixed positions (no physics). Large fan-outs are first folded into group nodes
(explorer.grouping). The payload is compact: nodes as short arrays, edges as index tuples with a
style code and a width, coordinates rounded to integers.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tierwatch.explorer.labels import place_labels
from tierwatch.explorer.style import RISK_COLOURS, TYPE_SHAPES, TYPE_TIER, primary_risk

RING_GAP = 220.0
LAYER_GAP = 260.0
ROW_GAP = 26.0


@dataclass
class ViewNode:
    id: str
    type: str
    label: str
    risks: list[str] = field(default_factory=list)
    depth: int = 0
    more: int = 0  # for an "and N more" handle: how many are behind it
    parent: str | None = None  # the node it was reached from (tree layout)
    side: int = 1  # +1 reached upstream of the centre (drawn right), -1 downstream (drawn left)
    country: str | None = None
    members: int = 0  # for a group node: how many entities it stands for
    with_findings: int = 0  # for a group node: how many of them carry a finding for this viewer


@dataclass
class ViewEdge:
    src: str
    dst: str
    type: str
    dashed: bool = False  # candidates, inferred links
    status: str | None = None  # SUPPLIES status: declared, confirmed, reported, not_realised
    methods: tuple[str, ...] = ()
    confidence: float = 1.0
    link_id: str | None = None
    count: int = 1  # for a link to a group node: how many links it stands for


#: Link style codes drawn by graph_component.js (dash pattern and colour), with their legend text.
LINK_STYLES: dict[int, tuple[str, str]] = {
    0: ("declared", "declared by a party (solid)"),
    1: ("confirmed", "confirmed or reviewed (solid, dark)"),
    2: ("reported", "reported by a third party (long dashes)"),
    3: ("candidate", "candidate, not confirmed (short dashes)"),
    4: ("text mention", "text mention or inferred (dots)"),
    5: ("group", "links to a group (thick, grey)"),
}


def link_style(edge: ViewEdge) -> int:
    """The style code of a link: candidate and inferred first, then its status, then its methods."""
    if edge.count > 1:
        return 5
    methods = set(edge.methods)
    if edge.dashed or edge.status == "candidate":
        return 3
    if methods & {"text_mention", "inferred"}:
        return 4
    if edge.status == "reported":
        return 2
    if edge.status == "confirmed" or "reviewed" in methods:
        return 1
    return 0


def _bfs_tree(
    focus: Sequence[str], nodes: dict[str, ViewNode], edges: Iterable[ViewEdge]
) -> dict[str, list[str]]:
    """Children of each node in a BFS tree from the focus nodes (parents given by ViewNode.parent win)."""
    adj: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        if e.src in nodes and e.dst in nodes:
            adj[e.src].append(e.dst)
            adj[e.dst].append(e.src)
    children: dict[str, list[str]] = defaultdict(list)
    seen = set(focus)
    queue = deque(focus)
    for f in focus:
        nodes[f].depth = 0
    # explicit parents ("more" handles) first so they sit beside the node they belong to
    while queue:
        cur = queue.popleft()
        for nxt in sorted(adj[cur], key=lambda i: (TYPE_TIER.get(nodes[i].type, 9), nodes[i].label)):
            if nxt in seen:
                continue
            seen.add(nxt)
            nodes[nxt].depth = nodes[cur].depth + 1
            children[cur].append(nxt)
            queue.append(nxt)
    # unreached nodes (disconnected within the view) hang off the first focus node
    for nid, node in nodes.items():
        if nid not in seen:
            seen.add(nid)
            parent = node.parent if node.parent in nodes else focus[0]
            node.depth = nodes[parent].depth + 1
            children[parent].append(nid)
    return children


def layout_rings(
    focus: Sequence[str], nodes: dict[str, ViewNode], edges: list[ViewEdge]
) -> dict[str, tuple[float, float]]:
    """Radial tree: the focus at the centre, tier-n neighbours on ring n, each subtree in its own sector."""
    if not nodes:
        return {}
    focus = [f for f in focus if f in nodes] or [next(iter(nodes))]
    children = _bfs_tree(focus, nodes, edges)
    leaves: dict[str, int] = {}

    def count(nid: str) -> int:
        stack = [(nid, False)]
        while stack:
            cur, done = stack.pop()
            if done:
                leaves[cur] = max(1, sum(leaves[c] for c in children.get(cur, ())))
            else:
                stack.append((cur, True))
                stack.extend((c, False) for c in children.get(cur, ()))
        return leaves[nid]

    total = sum(count(f) for f in focus)
    pos: dict[str, tuple[float, float]] = {}
    # the focus nodes: one at the centre, several on a small inner ring
    start = 0.0
    stack: list[tuple[str, float, float]] = []
    for f in focus:
        span = 2 * math.pi * leaves[f] / total
        stack.append((f, start, start + span))
        start += span
    ring: dict[int, int] = defaultdict(int)
    for nid in nodes:
        ring[nodes[nid].depth] += 1
    while stack:
        nid, a0, a1 = stack.pop()
        depth = nodes[nid].depth
        if depth == 0:
            if len(focus) == 1:
                pos[nid] = (0.0, 0.0)
            else:
                mid = (a0 + a1) / 2
                pos[nid] = (60 * math.cos(mid), 60 * math.sin(mid))
        else:
            # rings grow when crowded so neighbours do not overlap (>= ~14 units of arc each)
            radius = max(RING_GAP * depth, ring[depth] * 14.0 / (2 * math.pi))
            mid = (a0 + a1) / 2
            pos[nid] = (radius * math.cos(mid), radius * math.sin(mid))
        kids = children.get(nid, ())
        if kids:
            span = (a1 - a0) / leaves[nid]
            a = a0
            for c in kids:
                width = span * leaves[c]
                stack.append((c, a, a + width))
                a += width
    return pos


def layout_layers(
    focus: Sequence[str], nodes: dict[str, ViewNode], edges: list[ViewEdge]
) -> dict[str, tuple[float, float]]:
    """Layers by supply-chain tier (buyer left, mine right), rows ordered by their neighbours' rows."""
    if not nodes:
        return {}
    focus = [f for f in focus if f in nodes] or [next(iter(nodes))]
    _bfs_tree(focus, nodes, edges)  # sets depth for "more" handles and ordering
    layers: dict[int, list[str]] = defaultdict(list)
    for nid, node in nodes.items():
        tier = TYPE_TIER.get(node.type)
        if tier is None and node.parent in nodes:
            tier = TYPE_TIER.get(nodes[node.parent].type, 6) + 1
        layers[tier if tier is not None else 6].append(nid)
    adj: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        if e.src in nodes and e.dst in nodes:
            adj[e.src].append(e.dst)
            adj[e.dst].append(e.src)
    for nid, node in nodes.items():
        if node.more and node.parent in nodes:
            adj[nid].append(node.parent)
    row: dict[str, float] = {}
    pos: dict[str, tuple[float, float]] = {}
    for idx, tier in enumerate(sorted(layers)):
        members = layers[tier]

        def key(nid: str) -> tuple[float, str]:
            placed = [row[m] for m in adj[nid] if m in row]
            return ((sum(placed) / len(placed)) if placed else 1e9, nodes[nid].label)

        members.sort(key=key)
        n = len(members)
        # a long layer wraps into several columns so the picture stays roughly square
        cols = max(1, math.ceil(n / 60))
        for i, nid in enumerate(members):
            r, c = divmod(i, cols)
            row[nid] = float(i)
            rows = math.ceil(n / cols)
            pos[nid] = (idx * LAYER_GAP + c * 80.0, (r - rows / 2) * ROW_GAP)
    return pos


def layout_tiers(
    focus: Sequence[str], nodes: dict[str, ViewNode], edges: list[ViewEdge]
) -> dict[str, tuple[float, float]]:
    """Tiers left to right: the centre in column 0, tier-n upstream nodes in column n (right),
    downstream ones in column -n (left); rows follow the parent's row so each branch stays together,
    nodes with findings first within a branch. Depths come from ``ViewNode.depth`` (the tree)."""
    if not nodes:
        return {}
    focus = [f for f in focus if f in nodes] or [next(iter(nodes))]
    if len(nodes) > 1 and all(n.depth == 0 for n in nodes.values()):
        _bfs_tree(focus, nodes, edges)  # not grouped (explorer.grouping sets depths): a BFS tree
    columns: dict[int, list[str]] = defaultdict(list)
    for nid, node in nodes.items():
        columns[0 if nid in focus[:1] else node.side * max(1, node.depth)].append(nid)
    row: dict[str, float] = {}
    pos: dict[str, tuple[float, float]] = {}
    order = sorted(columns, key=lambda c: (abs(c), c))
    for col in order:
        members = columns[col]
        members.sort(
            key=lambda nid: (
                row.get(nodes[nid].parent or "", 0.0),
                0 if nodes[nid].more == 0 else 1,
                0 if nodes[nid].risks else 1,
                -nodes[nid].members,
                nodes[nid].label,
            )
        )
        n = len(members)
        sub = max(1, math.ceil(n / 40))  # a long column wraps into sub-columns
        rows = math.ceil(n / sub)
        for i, nid in enumerate(members):
            r, c = divmod(i, sub)
            row[nid] = float(i)
            x = col * LAYER_GAP + (c * 70.0 if col >= 0 else -c * 70.0)
            pos[nid] = (x, (r - (rows - 1) / 2) * ROW_GAP * (1.4 if n <= 20 else 1.0))
    return pos


LAYOUTS = {"tiers": layout_tiers, "rings": layout_rings, "layers": layout_layers}
_COLOUR_KEYS = list(RISK_COLOURS)


def payload(
    focus: Sequence[str],
    nodes: dict[str, ViewNode],
    edges: list[ViewEdge],
    layout: str = "tiers",
    selected: str | None = None,
    height: int = 620,
    title: str = "network",
    highlight: Sequence[str] = (),
) -> dict[str, Any]:
    """The compact JSON the graph component draws.

    Nodes: ``[id, label, x, y, shape, colour index, radius, flags, drawn label?]`` with flags 1 = focus,
    2 = "and N more" handle, 8 = group node, 16 = on the highlighted path, 32 = label drawn (placed by
    explorer.labels so that no two drawn labels overlap; the drawn text follows when it is shortened).
    ``vb`` is the view box and ``fs`` the label font size the labels were placed for. Edges: ``[i, j, style,
    width x10, on the highlighted path]`` (style codes in ``LINK_STYLES``; width grows with confidence).
    """
    pos = LAYOUTS[layout](list(focus), nodes, edges)
    index: dict[str, int] = {}
    out_nodes: list[list[Any]] = []
    focus_set = set(focus)
    lit = set(highlight)
    for nid, node in nodes.items():
        x, y = pos.get(nid, (0.0, 0.0))
        index[nid] = len(out_nodes)
        flags = (
            (1 if nid in focus_set else 0)
            | (2 if node.more else 0)
            | (8 if node.members else 0)
            | (16 if nid in lit else 0)
        )
        shape = TYPE_SHAPES.get("more" if node.more else node.type, ("circle", ""))[0]
        label = node.label if len(node.label) <= 60 else node.label[:58] + "…"
        radius = 11 if nid in focus_set else 7
        if node.members:
            radius = round(8 + 2.5 * math.log2(max(2, node.members)))
        out_nodes.append(
            [
                nid,
                label,
                round(x),
                round(y),
                shape,
                _COLOUR_KEYS.index(primary_risk(node.risks)),
                radius,
                flags,
            ]
        )
    path_pairs = {(a, b) for a, b in itertools.pairwise(highlight)}
    path_pairs |= {(b, a) for a, b in path_pairs}
    out_edges = [
        [
            index[e.src],
            index[e.dst],
            link_style(e),
            max(4, min(40, round(10 * (0.4 + 1.6 * e.confidence)))),
            1 if (e.src, e.dst) in path_pairs else 0,
        ]
        for e in edges
        if e.src in index and e.dst in index
    ]
    for nid, node in nodes.items():
        if node.more and node.parent in index:
            out_edges.append([index[node.parent], index[nid], 3, 6, 0])
    placed = place_labels(out_nodes, lr=layout != "rings", selected=selected)
    return {
        **placed,
        "n": out_nodes,
        "e": out_edges,
        "colours": [RISK_COLOURS[k][0] for k in _COLOUR_KEYS],
        "sel": selected,
        "h": height,
        "title": title,
        "lr": layout != "rings",
    }
