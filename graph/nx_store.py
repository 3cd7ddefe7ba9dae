"""The embedded store: a NetworkX MultiDiGraph persisted on disk with atomic saves.

Nodes hold their stored dict as attributes; edges are keyed by their id. The file is written to a
temporary name, fsynced and renamed over the old one, so a crash mid-save leaves the previous
graph intact. A lock file keeps one writer at a time.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import networkx as nx
from tierwatch.graph.errors import StoreError, StoreLockedError

Stored = dict[str, Any]
FORMAT = "tierwatch-networkx-1"


class NetworkXStore:
    backend = "networkx"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / "graph.pickle"
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self._edge_index: dict[str, tuple[str, str]] = {}
        self._ident_index: dict[str, str] | None = None
        self.generation = 0
        self._sig: tuple[int, int, int] | None = None  # (inode, mtime_ns, size) of the file last read/written
        self._load()

    def _file_sig(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    # -- persistence -------------------------------------------------------------------------
    def _load(self) -> None:
        self.graph = nx.MultiDiGraph()
        self._edge_index = {}
        self._ident_index = None
        if not self.path.exists():
            return
        self._sig = self._file_sig()
        try:
            with self.path.open("rb") as fh:
                payload = pickle.load(fh)
        except Exception as exc:
            raise StoreError(f"cannot read the store at {self.path}: {exc}") from None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise StoreError(f"{self.path} is not a tierwatch store (format {FORMAT})")
        self.graph = payload["graph"]
        self.generation = payload.get("generation", 0)
        self._edge_index = {k: (u, v) for u, v, k in self.graph.edges(keys=True)}

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        self.generation += 1
        with tmp.open("wb") as fh:
            pickle.dump(
                {"format": FORMAT, "graph": self.graph, "generation": self.generation},
                fh,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        self._sig = self._file_sig()
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def reload_if_changed(self) -> bool:
        """Re-read the file when another process saved a newer graph. True if it reloaded."""
        sig = self._file_sig()
        if sig is None or sig == self._sig:  # saves are atomic renames: same file, same graph
            return False
        try:
            with self.path.open("rb") as fh:
                payload = pickle.load(fh)
        except Exception:
            return False
        self._sig = sig
        if payload.get("generation", 0) != self.generation:
            self.graph = payload["graph"]
            self.generation = payload.get("generation", 0)
            self._edge_index = {k: (u, v) for u, v, k in self.graph.edges(keys=True)}
            self._ident_index = None
            return True
        return False

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / "write.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreLockedError(f"another ingest is writing to {self.directory}") from None
            try:
                self.reload_if_changed()
                yield
                self.save()
            except BaseException:
                self._load()  # what is on disk is the store as it was
                raise
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- elements ----------------------------------------------------------------------------
    def get_nodes(self, ids: Sequence[str]) -> dict[str, Stored]:
        nodes = self.graph.nodes
        return {i: dict(nodes[i]) for i in ids if i in nodes}

    def get_edges(self, ids: Sequence[str]) -> dict[str, Stored]:
        out = {}
        for i in ids:
            ends = self._edge_index.get(i)
            if ends:
                out[i] = dict(self.graph.edges[ends[0], ends[1], i])
        return out

    def put_nodes(self, nodes: Sequence[Stored]) -> None:
        g = self.graph
        for node in nodes:
            nid = node["id"]
            if nid in g:
                attrs = g.nodes[nid]
                attrs.clear()
                attrs.update(node)
            else:
                g.add_node(nid, **node)
        self._ident_index = None

    def put_edges(self, edges: Sequence[Stored]) -> None:
        g = self.graph
        for edge in edges:
            eid, src, dst = edge["id"], edge["src"], edge["dst"]
            if src not in g or dst not in g:
                raise StoreError(f"edge {eid} links a missing node")
            if eid in self._edge_index:
                attrs = g.edges[src, dst, eid]
                attrs.clear()
                attrs.update(edge)
            else:
                g.add_edge(src, dst, key=eid, **edge)
                self._edge_index[eid] = (src, dst)

    create_nodes = put_nodes  # no faster path in memory
    create_edges = put_edges

    def delete_nodes(self, ids: Sequence[str]) -> None:
        g = self.graph
        for nid in ids:
            if nid in g:
                for _, _, k in list(g.in_edges(nid, keys=True)) + list(g.out_edges(nid, keys=True)):
                    self._edge_index.pop(k, None)
                g.remove_node(nid)
        self._ident_index = None

    def delete_edges(self, ids: Sequence[str]) -> None:
        for eid in ids:
            ends = self._edge_index.pop(eid, None)
            if ends:
                self.graph.remove_edge(ends[0], ends[1], key=eid)

    def iter_nodes(self, types: Iterable[str] | None = None, dataset: str | None = None) -> Iterator[Stored]:
        wanted = set(types) if types else None
        for _, attrs in self.graph.nodes(data=True):
            if wanted and attrs["type"] not in wanted:
                continue
            if dataset and dataset not in attrs.get("datasets", ()):
                continue
            yield dict(attrs)

    def iter_edges(self, types: Iterable[str] | None = None, dataset: str | None = None) -> Iterator[Stored]:
        wanted = set(types) if types else None
        for _, _, attrs in self.graph.edges(data=True):
            if wanted and attrs["type"] not in wanted:
                continue
            if dataset and dataset not in attrs.get("datasets", ()):
                continue
            yield dict(attrs)

    def find_by_identifiers(self, identifiers: Sequence[str]) -> dict[str, str]:
        if self._ident_index is None:
            index: dict[str, str] = {}
            for nid, attrs in self.graph.nodes(data=True):
                for ident in attrs.get("identifiers", ()):
                    index.setdefault(ident, nid)
            self._ident_index = index
        return {i: self._ident_index[i] for i in identifiers if i in self._ident_index}

    def counts(self) -> dict[str, dict[str, int]]:
        nodes = Counter(t for _, t in self.graph.nodes(data="type"))
        edges = Counter(t for _, _, t in self.graph.edges(data="type"))
        return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}

    def clear(self) -> None:
        self.graph = nx.MultiDiGraph()
        self._edge_index = {}
        self._ident_index = None
        if self.path.exists():
            self.save()

    def close(self) -> None:
        return None
