"""The store contract. Two backends implement it: NetworkX (embedded, default) and Neo4j.

The contract is small and element-oriented; merging, validation and provenance live in
``graph.records`` and ``graph.writer`` so that both backends hold identical elements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from tierwatch.graph.errors import ConfigError
from tierwatch.graph.settings import Settings

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
        """Held for a whole ingest: one writer at a time; commits (NetworkX: saves) on success."""

    def clear(self) -> None:
        """Remove everything (tests, ``--fresh``)."""

    def close(self) -> None: ...


def open_store(
    settings: Settings, backend: str | None = None, *, query_timeout_s: float | None = None
) -> GraphStore:
    """The configured store (``TIERWATCH_STORE``) or the one named. ``query_timeout_s``: Neo4j's
    reads carry it as their transaction timeout (the query service passes the API's limit)."""
    name = backend or settings.store
    if name == "networkx":
        from tierwatch.graph.nx_store import NetworkXStore

        return NetworkXStore(settings.store_dir)
    if name == "neo4j":
        from tierwatch.graph.neo4j_store import Neo4jStore

        return Neo4jStore(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password,
            database=settings.neo4j_database,
            batch_size=settings.neo4j_batch_size,
            query_timeout_s=query_timeout_s,
        )
    raise ConfigError(f"unknown store {name!r}: use 'networkx' or 'neo4j'")
