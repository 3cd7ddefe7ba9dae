"""What the query engine reads from each store.

- ``EmbeddedSource``: the NetworkX graph compiled once per store generation into a ``GraphIndex``
  (scipy-style CSR arrays); traversals run on it directly.
- ``Neo4jSource``: per-tier one-hop Cypher (cypher/upstream_step.cypher, downstream_step.cypher)
  gathers the nodes and chain edges within the hop bound, then the places and findings around
  them; the gathered subgraph is compiled with the same code, so the same search runs on it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from tierwatch.graph.cypher_queries import cypher
from tierwatch.graph.query.arcs import arcs_of
from tierwatch.graph.query.index import GraphIndex, compile_index, hidden_datasets_of, hidden_ids_of

Stored = dict[str, Any]
SEARCH_SKIP_TYPES = ("Indicator", "Source", "RiskFinding")


class EmbeddedSource:
    def __init__(self, store: Any) -> None:
        self.store = store
        self._index: GraphIndex | None = None
        self._gen: int | None = None
        self._lock = threading.RLock()

    @property
    def generation(self) -> str:
        return f"networkx:{self.store.generation}"

    def refresh(self) -> bool:
        return bool(self.store.reload_if_changed())

    def full_index(self) -> GraphIndex:
        with self._lock:
            if self._index is None or self._gen != self.store.generation or self._stale():
                g = self.store.graph
                self._index = compile_index(
                    (d for _, d in g.nodes(data=True)),
                    (d for _, _, d in g.edges(data=True)),
                    hidden_ids=self._hidden_ids(),
                )
                self._gen = self.store.generation
                self._sizes = self._size()
            return self._index

    def _stale(self) -> bool:  # the graph was changed in this process without a save
        return getattr(self, "_sizes", None) != self._size()

    def _size(self) -> tuple[int, int]:  # O(1): the store's edge index, not an edge walk
        return (self.store.graph.number_of_nodes(), len(self.store._edge_index))

    def index_for(self, root: str, direction: str, tiers: int, candidates: bool) -> GraphIndex:
        return self.full_index()

    def node(self, node_id: str) -> Stored | None:
        return self.store.get_nodes([node_id]).get(node_id)

    def incident(self, ids: Iterable[str]) -> list[tuple[Stored, Stored]]:
        g = self.store.graph
        out = []
        for nid in ids:
            if nid not in g:
                continue
            for _, v, d in g.out_edges(nid, data=True):
                out.append((d, g.nodes[v]))
            for u, _, d in g.in_edges(nid, data=True):
                out.append((d, g.nodes[u]))
        return out

    def search_rows(self) -> list[Stored]:
        return [d for d in self.full_index().nodes if d["type"] not in SEARCH_SKIP_TYPES]

    def _hidden_ids(self) -> frozenset[str]:
        g = self.store.graph
        targets: dict[str, list[Stored]] = {}
        datasets: set[str] = set()
        for fid, d in g.nodes(data=True):
            if d.get("type") != "RiskFinding" or d.get("access") != "restricted":
                continue
            datasets.update(d.get("datasets", ()))
            for _, t, e in g.out_edges(fid, data=True):
                if e["type"] == "CONCERNS" and t not in targets:
                    targets[t] = [g.nodes[m] for m in (*g.successors(t), *g.predecessors(t))]
        return hidden_ids_of(targets, datasets, {t: g.nodes[t] for t in targets})

    def hidden(self) -> tuple[frozenset[str], frozenset[str]]:
        ix = self.full_index()
        return ix.hidden_datasets, ix.hidden_ids


class Neo4jSource:
    def __init__(self, store: Any) -> None:
        self.store = store
        self._gen: str | None = None
        self._cache: dict[str, Any] = {}
        self._lock = threading.RLock()

    def _read(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self.store._read(
            cypher(name, **{k: v for k, v in params.items() if k in ("hops",)}),
            **{k: v for k, v in params.items() if k != "hops"},
        )

    def _fingerprint(self) -> str:
        rows = self._read("store_generation")
        if not rows:
            return "neo4j:empty"
        r = rows[0]
        shas = ",".join(sorted(r.get("shas") or []))
        return f"neo4j:{r['sources']}:{r['latest']}:{r['nodes']}:{r['edges']}:{hash(shas) & 0xFFFFFFFF:x}"

    @property
    def generation(self) -> str:
        if self._gen is None:
            self._gen = self._fingerprint()
        return self._gen

    def refresh(self) -> bool:
        gen = self._fingerprint()
        changed = self._gen is not None and gen != self._gen
        if gen != self._gen:
            self._cache.clear()
        self._gen = gen
        return changed

    def _cached(self, key: str, make: Any) -> Any:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]

    def hidden(self) -> tuple[frozenset[str], frozenset[str]]:
        def make() -> tuple[frozenset[str], frozenset[str]]:
            fake = []
            restricted: set[str] = set()
            for row in self._read("finding_datasets"):
                fake.append(
                    {"datasets": [row["dataset"]], "access": "restricted" if row["restricted"] else "public"}
                )
                if row["restricted"]:
                    restricted.add(row["dataset"])
            rows = self._read("hidden_entities")
            targets = {r["id"]: r["linked"] for r in rows}
            nodes = {
                r["id"]: {"id": r["id"], "type": r["type"], "datasets": r["datasets"] or []} for r in rows
            }
            return hidden_datasets_of(fake), hidden_ids_of(targets, restricted, nodes)

        return self._cached("hidden", make)

    def full_index(self) -> GraphIndex:
        return self._cached(
            "full",
            lambda: compile_index(
                list(self.store.iter_nodes()), list(self.store.iter_edges()), *self.hidden()
            ),
        )

    def _commodities(self) -> list[Stored]:
        return self._cached("commodities", lambda: list(self.store.iter_nodes(types=["Commodity"])))

    def index_for(self, root: str, direction: str, tiers: int, candidates: bool) -> GraphIndex:
        """Gather the subgraph within ``tiers`` chain links of ``root`` tier by tier, then compile it."""
        start = self.node(root)
        nodes: dict[str, Stored] = {d["id"]: d for d in self._commodities()}
        edges: dict[str, Stored] = {}
        if start is None:
            return compile_index(nodes.values(), [], *self.hidden())
        nodes[root] = start
        seen = {root}
        frontier = [root]
        query = "upstream_step" if direction == "upstream" else "downstream_step"
        for _ in range(tiers):
            if not frontier:
                break
            fset = set(frontier)
            nxt: set[str] = set()
            for row in self._read(query, ids=sorted(frontier), candidates=candidates):
                e, m = row["e"], row["n"]
                edges[e["id"]] = e
                nodes.setdefault(m["id"], m)
                for arc in arcs_of(e):
                    near, far = (arc.frm, arc.to) if direction == "upstream" else (arc.to, arc.frm)
                    if near in fset and far not in seen:
                        nxt.add(far)
            seen |= nxt
            frontier = sorted(nxt)
        self._add_context(nodes, edges, sorted(seen))
        return compile_index(nodes.values(), edges.values(), *self.hidden())

    def _add_context(self, nodes: dict[str, Stored], edges: dict[str, Stored], ids: list[str]) -> None:
        """Places of the gathered nodes (edges and properties; a region's country) and their findings."""
        places: set[str] = set()
        for row in self._read("location_context", ids=ids):
            edges[row["e"]["id"]] = row["e"]
            nodes.setdefault(row["n"]["id"], row["n"])
            places.add(row["n"]["id"])
        for nid in ids:
            d = nodes[nid]
            if d.get("country"):
                places.add(f"country:{d['country']}")
            if d.get("region"):
                places.add(f"region:{d['region']}")
        for pid, d in self.store.get_nodes(sorted(places - set(nodes))).items():
            nodes[pid] = d
        regions = sorted(p for p in places if p in nodes and nodes[p]["type"] == "Region")
        for row in self._read("location_context", ids=regions):
            edges[row["e"]["id"]] = row["e"]
            nodes.setdefault(row["n"]["id"], row["n"])
            places.add(row["n"]["id"])
        for r in regions:
            if nodes[r].get("country"):
                places.add(f"country:{nodes[r]['country']}")
        for pid, d in self.store.get_nodes(sorted(places - set(nodes))).items():
            nodes[pid] = d
        targets = sorted(set(ids) | {p for p in places if p in nodes})
        for row in self._read("concerns_into", ids=targets):
            edges[row["e"]["id"]] = row["e"]
            nodes.setdefault(row["n"]["id"], row["n"])

    def node(self, node_id: str) -> Stored | None:
        return self.store.get_nodes([node_id]).get(node_id)

    def incident(self, ids: Iterable[str]) -> list[tuple[Stored, Stored]]:
        return [(r["e"], r["n"]) for r in self._read("incident_edges", ids=sorted(set(ids)))]

    def search_rows(self) -> list[Stored]:
        return self._cached(
            "search",
            lambda: [
                {k: v for k, v in r.items() if v is not None}
                for r in self._read("search_names", skip_types=list(SEARCH_SKIP_TYPES))
            ],
        )
