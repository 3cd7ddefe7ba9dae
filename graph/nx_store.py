"""Reader of the store format of tierwatch versions before the SQLite store: one pickle of a
NetworkX MultiDiGraph (``graph.pickle``). Used only to convert such a store once
(graph/sqlite_ops.py ``convert_pickle``); nothing writes this format any more.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tierwatch.graph.errors import StoreError

Stored = dict[str, Any]
FORMAT = "tierwatch-networkx-1"


@dataclass
class PickleStore:
    """The elements of an old pickle store, read once."""

    graph: Any  # networkx.MultiDiGraph
    generation: int

    def iter_nodes(self) -> Iterator[Stored]:
        for _, attrs in self.graph.nodes(data=True):
            yield dict(attrs)

    def iter_edges(self) -> Iterator[Stored]:
        for _, _, attrs in self.graph.edges(data=True):
            yield dict(attrs)


def read_pickle_store(path: Path) -> PickleStore:
    """The graph in an old ``graph.pickle`` (written by this project's earlier versions only: a
    pickle runs code when loaded, so only a store folder the user made is ever read this way)."""
    try:
        with Path(path).open("rb") as fh:
            payload = pickle.load(fh)
    except Exception as exc:
        raise StoreError(
            f"cannot read the old store {path} ({type(exc).__name__}: {exc}); move it away and rebuild "
            "the store (tierwatch demo --fresh, or tierwatch ingest)"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise StoreError(f"{path} is not a tierwatch store (format {FORMAT})")
    return PickleStore(payload["graph"], int(payload.get("generation", 0)))
