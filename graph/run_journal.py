"""Crash-safe ingest runs on a store that commits batch by batch (Neo4j): a write-ahead undo journal
kept in the database itself (docs/NEO4J.md, "Crash-safe runs").

A run is an ``IngestRun`` node, committed before the run writes anything. Ahead of each batch the
writer commits one ``IngestJournal`` entry naming the ids the batch creates and the before-images
of the elements it changes for the first time in the run. The run ends with one transaction that
deletes the run node and its entries (``end_run``): that is the run's commit point. A run whose
process died (SIGKILL, power loss, a lost Bolt connection, the server killed) leaves its run node
behind; :func:`recover` undoes it from the journal: deletes what it created, restores what it
changed, then ends it. The undo is idempotent, so a recovery that dies itself is simply redone.

Recovery runs under the store's write lock (one writer at a time): at the start of the next
write (``GraphWriter.run``), by ``tierwatch neo4j recover``, and when a process opens the store
(API, explorer, CLI) for runs started on this host whose writer is gone.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from tierwatch.graph.store import GraphStore

Stored = dict[str, Any]


@dataclass
class OpenRun:
    id: str
    dataset: str
    host: str
    pid: int
    started: str


@dataclass
class Undo:
    """What undoing a run does: delete what it created, restore the before-images it journaled."""

    created_nodes: list[str] = field(default_factory=list)
    created_edges: list[str] = field(default_factory=list)
    restored_nodes: list[Stored] = field(default_factory=list)
    restored_edges: list[Stored] = field(default_factory=list)

    @property
    def size(self) -> int:
        return (
            len(self.created_nodes)
            + len(self.created_edges)
            + len(self.restored_nodes)
            + len(self.restored_edges)
        )


class JournaledStore(GraphStore, Protocol):
    """A store that keeps a run journal (the Neo4j store)."""

    def begin_run(self, run: str, dataset: str, host: str, pid: int, started: str) -> None: ...

    def append_journal(
        self,
        run: str,
        seq: int,
        created_nodes: list[str],
        created_edges: list[str],
        nodes: list[str],
        edges: list[str],
    ) -> None: ...

    def end_run(self, run: str) -> None: ...

    def open_runs(self) -> list[dict[str, Any]]: ...

    def journal_entries(self, run: str) -> list[dict[str, Any]]: ...


def keeps_journal(store: GraphStore) -> bool:
    return hasattr(store, "begin_run")


def this_host() -> str:
    return socket.gethostname()


class RunJournal:
    """The writer's side: open a run, journal each batch ahead of it, end the run."""

    def __init__(self, store: JournaledStore, dataset: str) -> None:
        self.store = store
        started = datetime.now(UTC).isoformat(timespec="microseconds")
        self.run = f"{dataset}@{started}#{os.getpid()}"
        self._seq = 0
        store.begin_run(self.run, dataset, this_host(), os.getpid(), started)

    def log(
        self,
        *,
        created_nodes: Sequence[str] = (),
        created_edges: Sequence[str] = (),
        nodes: Sequence[Stored] = (),
        edges: Sequence[Stored] = (),
    ) -> None:
        """Commit one entry before the batch it describes is written (nothing if it is empty)."""
        if not (created_nodes or created_edges or nodes or edges):
            return
        self._seq += 1
        self.store.append_journal(
            self.run,
            self._seq,
            list(created_nodes),
            list(created_edges),
            [orjson.dumps(n).decode() for n in nodes],
            [orjson.dumps(e).decode() for e in edges],
        )

    def end(self) -> None:
        """The commit point of a successful run (or the discard of an undone one)."""
        self.store.end_run(self.run)


def undo_of(entries: Sequence[dict[str, Any]]) -> Undo:
    """The undo a run's journal entries describe (in order: an element's first before-image wins)."""
    node_before: dict[str, Stored | None] = {}
    edge_before: dict[str, Stored | None] = {}
    for entry in entries:
        for nid in entry["created_nodes"] or ():
            node_before.setdefault(nid, None)
        for eid in entry["created_edges"] or ():
            edge_before.setdefault(eid, None)
        for text in entry["nodes"] or ():
            node = orjson.loads(text)
            node_before.setdefault(node["id"], node)
        for text in entry["edges"] or ():
            edge = orjson.loads(text)
            edge_before.setdefault(edge["id"], edge)
    return undo_from(node_before, edge_before)


def undo_from(node_before: dict[str, Stored | None], edge_before: dict[str, Stored | None]) -> Undo:
    return Undo(
        created_nodes=[i for i, old in node_before.items() if old is None],
        created_edges=[i for i, old in edge_before.items() if old is None],
        restored_nodes=[old for old in node_before.values() if old is not None],
        restored_edges=[old for old in edge_before.values() if old is not None],
    )


def apply_undo(store: GraphStore, undo: Undo, batch_size: int) -> None:
    """Delete what the run created (edges first), then restore the before-images (nodes first).
    Idempotent: deleting the absent and restoring the restored change nothing."""

    def chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
        return [items[i : i + batch_size] for i in range(0, len(items), batch_size)]

    for ids in chunks(undo.created_edges):
        store.delete_edges(ids)
    for ids in chunks(undo.created_nodes):
        store.delete_nodes(ids)
    for nodes in chunks(undo.restored_nodes):
        store.put_nodes(nodes)
    for edges in chunks(undo.restored_edges):
        store.put_edges(edges)


def open_runs(store: JournaledStore) -> list[OpenRun]:
    return [
        OpenRun(r["id"], r["dataset"] or "", r["host"] or "", int(r["pid"] or 0), r["started"] or "")
        for r in store.open_runs()
    ]


def recover(
    store: JournaledStore, batch_size: int, runs: Sequence[OpenRun] | None = None
) -> list[tuple[OpenRun, int]]:
    """Undo ``runs`` (default: every open run), oldest first; the caller holds the write lock.
    Returns each run undone with the number of elements its undo touched."""
    done = []
    for run in open_runs(store) if runs is None else runs:
        undo = undo_of(store.journal_entries(run.id))
        apply_undo(store, undo, batch_size)
        store.end_run(run.id)
        done.append((run, undo.size))
    return done


def started_here(store: JournaledStore) -> list[OpenRun]:
    """Open runs started on this host. Their writer held the host's write lock from before the run
    began until its end, so once the caller holds that lock they are abandoned."""
    return [r for r in open_runs(store) if r.host == this_host()]
