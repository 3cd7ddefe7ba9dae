"""The store contract. Two backends implement it: the embedded store (SQLite, the default;
graph/sqlite_store.py) and Neo4j (graph/neo4j_store.py).

The contract is small and element-oriented; merging, validation and provenance live in
``graph.records`` and ``graph.writer`` so that both backends hold identical elements.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from tierwatch.graph.errors import ConfigError, StoreLockedError
from tierwatch.graph.settings import Settings, store_name

Stored = dict[str, Any]


@runtime_checkable
class GraphStore(Protocol):
    """What every backend provides."""

    backend: str

    def get_nodes(self, ids: Sequence[str]) -> dict[str, Stored]: ...

    def get_edges(self, ids: Sequence[str]) -> dict[str, Stored]: ...

    def put_nodes(self, nodes: Sequence[Stored]) -> None:
        """Create or fully replace nodes (``type`` may change, e.g. Company -> Brand)."""

    def put_edges(self, edges: Sequence[Stored]) -> None:
        """Create or fully replace edges; both endpoints exist."""

    def create_nodes(self, nodes: Sequence[Stored]) -> None:
        """Create nodes the caller has just checked do not exist (under the write lock)."""

    def create_edges(self, edges: Sequence[Stored]) -> None:
        """Create edges the caller has just checked do not exist (under the write lock)."""

    def delete_nodes(self, ids: Sequence[str]) -> None:
        """Delete nodes and every edge touching them."""

    def delete_edges(self, ids: Sequence[str]) -> None: ...

    def iter_nodes(
        self, types: Iterable[str] | None = None, dataset: str | None = None
    ) -> Iterator[Stored]: ...

    def iter_edges(
        self, types: Iterable[str] | None = None, dataset: str | None = None
    ) -> Iterator[Stored]: ...

    def find_by_identifiers(self, identifiers: Sequence[str]) -> dict[str, str]:
        """Identifier ("scheme:value") -> id of the node that carries it."""

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"nodes": {type: n}, "edges": {type: n}}``."""

    def write_lock(self) -> AbstractContextManager[None]:
        """Held for a whole ingest: one writer at a time; commits on success (embedded: the whole run
        is one transaction, rolled back on error)."""

    def clear(self) -> None:
        """Remove everything (tests, ``--fresh``)."""

    def close(self) -> None: ...


EMBEDDED = "embedded"


@contextmanager
def exclusive_file_lock(path: Path, holder: str, *, wait: bool = False) -> Iterator[None]:
    """One writer at a time: an exclusive ``flock`` on ``path``; ``StoreLockedError`` naming
    ``holder`` (what is being written) when another process holds it, unless ``wait``."""
    with path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreLockedError(f"another ingest is writing to {holder}") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def open_store(
    settings: Settings,
    backend: str | None = None,
    *,
    query_timeout_s: float | None = None,
    recover: bool = True,
) -> GraphStore:
    """The configured store (``TIERWATCH_STORE``) or the one named. ``query_timeout_s``: Neo4j's
    reads carry it as their transaction timeout (the query service passes the API's limit).
    ``recover``: Neo4j undoes the ingest runs this host abandoned (graph/run_journal.py)."""
    name = store_name(backend or settings.store)
    if name == EMBEDDED:
        from tierwatch.graph.sqlite_store import SQLiteStore

        return SQLiteStore(settings.store_dir)
    if name == "neo4j":
        from tierwatch.graph.neo4j_store import Neo4jStore

        return Neo4jStore(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password,
            database=settings.neo4j_database,
            batch_size=settings.neo4j_batch_size,
            query_timeout_s=query_timeout_s,
            recover=recover,
        )
    raise ConfigError(f"unknown store {name!r}: use 'embedded' (the default) or 'neo4j'")
