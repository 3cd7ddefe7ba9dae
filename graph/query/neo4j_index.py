"""The chain skeleton a Neo4j query service keeps in memory, refreshed from the change record.

Nodes come as their id, name and ``NODE_FACTS`` (findings and indicators whole: answers quote
them), links as id, endpoints and ``EDGE_FACTS`` (a retired link with its ``prov``: it dates the
end), streamed from Neo4j in one pass each (cypher/skeleton_nodes.cypher, skeleton_edges.cypher).
When the graph's generation moves on (graph/neo4j_changes.py), only the ids the recorded runs
changed are read again (cypher/skeleton_*_by_id.cypher); a missing or overlong record, or counts
that disagree afterwards, mean a full reload. Every property the query layer reads from a node or
a link (graph/query/index.py, arcs.py, findings.py, results.py, exposure.py, traverse.py,
propagation.py) must be listed here, or the two stores answer differently
(tests/query/test_contract.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tierwatch.graph.cypher_queries import cypher
from tierwatch.graph.schema import EDGE_TYPES

Stored = dict[str, Any]

NODE_FACTS = (  # and id, name
    "type",
    "country",
    "region",
    "iso2",
    "licence_class",
    "access",
    "datasets",
    "confidence",
    "retired",
    "commodities",
    "metal",
    "parents",
    "category",
    "scope_commodity",
    "kind",
    "stage",
    "technology",
    "asset_type",
    "categories",
    "value_amount",  # a contract's value: the coverage headline's share of spend (unknowns.py)
    "value_currency",
)
#: node types read whole: answers quote findings; risk reads indicators' values; commodities are few
WHOLE_TYPES = ("RiskFinding", "Indicator", "Commodity")
EDGE_FACTS = (  # and id, src, dst
    "type",
    "confidence",
    "score",
    "candidate",
    "status",
    "commodity",
    "licence_class",
    "datasets",
    "methods",
    "retired",
    "period_start",
    "period_end",
    "fiscal_year",
    "amount",  # spend amounts: the coverage headline's share of spend (unknowns.py)
    "currency",
)
#: an incremental refresh reads at most this many changed ids; more: a full reload
MAX_PATCHED_IDS = 100_000


def nodes_of(rows: Iterable[dict[str, Any]]) -> Iterator[Stored]:
    """skeleton_nodes records as stored nodes (absent properties left out, as stored)."""
    for row in rows:
        facts, members = row["facts"], row["members"]
        if members is None:  # a whole node
            yield facts
            continue
        base = {k: v for k, v in zip(NODE_FACTS, facts, strict=True) if v is not None}
        for nid, name in members:
            d = base.copy()
            d["id"] = nid
            if name is not None:
                d["name"] = name
            yield d


def edges_of(rows: Iterable[dict[str, Any]]) -> Iterator[Stored]:
    """skeleton_edges records as stored links."""
    keys = (*EDGE_FACTS, "prov")
    for row in rows:
        base = {k: v for k, v in zip(keys, row["facts"], strict=True) if v is not None}
        for eid, src, dst in row["members"]:
            e = base.copy()
            e["id"], e["src"], e["dst"] = eid, src, dst
            yield e


@dataclass
class Skeleton:
    """What the index is compiled from, as of ``epoch``/``generation`` (None: no change record)."""

    nodes: dict[str, Stored] = field(default_factory=dict)
    edges: dict[str, Stored] = field(default_factory=dict)
    epoch: str | None = None
    generation: int = 0


def _stream(store: Any, name: str, **params: Any) -> Iterator[dict[str, Any]]:
    """The records of a skeleton query as they come (values only: no driver export)."""
    query = cypher(name, **{k: v for k, v in params.items() if k == "rel"})
    with store.driver.session(database=store.database) as session:
        yield from session.run(query, **{k: v for k, v in params.items() if k != "rel"})


def load(store: Any, token: tuple[str | None, int]) -> Skeleton:
    """The whole skeleton (``token``: the generation read just before)."""
    rows = _stream(store, "skeleton_nodes", node_keys=list(NODE_FACTS), whole_types=list(WHOLE_TYPES))
    nodes = {d["id"]: d for d in nodes_of(rows)}
    edges = {e["id"]: e for e in edges_of(_stream(store, "skeleton_edges", edge_keys=list(EDGE_FACTS)))}
    return Skeleton(_without_dangling(nodes, edges), edges, *token)


def _without_dangling(nodes: dict[str, Stored], edges: dict[str, Stored]) -> dict[str, Stored]:
    """Drop links whose end was deleted meanwhile (a node's deletion takes its links along)."""
    for eid in [eid for eid, e in edges.items() if e["src"] not in nodes or e["dst"] not in nodes]:
        del edges[eid]
    return nodes


def patch(store: Any, skel: Skeleton) -> Skeleton | None:
    """``skel`` brought to the current generation from the change record (a new object; ``skel``
    stays as it was), or None when only a full reload can (no or a new epoch, a gap in the record,
    a run too large to list, too many ids, or counts that disagree afterwards)."""
    rows = store._read(cypher("graph_changes"), since=skel.generation)
    if not rows or skel.epoch is None or rows[0]["epoch"] != skel.epoch:
        return None
    r = rows[0]
    changes = r["changes"]
    if [c["generation"] for c in changes] != list(range(skel.generation + 1, r["generation"] + 1)):
        return None
    if any(c["everything"] for c in changes):
        return None
    node_ids = sorted({i for c in changes for i in c["nodes"]})
    edge_ids = sorted({i for c in changes for i in c["edges"]})
    if len(node_ids) + len(edge_ids) > MAX_PATCHED_IDS:
        return None
    nodes = dict(skel.nodes)
    edges = dict(skel.edges)
    for nid in node_ids:
        nodes.pop(nid, None)
    rows = _stream(
        store, "skeleton_nodes_by_id", ids=node_ids, node_keys=list(NODE_FACTS), whole_types=list(WHOLE_TYPES)
    )
    nodes.update((d["id"], d) for d in nodes_of(rows))
    for eid in edge_ids:
        edges.pop(eid, None)
    for rel, ids in _by_rel(edge_ids).items():
        rows = _stream(store, "skeleton_edges_by_id", rel=rel, ids=ids, edge_keys=list(EDGE_FACTS))
        edges.update((e["id"], e) for e in edges_of(rows))
    _without_dangling(nodes, edges)
    if len(nodes) != r["nodes"] or len(edges) != r["edges"]:
        return None  # a write not in the record (or one running now): read everything
    return Skeleton(nodes, edges, r["epoch"], r["generation"])


def _by_rel(edge_ids: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for eid in edge_ids:
        rel = eid.split(":", 1)[0]
        if rel in EDGE_TYPES:
            out[rel].append(eid)
    return out
