"""Canonical dumps: every node and edge with its properties and provenance, sorted, and their hash.

The contract tests compare these between backends, and re-ingest tests compare them before and
after, so "the same graph" means the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import orjson
from tierwatch.graph.store import GraphStore


def canonical_lines(store: GraphStore) -> Iterator[bytes]:
    """One JSON line per element: nodes by id, then edges by id; keys sorted."""
    opts = orjson.OPT_SORT_KEYS
    for node in sorted(store.iter_nodes(), key=lambda n: n["id"]):
        yield b"N " + orjson.dumps(_normal(node), option=opts)
    for edge in sorted(store.iter_edges(), key=lambda e: e["id"]):
        yield b"E " + orjson.dumps(_normal(edge), option=opts)


#: Properties that record when something happened on this machine, not what the data says:
#: a Source node's ingest time. Left out of canonical dumps so two stores loaded at different
#: moments compare equal.
VOLATILE = frozenset({"ingested_at"})


def _normal(element: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in element.items() if k not in VOLATILE}


def canonical_hash(store: GraphStore) -> str:
    digest = hashlib.sha256()
    for line in canonical_lines(store):
        digest.update(line)
        digest.update(b"\n")
    return digest.hexdigest()


def canonical_dump(store: GraphStore) -> list[str]:
    return [line.decode() for line in canonical_lines(store)]
