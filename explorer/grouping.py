"""Large fan-outs folded into group nodes, so a node with hundreds of suppliers reads as a few groups.

The network view's nodes form a tree (each hangs on its best path from the centre, ``ViewNode.parent``).
Walking it from the centre, the children of one drawn node are grouped when there are more than
``over`` of them: siblings of one type, country and side become one group node ("182 companies in
China, 12 with findings"). A group's members' own children hang off the group and are grouped in
turn. A group the user opened (its id in ``open_groups``) is drawn member by member. Links between
drawn nodes that are not tree links are kept (between the groups that hold their ends).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from tierwatch.explorer.geo import country_name
from tierwatch.explorer.layout import ViewEdge, ViewNode
from tierwatch.explorer.style import TYPE_NAMES

GROUP_PREFIX = "group:"
GROUP_OVER = 12  # more children than this under one node: siblings are grouped
MIN_GROUP = 3  # a group stands for at least this many entities


@dataclass
class Grouped:
    nodes: dict[str, ViewNode]
    edges: list[ViewEdge]
    display_of: dict[str, str] = field(default_factory=dict)  # entity id -> drawn id (itself or a group)
    members: dict[str, list[str]] = field(default_factory=dict)  # group id -> entity ids, as drawn order


def plural(type_name: str, n: int) -> str:
    """ "company" -> "companies", "smelter / refiner" -> "smelters / refiners" (n != 1)."""
    text = TYPE_NAMES.get(type_name, type_name)
    return text if n == 1 else " / ".join(plural_word(w) for w in text.split(" / "))


def plural_word(word: str) -> str:
    if word.endswith("y") and not word.endswith(("ey", "ay")):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def group_label(type_name: str, country: str, n: int, with_findings: int) -> str:
    """Two lines: "182 companies" / "in China · 12 with findings" (the drawing splits at the newline)."""
    where = f"in {country_name(country)}" if country else "no country given"
    return f"{n} {plural(type_name, n)}\n{where} · {with_findings} with findings"


def group_fanouts(
    root: str,
    nodes: dict[str, ViewNode],
    edges: Sequence[ViewEdge],
    open_groups: Iterable[str] = (),
    over: int = GROUP_OVER,
) -> Grouped:
    """The drawn graph: ``nodes`` with large sibling sets folded into group nodes (see module doc)."""
    opened = set(open_groups)
    children: dict[str, list[str]] = defaultdict(list)
    for nid, node in nodes.items():
        if nid == root:
            continue
        parent = node.parent if node.parent in nodes and node.parent != nid else root
        children[parent].append(nid)
    tree_edge: dict[tuple[str, str], ViewEdge] = {}
    for e in edges:
        tree_edge[(e.src, e.dst)] = e
        tree_edge[(e.dst, e.src)] = e
    out = Grouped({root: replace(nodes[root], depth=0, parent=None)}, [], {root: root})
    queue: deque[tuple[str, list[str]]] = deque([(root, [root])])
    while queue:
        did, mems = queue.popleft()
        depth = out.nodes[did].depth + 1
        kids = [(m, k) for m in mems for k in children.get(m, ())]
        buckets: dict[tuple[str, str, int], list[tuple[str, str]]] = defaultdict(list)
        if len(kids) > over:
            for m, k in kids:
                n = nodes[k]
                if not n.more:
                    buckets[(n.type, n.country or "", n.side)].append((m, k))
        grouped: set[str] = set()
        for (typ, ctry, side), pairs in sorted(buckets.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            gid = f"{GROUP_PREFIX}{did}|{typ}|{ctry}|{side}"
            if len(pairs) < MIN_GROUP or gid in opened:
                continue
            ids = [k for _, k in pairs]
            risks = sorted({r for k in ids for r in nodes[k].risks})
            with_findings = sum(1 for k in ids if nodes[k].risks)
            out.nodes[gid] = ViewNode(
                gid,
                typ,
                group_label(typ, ctry, len(ids), with_findings),
                risks=risks,
                depth=depth,
                parent=did,
                side=side,
                country=ctry or None,
                members=len(ids),
                with_findings=with_findings,
            )
            links = [tree_edge[(m, k)] for m, k in pairs if (m, k) in tree_edge]
            out.edges.append(
                ViewEdge(
                    did,
                    gid,
                    links[0].type if links else "",
                    confidence=max((e.confidence for e in links), default=1.0),
                    count=len(ids),
                )
            )
            out.members[gid] = ids
            for k in ids:
                out.display_of[k] = gid
            grouped.update(ids)
            queue.append((gid, ids))
        for m, k in kids:
            if k in grouped:
                continue
            out.nodes[k] = replace(nodes[k], depth=depth, parent=did)
            out.display_of[k] = k
            link = tree_edge.get((m, k))
            out.edges.append(replace(link, src=did, dst=k) if link else ViewEdge(did, k, "", dashed=True))
            queue.append((k, [k]))
    seen = {(e.src, e.dst) for e in out.edges} | {(e.dst, e.src) for e in out.edges}
    for e in edges:  # links that are not tree links, between whatever holds their ends
        a, b = out.display_of.get(e.src), out.display_of.get(e.dst)
        if a and b and a != b and (a, b) not in seen:
            seen.add((a, b))
            seen.add((b, a))
            out.edges.append(replace(e, src=a, dst=b))
    return out


def path_to(nodes: dict[str, ViewNode], node: str) -> list[str]:
    """Ids from the centre to ``node`` following ``ViewNode.parent`` (empty when it is not in ``nodes``);
    works on the view's entities and on the drawn graph alike."""
    path: list[str] = []
    cur: str | None = node
    while cur is not None and cur in nodes and cur not in path:
        path.append(cur)
        cur = nodes[cur].parent
    return path[::-1]
