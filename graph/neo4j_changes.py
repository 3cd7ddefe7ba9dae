"""The Neo4j store's change record: a generation counter and what each finished write changed.

Mirrors the embedded store's ``meta.generation`` and ``changes`` table (graph/sqlite_store.py) in
the database itself, so every process reading it (several API workers on one Neo4j) sees a new
generation with one tiny read (cypher/graph_generation.cypher) and refreshes its query index from
the ids that changed (graph/query/neo4j_index.py) instead of re-reading the whole graph.

- One ``(:GraphGeneration {id: 'graph'})`` node: ``epoch`` (a random id, new when the node is
  created, e.g. after ``clear``) and ``generation`` (+1 per recorded write).
- One ``(:GraphChange)`` node per generation (the last ``CHANGE_LOG_GENERATIONS``): the node and
  link ids written or deleted, or ``everything`` when there were more than ``MAX_LISTED_IDS``.

``Neo4jStore`` notes the ids of every write; a run under ``write_lock`` is recorded once when the
lock is released (after a failure too: the rollback rewrote what the run touched), a write outside
a lock at once. Neither node carries the ``Entity`` label: exports, counts and the index skip them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

CHANGE_LOG_GENERATIONS = 64
#: a write touching more ids than this records "everything" (readers reload the whole index)
MAX_LISTED_IDS = 50_000


class ChangeRecorder:
    """Collects the ids one store's writes touch and records them as one generation per run."""

    def __init__(self, record: Callable[..., Any]) -> None:
        self._record = record  # runs cypher/record_change.cypher with the given parameters
        self._lock = threading.Lock()
        self._nodes: set[str] = set()
        self._edges: set[str] = set()
        self._everything = False
        self._depth = 0

    def nodes(self, ids: Iterable[str]) -> None:
        self._note(self._nodes, ids)

    def edges(self, ids: Iterable[str]) -> None:
        self._note(self._edges, ids)

    def everything(self) -> None:
        with self._lock:
            self._everything = True
            self._nodes.clear()
            self._edges.clear()
        self._commit_unless_in_run()

    def _note(self, into: set[str], ids: Iterable[str]) -> None:
        with self._lock:
            if not self._everything:
                into.update(ids)
                if len(self._nodes) + len(self._edges) > MAX_LISTED_IDS:
                    self._everything = True
                    self._nodes.clear()
                    self._edges.clear()
        self._commit_unless_in_run()

    @contextmanager
    def run(self) -> Iterator[None]:
        """Writes inside are recorded as one generation when the outermost run ends (however)."""
        with self._lock:
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
            self._commit_unless_in_run()

    def _commit_unless_in_run(self) -> None:
        with self._lock:
            if self._depth or not (self._everything or self._nodes or self._edges):
                return
            nodes, edges, everything = sorted(self._nodes), sorted(self._edges), self._everything
            self._nodes, self._edges, self._everything = set(), set(), False
        self._record(
            everything=everything,
            nodes=[] if everything else nodes,
            edges=[] if everything else edges,
            keep=CHANGE_LOG_GENERATIONS,
        )
