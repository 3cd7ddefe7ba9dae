"""Idempotent upserts of one run's records into any store, with an undo journal.

Every element a run touches is read first (merging needs it), so the writer keeps its
before-image. If the run fails after some batches were committed (Neo4j commits batch by batch),
``rollback`` restores the before-images and deletes what the run created: the store is left as
it was. Inside ``run()`` on a store that keeps a run journal (Neo4j), the journal is also written
to the database ahead of each batch (graph/run_journal.py), so a run whose process dies is undone
by the next write, ``tierwatch neo4j recover`` or the next process that opens the store; the end
of ``run()`` is the run's commit point. A transactional store (the embedded SQLite store: the whole
run is one transaction under ``write_lock``, rolled back on error) needs no journal, so none is
kept for it. Unchanged elements are not written at all, so re-running an ingest changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from tierwatch.graph import run_journal
from tierwatch.graph.errors import SchemaError
from tierwatch.graph.records import (
    EdgeRecord,
    NodeRecord,
    Stored,
    merge_edge,
    merge_node,
    retire,
    validate_edge_endpoints,
    validate_node,
)
from tierwatch.graph.store import GraphStore

Progress = Callable[[str, int, int], None]


@dataclass
class WriteStats:
    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    edges_created: int = 0
    edges_updated: int = 0
    edges_unchanged: int = 0
    retired: int = 0

    @property
    def changed(self) -> int:
        return (
            self.nodes_created + self.nodes_updated + self.edges_created + self.edges_updated + self.retired
        )


CANDIDATE_EDGE_TYPES = frozenset({"SAME_AS_CANDIDATE", "OWNERSHIP_CANDIDATE"})


def _rediscovered_candidate(old: Stored, rec: EdgeRecord) -> bool:
    """A candidate another dataset's run already proposed: the first proposal stands.

    Cross-source candidates are computed against what the store holds, so a later run of an
    earlier dataset finds pairs that a later dataset already proposed. Adding its provenance would
    make re-running the demo change the graph; the pair is the same candidate either way.
    """
    return rec.type in CANDIDATE_EDGE_TYPES and not {p.dataset for p in rec.prov} & set(old["datasets"])


@dataclass
class GraphWriter:
    store: GraphStore
    batch_size: int = 10_000
    progress: Progress | None = None
    stats: WriteStats = field(default_factory=WriteStats)
    _node_before: dict[str, Stored | None] = field(default_factory=dict)
    _edge_before: dict[str, Stored | None] = field(default_factory=dict)
    _types: dict[str, str] = field(default_factory=dict)
    _pending: Future[None] | None = None
    _pool: ThreadPoolExecutor | None = None
    _journal: bool = True
    _run: run_journal.RunJournal | None = None
    #: why the undo of a failed run could not finish (the run stays journaled in the database)
    undo_pending: str | None = None

    def __post_init__(self) -> None:
        self._journal = not getattr(self.store, "transactional", False)

    @contextlib.contextmanager
    def run(self, dataset: str) -> Iterator[None]:
        """One run, all or nothing; the caller holds the store's write lock. On a store that keeps a
        run journal: first completes the undo of runs that died, then journals every batch in the
        database ahead of it; leaving the block without an error commits the run (``_commit``)."""
        if self._journal and run_journal.keeps_journal(self.store):
            store: run_journal.JournaledStore = self.store  # type: ignore[assignment]
            run_journal.recover(store, self.batch_size)
            self._run = run_journal.RunJournal(store, dataset)
        try:
            yield
            self.flush()
        except BaseException:
            try:
                self.rollback()
            except Exception as undo_error:  # the store is gone: the journal in it stays
                if self._run is None:
                    raise
                self.undo_pending = f"{type(undo_error).__name__}: {undo_error}"
            raise
        self._commit()

    def _commit(self) -> None:
        """The run's commit point: until here a crash undoes the whole run, from here it is whole.
        (A hook that records what the run changed belongs here, after ``end``.)"""
        if self._run is not None:
            self._run.end()
            self._run = None
        self._node_before.clear()
        self._edge_before.clear()

    def _log(
        self,
        created_nodes: Sequence[Stored] = (),
        created_edges: Sequence[Stored] = (),
        nodes: Sequence[Stored] = (),
        edges: Sequence[Stored] = (),
    ) -> None:
        """Journal a batch in the database before it is written (inside ``run()``)."""
        if self._run is not None:
            self._run.log(
                created_nodes=[n["id"] for n in created_nodes],
                created_edges=[e["id"] for e in created_edges],
                nodes=nodes,
                edges=edges,
            )

    def _submit(self, *calls: tuple[Callable[[Sequence[Stored]], None], Sequence[Stored]]) -> None:
        """Run a batch's store writes; on a server store, overlap them with merging the next batch.

        One batch is in flight at most: the previous batch's writes finish (and raise, if they
        failed) before the next batch is handed over.
        """
        work = [(fn, rows) for fn, rows in calls if rows]
        if getattr(self.store, "backend", "") != "neo4j":
            for fn, rows in work:
                fn(rows)
            return
        self.flush()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tierwatch-writer")

        def run() -> None:
            for fn, rows in work:
                fn(rows)

        self._pending = self._pool.submit(run)

    def flush(self) -> None:
        """Wait for the batch in flight (re-raising its error)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def write_nodes(self, records: Sequence[NodeRecord]) -> None:
        total = len(records)
        for start in range(0, total, self.batch_size):
            batch = records[start : start + self.batch_size]
            existing = self.store.get_nodes([r.id for r in batch])
            created, changed, before = [], [], []
            for rec in batch:
                old = existing.get(rec.id)
                new = merge_node(old, rec)
                validate_node(new)
                self._types[rec.id] = new["type"]
                if old == new:
                    self.stats.nodes_unchanged += 1
                    continue
                if self._journal and rec.id not in self._node_before:
                    self._node_before[rec.id] = old
                    if old is not None:
                        before.append(old)
                if old is None:
                    created.append(new)
                    self.stats.nodes_created += 1
                else:
                    changed.append(new)
                    self.stats.nodes_updated += 1
            self._log(created_nodes=created, nodes=before)
            self._submit((self.store.create_nodes, created), (self.store.put_nodes, changed))
            self._report("nodes", min(start + self.batch_size, total), total)
        self.flush()

    def write_edges(self, records: Sequence[EdgeRecord]) -> None:
        total = len(records)
        for start in range(0, total, self.batch_size):
            batch = records[start : start + self.batch_size]
            self._check_endpoints(batch)
            existing = self.store.get_edges([r.id for r in batch])
            created, changed, before = [], [], []
            for rec in batch:
                old = existing.get(rec.id)
                if old is not None and _rediscovered_candidate(old, rec):
                    self.stats.edges_unchanged += 1
                    continue
                new = merge_edge(old, rec)
                if old == new:
                    self.stats.edges_unchanged += 1
                    continue
                if self._journal and rec.id not in self._edge_before:
                    self._edge_before[rec.id] = old
                    if old is not None:
                        before.append(old)
                if old is None:
                    created.append(new)
                    self.stats.edges_created += 1
                else:
                    changed.append(new)
                    self.stats.edges_updated += 1
            self._log(created_edges=created, edges=before)
            self._submit((self.store.create_edges, created), (self.store.put_edges, changed))
            self._report("links", min(start + self.batch_size, total), total)
        self.flush()

    def _check_endpoints(self, batch: Sequence[EdgeRecord]) -> None:
        unknown = sorted({i for r in batch for i in (r.src, r.dst) if i not in self._types})
        if unknown:
            for nid, node in self.store.get_nodes(unknown).items():
                self._types[nid] = node["type"]
        for rec in batch:
            src, dst = self._types.get(rec.src), self._types.get(rec.dst)
            if src is None or dst is None:
                missing = rec.src if src is None else rec.dst
                where = rec.prov[0].locator if rec.prov else "?"
                raise SchemaError(f"{rec.type} at {where} links to {missing}, which is not in the graph")
            validate_edge_endpoints(rec.type, src, dst, rec.id)

    def retire_missing(self, dataset: str, version: str, ended: str) -> None:
        """Facts of an older version of ``dataset`` that this version no longer holds get an end date."""
        nodes = [n for n in self.store.iter_nodes(dataset=dataset)]
        changed_nodes, node_before = [], []
        for node in nodes:
            new = retire(node, dataset, version, ended)
            if new is not None:
                if self._journal and node["id"] not in self._node_before:
                    self._node_before[node["id"]] = node
                    node_before.append(node)
                changed_nodes.append(new)
        edges = [e for e in self.store.iter_edges(dataset=dataset)]
        changed_edges, edge_before = [], []
        for edge in edges:
            new = retire(edge, dataset, version, ended)
            if new is not None:
                if self._journal and edge["id"] not in self._edge_before:
                    self._edge_before[edge["id"]] = edge
                    edge_before.append(edge)
                changed_edges.append(new)
        for start in range(0, len(node_before), self.batch_size):
            self._log(nodes=node_before[start : start + self.batch_size])
        for start in range(0, len(edge_before), self.batch_size):
            self._log(edges=edge_before[start : start + self.batch_size])
        for start in range(0, len(changed_nodes), self.batch_size):
            self.store.put_nodes(changed_nodes[start : start + self.batch_size])
        for start in range(0, len(changed_edges), self.batch_size):
            self.store.put_edges(changed_edges[start : start + self.batch_size])
        self.stats.retired += len(changed_nodes) + len(changed_edges)

    def rollback(self) -> None:
        """Undo everything this writer did: delete what it created, restore what it changed (a
        transactional store's ROLLBACK does it: its journal is empty). Inside ``run()`` the run is
        then ended; if the undo itself fails (the connection is gone), the run stays open in the
        database and its journal is undone by the next write or ``tierwatch neo4j recover``."""
        with contextlib.suppress(Exception):  # the failure being rolled back: undo regardless
            self.flush()
        undo = run_journal.undo_from(self._node_before, self._edge_before)
        run_journal.apply_undo(self.store, undo, self.batch_size)
        self._node_before.clear()
        self._edge_before.clear()
        if self._run is not None:
            self._run.end()
            self._run = None

    def _report(self, what: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(what, done, total)
