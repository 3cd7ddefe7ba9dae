"""What the query engine reads from each store.

- ``EmbeddedSource``: the embedded (SQLite) store's nodes and edges compiled once per store
  generation into a ``GraphIndex`` (scipy-style CSR arrays); traversals run on it directly.
- ``Neo4jSource``: per-tier one-hop Cypher (cypher/upstream_step.cypher, downstream_step.cypher)
  gathers the nodes and chain edges within the hop bound, then the places and findings around
  them; the gathered subgraph is compiled with the same code, so the same search runs on it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from typing import Any

from tierwatch.graph.cypher_queries import cypher
from tierwatch.graph.query.arcs import arcs_of
from tierwatch.graph.query.index import (
    UNPLACED_TYPES,
    GraphIndex,
    compile_index,
    hidden_datasets_of,
    hidden_ids_of,
)
from tierwatch.graph.query.search import Entry, Query, RowNames
from tierwatch.graph.search_keys import UNSEARCHED_TYPES

Stored = dict[str, Any]
SEARCH_SKIP_TYPES = UNSEARCHED_TYPES
#: node types whose members (what is located in them or deals in them) a downstream step gathers
PLACE_NODE_TYPES = ("Country", "Region", "Commodity")

#: What the Neo4j source fetches of the nodes and chain edges it gathers for a traversal (the root,
#: commodities and findings come whole). Every property the query layer reads from a reached node
#: or a link (graph/query/index.py, arcs.py, findings.py, results.py, exposure.py, traverse.py)
#: must be listed here, or the two stores answer differently (tests/query/test_contract.py).
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
#: LOCATED_IN edges only place nodes (index.py); only those to places that can bring findings are
#: fetched (a place no finding concerns changes no answer; a region's country may have some)
PLACE_EDGE_FACTS = ("type",)
#: and of chain edges (a retired edge brings its ``prov`` too: it dates the retirement)
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


@functools.cache
def _steps(rel: str, not_realised: bool, upstream: bool) -> tuple[bool, ...]:
    """Per arc of an edge of this type (and status: arcs.arcs_of's directions depend on nothing
    else), whether the step in this direction starts at the edge's source."""
    status = "not_realised" if not_realised else None
    probe = {"type": rel, "status": status, "src": "s", "dst": "d", "id": "", "confidence": 1.0}
    return tuple((arc.frm if upstream else arc.to) == "s" for arc in arcs_of(probe))


class EmbeddedSource:
    """The embedded (SQLite) store compiled into one ``GraphIndex`` per store generation: nodes and
    edges streamed from the database in one read transaction, so the index is one generation."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._index: GraphIndex | None = None
        self._gen: int | None = None
        self._hidden: tuple[int, tuple[frozenset[str], frozenset[str]]] | None = None
        self._lock = threading.RLock()

    @property
    def generation(self) -> str:
        return f"embedded:{self.store.generation}"

    def refresh(self) -> bool:
        """True when another process committed a run since (the index is rebuilt on next use)."""
        return bool(self.store.poll_generation())

    def full_index(self) -> GraphIndex:
        with self._lock:
            if self._index is None or self._gen != self.store.generation:
                with self.store.snapshot() as gen:
                    nodes = list(self.store.iter_nodes())
                    edges = list(self.store.iter_edges())
                self._index = compile_index(nodes, edges, hidden_ids=_hidden_ids(nodes, edges))
                self._gen = gen
            return self._index

    def index_for(
        self, root: str, direction: str, tiers: int, candidates: bool, target: str | None = None
    ) -> GraphIndex:
        return self.full_index()

    def node(self, node_id: str) -> Stored | None:
        return self.store.get_nodes([node_id]).get(node_id)

    def incident(self, ids: Iterable[str]) -> list[tuple[Stored, Stored]]:
        return self.store.incident(ids)

    def search_rows(self) -> list[Stored]:
        return [d for d in self.full_index().nodes if d["type"] not in SEARCH_SKIP_TYPES]

    def hidden(self) -> tuple[frozenset[str], frozenset[str]]:
        """(hidden datasets, hidden ids): from the index when it is built, else read from the store
        (the findings and what restricted ones concern), so a search needs no index."""
        with self._lock:
            if self._index is not None and self._gen == self.store.generation:
                return self._index.hidden_datasets, self._index.hidden_ids
            if self._hidden is None or self._hidden[0] != self.store.generation:
                with self.store.snapshot() as gen:
                    self._hidden = gen, _stored_hidden(self.store)
            return self._hidden[1]

    def search_names(self) -> StoredNames:
        return StoredNames(self.store)


class StoredNames:
    """Search served from the embedded store's on-disk search index (graph/sqlite_search.py): only
    the candidates' names are read and scored, only the scored nodes are read whole."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def candidates(self, query: Query, types: tuple[str, ...]) -> list[Entry]:
        return self.store.search_candidates(
            terms=query.terms, prefixes=query.prefixes, key=query.key, grams=query.grams, types=types
        )

    def rows(self, ids: Iterable[str]) -> dict[str, Stored]:
        found = self.store.get_nodes(list(ids))
        return {i: d for i, d in found.items() if d["type"] not in SEARCH_SKIP_TYPES}

    def listing(self, types: tuple[str, ...]) -> list[Stored]:
        return list(self.store.iter_nodes(types=[t for t in types if t not in SEARCH_SKIP_TYPES]))


def _stored_hidden(store: Any) -> tuple[frozenset[str], frozenset[str]]:
    """``_hidden_ids`` and the index's hidden datasets, read by id from the store: the findings, the
    targets of restricted ones, and the targets' neighbours."""
    findings = list(store.iter_nodes(types=["RiskFinding"]))
    restricted = {f["id"] for f in findings if f.get("access") == "restricted"}
    datasets: set[str] = set()
    for f in findings:
        if f["id"] in restricted:
            datasets.update(f.get("datasets", ()))
    targets = {
        e["dst"] for e, _ in store.incident(restricted) if e["type"] == "CONCERNS" and e["src"] in restricted
    }
    near: dict[str, dict[str, Stored]] = {t: {} for t in targets}
    for e, far in store.incident(targets):
        if e["src"] in near and far["id"] == e["dst"]:
            near[e["src"]][e["dst"]] = far
        if e["dst"] in near and far["id"] == e["src"]:
            near[e["dst"]][e["src"]] = far
    rows = {t: [ms[m] for m in sorted(ms)] for t, ms in near.items()}
    hidden_ids = hidden_ids_of(rows, datasets, store.get_nodes(sorted(targets)))
    return hidden_datasets_of(findings), hidden_ids


def _hidden_ids(nodes: list[Stored], edges: list[Stored]) -> frozenset[str]:
    """Entities only access-restricted findings name (index.hidden_ids_of), from the element lists."""
    by_id = {d["id"]: d for d in nodes}
    restricted = {
        d["id"] for d in nodes if d.get("type") == "RiskFinding" and d.get("access") == "restricted"
    }
    datasets: set[str] = set()
    for fid in restricted:
        datasets.update(by_id[fid].get("datasets", ()))
    targets = {e["dst"] for e in edges if e["type"] == "CONCERNS" and e["src"] in restricted}
    near: dict[str, set[str]] = {t: set() for t in targets}
    for e in edges:
        if e["src"] in near:
            near[e["src"]].add(e["dst"])
        if e["dst"] in near:
            near[e["dst"]].add(e["src"])
    rows = {t: [by_id[m] for m in sorted(ms)] for t, ms in near.items()}
    return hidden_ids_of(rows, datasets, {t: by_id[t] for t in targets})


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

    def _scan(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """A whole-graph read for a per-generation cache (no transaction timeout: see neo4j_store)."""
        return self.store._scan(cypher(name), **params)

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
            for row in self._scan("finding_datasets"):
                fake.append(
                    {"datasets": [row["dataset"]], "access": "restricted" if row["restricted"] else "public"}
                )
                if row["restricted"]:
                    restricted.add(row["dataset"])
            rows = self._scan("hidden_entities")
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

    def _finding_count(self) -> int:
        """About how many findings there are (each counted once per dataset)."""
        return self._cached("finding_count", lambda: sum(r["n"] for r in self._scan("finding_datasets")))

    def _commodities(self) -> list[Stored]:
        return self._cached("commodities", lambda: list(self.store.iter_nodes(types=["Commodity"])))

    def _facts(
        self, name: str, edge_keys: tuple[str, ...] = EDGE_FACTS, **params: Any
    ) -> tuple[list[Stored], list[Stored]]:
        """A gathering query's one record as (edges, nodes): elements rebuilt from the groups of the
        facts they share (see cypher/upstream_step.cypher); whole nodes come as maps."""
        rows = self.store._read_values(
            cypher(name), edge_keys=list(edge_keys), node_keys=list(NODE_FACTS), **params
        )
        if not rows:
            return [], []
        shared_keys = (*edge_keys, "prov")
        edges: list[Stored] = []
        for shared, members in rows[0]["edges"]:
            base = {k: v for k, v in zip(shared_keys, shared, strict=True) if v is not None}
            for eid, src, dst in members:
                e = base.copy()
                e["id"], e["src"], e["dst"] = eid, src, dst
                edges.append(e)
        nodes: list[Stored] = []
        for group in rows[0]["nodes"]:
            if isinstance(group, dict):
                nodes.append(group)
                continue
            shared, members = group
            base = {k: v for k, v in zip(NODE_FACTS, shared, strict=True) if v is not None}
            for nid, name in members:
                d = base.copy()
                d["id"] = nid
                if name is not None:
                    d["name"] = name
                nodes.append(d)
        return edges, nodes

    def index_for(
        self, root: str, direction: str, tiers: int, candidates: bool, target: str | None = None
    ) -> GraphIndex:
        """Gather the subgraph within ``tiers`` chain links of ``root`` tier by tier (one query per
        tier, only the facts the search reads: ``NODE_FACTS``, ``EDGE_FACTS``), then compile it.
        Every arc is gathered whatever the group rule says (a superset of what the search follows);
        downstream, places and commodities in the frontier bring their members
        (place_members_step.cypher); ``target`` (a path's end): when it is a country or region, the
        gathered nodes' LOCATED_IN links come with their facts (located_in.cypher)."""
        start = self.node(root)
        nodes: dict[str, Stored] = {d["id"]: d for d in self._commodities()}
        edges: dict[str, Stored] = {}
        if start is None:
            return compile_index(nodes.values(), [], *self.hidden())
        nodes[root] = start
        seen = {root}
        frontier = [root]
        query = "upstream_step" if direction == "upstream" else "downstream_step"
        upstream = direction == "upstream"
        for _ in range(tiers):
            if not frontier:
                break
            fset = set(frontier)
            nxt: set[str] = set()
            tier_edges, tier_nodes = self._facts(query, ids=frontier, candidates=candidates)
            places = [f for f in frontier if nodes[f].get("type") in PLACE_NODE_TYPES]
            if places and not upstream:
                member_edges, members = self._facts(
                    "place_members_step",
                    ids=places,
                    countries=[p.removeprefix("country:") for p in places if p.startswith("country:")],
                    regions=[p.removeprefix("region:") for p in places if p.startswith("region:")],
                    commodities=[p for p in places if nodes[p].get("type") == "Commodity"],
                    unplaced=list(UNPLACED_TYPES),
                )
                tier_edges += member_edges
                tier_nodes += members
                nxt.update(m["id"] for m in members if m["id"] not in seen)
            for m in tier_nodes:
                nodes.setdefault(m["id"], m)
            for e in tier_edges:
                edges[e["id"]] = e
                src, dst = e["src"], e["dst"]
                if src in seen and dst in seen:  # nothing new at either end
                    continue
                for near_is_src in _steps(e["type"], e.get("status") == "not_realised", upstream):
                    near, far = (src, dst) if near_is_src else (dst, src)
                    if near in fset and far not in seen:
                        nxt.add(far)
            seen |= nxt
            frontier = sorted(nxt)
        if upstream and target and target.startswith(("country:", "region:")):
            ids = sorted(seen)
            for _ in range(2):  # an entity's places, then a region's country
                found_edges, found_nodes = self._facts("located_in", ids=ids)
                for e in found_edges:
                    edges[e["id"]] = e
                for m in found_nodes:
                    nodes.setdefault(m["id"], m)
                ids = sorted({m["id"] for m in found_nodes if m.get("type") == "Region"})
                if not ids:
                    break
        self._add_context(nodes, edges, sorted(seen))
        return compile_index(nodes.values(), edges.values(), *self.hidden())

    def _add_context(self, nodes: dict[str, Stored], edges: dict[str, Stored], ids: list[str]) -> None:
        """Places of the gathered nodes (edges and properties; a region's country) and their findings."""
        places: set[str] = set()

        def located(of: list[str]) -> None:
            found_edges, found_nodes = self._facts("location_context", PLACE_EDGE_FACTS, ids=of)
            for e in found_edges:  # a link gathered with its facts keeps them
                edges.setdefault(e["id"], e)
            for m in found_nodes:
                nodes.setdefault(m["id"], m)
                places.add(m["id"])

        def named_places() -> None:
            missing = sorted(places - set(nodes))
            if missing:
                for m in self._facts("node_facts", ids=missing)[1]:
                    nodes[m["id"]] = m

        located(ids)
        for nid in ids:
            d = nodes[nid]
            if d.get("country"):
                places.add(f"country:{d['country']}")
            if d.get("region"):
                places.add(f"region:{d['region']}")
        named_places()
        regions = sorted(p for p in places if p in nodes and nodes[p]["type"] == "Region")
        if regions:
            located(regions)
        for r in regions:
            if nodes[r].get("country"):
                places.add(f"country:{nodes[r]['country']}")
        named_places()
        targets = sorted(set(ids) | {p for p in places if p in nodes})
        # by seeks from the targets, or by one pass over the findings when those are fewer
        query = "concerns_among" if len(targets) > self._finding_count() else "concerns_into"
        found_edges, findings = self._facts(query, ids=targets)
        for e in found_edges:
            edges[e["id"]] = e
        for f in findings:  # whole findings: answers quote them
            nodes[f["id"]] = f

    def node(self, node_id: str) -> Stored | None:
        return self.store.get_nodes([node_id]).get(node_id)

    def incident(self, ids: Iterable[str]) -> list[tuple[Stored, Stored]]:
        return [(r["e"], r["n"]) for r in self._read("incident_edges", ids=sorted(set(ids)))]

    def search_names(self) -> RowNames:
        return self._cached("search_names", lambda: RowNames(self.search_rows()))

    def search_rows(self) -> list[Stored]:
        return self._cached(
            "search",
            lambda: [
                {k: v for k, v in r.items() if v is not None}
                for r in self._scan("search_names", skip_types=list(SEARCH_SKIP_TYPES))
            ],
        )
