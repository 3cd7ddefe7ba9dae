"""The network view's model: a bounded tier-n neighbourhood from the query layer, expandable by click.

Built only from ``QueryService`` answers (upstream / downstream traversals and their best paths,
exposure hits for risk colours), never from the store. Bounded: at most ``max_nodes`` nodes; what
does not fit becomes an "and N more" handle that expands when clicked.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tierwatch.explorer.layout import ViewEdge, ViewNode
from tierwatch.explorer.risk import own_risks
from tierwatch.graph.query.models import EntityRef, Link, TraversalResult
from tierwatch.graph.query.service import MAX_PAGE, Page, QueryService, TraversalFilter, Viewer

Direction = Literal["upstream", "downstream", "both"]
MAX_NODES = 1000
MORE_PREFIX = "more:"
ROOT_BUDGET = 500  # hits loaded around the centre at first (grouping keeps them readable)
CANDIDATE_LINKS = ("SAME_AS_CANDIDATE", "OWNERSHIP_CANDIDATE")


def commodity_choices() -> list[str]:
    """Commodity ids of the reference vocabulary (metals and minerals first)."""
    path = Path(__file__).resolve().parents[1] / "ingest" / "vocab" / "commodities.toml"
    try:
        vocab = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return ["cobalt", "lithium", "nickel", "graphite", "tin", "tantalum", "tungsten", "gold"]
    order = {"metal": 0, "mineral": 1, "good": 2}
    return [k for k, _ in sorted(vocab.items(), key=lambda kv: (order.get(kv[1].get("kind", ""), 3), kv[0]))]


@dataclass
class NetworkQuery:
    root: str
    direction: Direction = "upstream"
    tiers: int = 2
    filters: TraversalFilter = field(default_factory=TraversalFilter)
    risk_categories: tuple[str, ...] = ()
    expanded: tuple[str, ...] = ()  # nodes the user clicked open
    budgets: tuple[tuple[str, int], ...] = ()  # per root/expanded node: how many hits to load
    max_nodes: int = MAX_NODES


@dataclass
class NetworkView:
    root: EntityRef
    nodes: dict[str, ViewNode]
    edges: list[ViewEdge]
    hidden: int = 0  # entities reached but not drawn (behind "and N more" handles)
    withheld: int = 0
    by_tier: dict[int, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    refs: dict[str, EntityRef] = field(default_factory=dict)
    link_ids: set[str] = field(default_factory=set)
    links: dict[str, Link] = field(default_factory=dict)  # drawn links by id, with their evidence


def _merge_tiers(into: dict[int, int], more: dict[int, int]) -> None:
    for k, v in more.items():
        into[int(k)] = into.get(int(k), 0) + v


def _traverse(
    svc: QueryService,
    viewer: Viewer,
    node: str,
    direction: Direction,
    tiers: int,
    flt: TraversalFilter,
    limit: int,
) -> list[TraversalResult]:
    page = Page(limit=max(1, min(limit, MAX_PAGE)))
    out = []
    if direction in ("upstream", "both"):
        out.append(svc.upstream(node, viewer, tiers=tiers, filters=flt, page=page))
    if direction in ("downstream", "both"):
        out.append(svc.downstream(node, viewer, tiers=tiers, filters=flt, page=page))
    return out


def build(svc: QueryService, viewer: Viewer, q: NetworkQuery) -> NetworkView:
    """The neighbourhood of ``q.root`` (``q.tiers`` links each way asked), plus one tier around each
    expanded node, bounded by ``q.max_nodes``."""
    detail = svc.entity(q.root, viewer)
    root_ref = detail.entity
    nodes: dict[str, ViewNode] = {
        root_ref.id: ViewNode(root_ref.id, root_ref.type, root_ref.name or root_ref.id)
    }
    refs: dict[str, EntityRef] = {root_ref.id: root_ref}
    edges: dict[tuple[str, str], ViewEdge] = {}
    link_ids: set[str] = set()
    budgets = dict(q.budgets)
    view = NetworkView(root_ref, nodes, [], refs=refs, link_ids=link_ids)
    withheld = 0

    def room() -> int:
        return q.max_nodes - len(nodes)

    def add_result(result: TraversalResult, anchor: str) -> None:
        nonlocal withheld
        withheld += result.withheld.total
        _merge_tiers(view.by_tier, result.by_tier) if anchor == root_ref.id else None
        not_drawn = 0
        for hit in result.hits:
            refs.setdefault(hit.entity.id, hit.entity)
            path = hit.path
            needed = [n for n in path.nodes if n not in nodes]
            if len(needed) > room():
                not_drawn += 1
                continue
            prev = None
            for i, nid in enumerate(path.nodes):
                if nid not in nodes:
                    ref = refs.get(nid)
                    nodes[nid] = ViewNode(
                        nid,
                        ref.type if ref else _type_guess(nid),
                        (ref.name if ref and ref.name else nid),
                        parent=prev,
                        side=1 if result.direction == "upstream" else -1,
                        country=ref.country if ref else None,
                    )
                if i > 0:
                    link = path.links[i - 1]
                    link_ids.add(link.id)
                    pair = (link.src, link.dst)
                    if pair not in edges and (pair[1], pair[0]) not in edges:
                        edges[pair] = ViewEdge(
                            link.src,
                            link.dst,
                            link.type,
                            dashed=link.candidate or link.type in CANDIDATE_LINKS,
                            status=link.status,
                            methods=tuple(link.methods),
                            confidence=link.confidence,
                            link_id=link.id,
                        )
                        view.links[link.id] = link
                prev = nid
        hidden = result.more + not_drawn
        if hidden > 0:
            handle = f"{MORE_PREFIX}{anchor}:{result.direction}"
            if handle in nodes:
                nodes[handle].more += hidden
                nodes[handle].label = f"and {nodes[handle].more} more"
            else:
                nodes[handle] = ViewNode(handle, "more", f"and {hidden} more", more=hidden, parent=anchor)
            view.hidden += hidden

    root_limit = budgets.get(root_ref.id, ROOT_BUDGET)
    for result in _traverse(svc, viewer, root_ref.id, q.direction, q.tiers, q.filters, root_limit):
        add_result(result, root_ref.id)
    for node in q.expanded:
        if node.startswith(MORE_PREFIX) or node == root_ref.id or room() <= 0:
            continue
        try:
            results = _traverse(svc, viewer, node, "both", 1, q.filters, budgets.get(node, 50))
        except Exception:  # an expanded node that vanished after an ingest is skipped
            view.notes.append(f"{node} could not be expanded (no longer visible).")
            continue
        if node not in nodes:
            continue
        for result in results:
            add_result(result, node)
    view.edges = list(edges.values())
    view.withheld = withheld
    return view


def _type_guess(entity_id: str) -> str:
    prefix = entity_id.split(":", 1)[0]
    return {"country": "Country", "region": "Region", "commodity": "Commodity"}.get(prefix, "Company")


def colour_by_risk(svc: QueryService, viewer: Viewer, view: NetworkView) -> dict[str, set[str]]:
    """Risk categories per drawn node (explorer.risk.own_risks), the same for every direction."""
    cats = own_risks(svc, viewer, [nid for nid, node in view.nodes.items() if not node.more])
    for nid, node in view.nodes.items():
        node.risks = sorted(cats.get(nid, ()))
    return cats


def apply_risk_filter(view: NetworkView, categories: Iterable[str]) -> int:
    """Keep the root, nodes with one of ``categories``, and the nodes on their paths; returns how many
    nodes were hidden."""
    wanted = set(categories)
    if not wanted:
        return 0
    keep = {view.root.id}
    parent = {nid: n.parent for nid, n in view.nodes.items()}
    adj: dict[str, set[str]] = {}
    for e in view.edges:
        adj.setdefault(e.src, set()).add(e.dst)
        adj.setdefault(e.dst, set()).add(e.src)
    for nid, node in view.nodes.items():
        if wanted & set(node.risks):
            cur: str | None = nid
            while cur and cur not in keep:
                keep.add(cur)
                cur = parent.get(cur)
    for nid, node in view.nodes.items():
        if node.more and node.parent in keep:
            keep.add(nid)
    before = len(view.nodes)
    view.nodes = {k: v for k, v in view.nodes.items() if k in keep}
    view.edges = [e for e in view.edges if e.src in keep and e.dst in keep]
    return before - len(view.nodes)
