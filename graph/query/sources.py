"""What the query engine reads from each store: one compiled ``GraphIndex`` per store generation.

- ``EmbeddedSource``: the embedded (SQLite) store's nodes and edges compiled once per store
  generation into a ``GraphIndex`` (scipy-style CSR arrays); traversals run on it directly.
- ``Neo4jSource``: the same index compiled from the chain skeleton streamed from Neo4j (ids, types,
  endpoints and the facts the search reads: graph/query/neo4j_index.py), loaded once and then
  refreshed from the ids each recorded run changed (graph/neo4j_changes.py); traversals run on it
  exactly as on the embedded store's. Details (whole nodes with provenance, a node's links) are
  read by id through cypher/*.cypher.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from tierwatch.graph.cypher_queries import cypher
from tierwatch.graph.query import neo4j_index
from tierwatch.graph.query.index import GraphIndex, compile_index, hidden_datasets_of, hidden_ids_of
from tierwatch.graph.query.neo4j_index import EDGE_FACTS, NODE_FACTS, Skeleton
from tierwatch.graph.query.search import Entry, Query, RowNames
from tierwatch.graph.search_keys import UNSEARCHED_TYPES

Stored = dict[str, Any]
SEARCH_SKIP_TYPES = UNSEARCHED_TYPES
__all__ = ["EDGE_FACTS", "NODE_FACTS", "SEARCH_SKIP_TYPES", "EmbeddedSource", "Neo4jSource"]


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


@dataclass(frozen=True)
class IndexBuild:
    """How a Neo4j source last brought its index up to date (for benchmarks and tests)."""

    kind: Literal["loaded", "patched"]  # the whole skeleton streamed, or only the changed ids read
    read_s: float  # reading from Neo4j
    compile_s: float  # compiling the index


class Neo4jSource:
    """Neo4j compiled into one ``GraphIndex`` per graph generation, like ``EmbeddedSource``: the
    skeleton is streamed once, then patched from the change record when the generation moves on.
    Several processes on one database each keep their own and answer alike."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._token: tuple[str | None, int] | None = None  # (epoch, generation) last polled
        self._fallback: str | None = None  # the fingerprint when no writer recorded a generation
        self._skeleton: Skeleton | None = None
        self._index: GraphIndex | None = None
        self._built_for: tuple[tuple[str | None, int], str | None] | None = None
        self._search: tuple[Any, list[Stored]] | None = None
        self._names: tuple[list[Stored], RowNames] | None = None
        self._lock = threading.RLock()
        self.last_build: IndexBuild | None = None

    def _poll(self) -> tuple[tuple[str | None, int], str | None]:
        rows = self.store._read(cypher("graph_generation"))
        if rows and rows[0]["epoch"] is not None:
            return (rows[0]["epoch"], int(rows[0]["generation"])), None
        return (None, 0), self._fingerprint()

    def _fingerprint(self) -> str:
        """The graph's version when no change record exists (a database no tierwatch store wrote)."""
        rows = self.store._read(cypher("store_generation"))
        if not rows:
            return "empty"
        r = rows[0]
        shas = ",".join(sorted(r.get("shas") or []))
        return f"{r['sources']}:{r['latest']}:{r['nodes']}:{r['edges']}:{hash(shas) & 0xFFFFFFFF:x}"

    def _state(self) -> tuple[tuple[str | None, int], str | None]:
        if self._token is None:
            self._token, self._fallback = self._poll()
        return self._token, self._fallback

    @property
    def generation(self) -> str:
        (epoch, gen), fallback = self._state()
        return f"neo4j:{epoch}:{gen}" if epoch is not None else f"neo4j:unrecorded:{fallback}"

    def refresh(self) -> bool:
        """One tiny read: True when the graph changed since (the index catches up on next use)."""
        with self._lock:
            before = (self._token, self._fallback)
            self._token, self._fallback = self._poll()
            return before[0] is not None and before != (self._token, self._fallback)

    def full_index(self) -> GraphIndex:
        with self._lock:
            state = self._state()
            if self._index is None or self._built_for != state:
                t0 = time.perf_counter()
                skel = self._skeleton
                fresh = neo4j_index.patch(self.store, skel) if skel is not None else None
                kind: Literal["loaded", "patched"] = "patched"
                if fresh is None:  # the generation read before the elements: a later write shows next time
                    token, self._fallback = self._poll()
                    fresh = neo4j_index.load(self.store, token)
                    kind = "loaded"
                t1 = time.perf_counter()
                nodes = list(fresh.nodes.values())
                edges = list(fresh.edges.values())
                self._index = compile_index(nodes, edges, hidden_ids=_hidden_ids(nodes, edges))
                self.last_build = IndexBuild(kind, t1 - t0, time.perf_counter() - t1)
                self._skeleton = fresh
                self._token = (fresh.epoch, fresh.generation)
                self._built_for = (self._token, self._fallback)
            return self._index

    def index_for(
        self, root: str, direction: str, tiers: int, candidates: bool, target: str | None = None
    ) -> GraphIndex:
        return self.full_index()

    def hidden(self) -> tuple[frozenset[str], frozenset[str]]:
        ix = self.full_index()
        return ix.hidden_datasets, ix.hidden_ids

    def node(self, node_id: str) -> Stored | None:
        return self.store.get_nodes([node_id]).get(node_id)

    def incident(self, ids: Iterable[str]) -> list[tuple[Stored, Stored]]:
        rows = self.store._read(cypher("incident_edges"), ids=sorted(set(ids)))
        return [(r["e"], r["n"]) for r in rows]

    def search_names(self) -> RowNames:
        """The search's names over ``search_rows`` (built again when those are read again)."""
        with self._lock:
            rows = self.search_rows()
            if self._names is None or self._names[0] is not rows:
                self._names = (rows, RowNames(rows))
            return self._names[1]

    def search_rows(self) -> list[Stored]:
        with self._lock:
            key = self._state()
            if self._search is None or self._search[0] != key:
                rows = self.store._scan(cypher("search_names"), skip_types=list(SEARCH_SKIP_TYPES))
                self._search = (key, [{k: v for k, v in r.items() if v is not None} for r in rows])
            return self._search[1]
