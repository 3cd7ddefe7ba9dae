"""The embedded store: one SQLite file in WAL mode (schema: graph/sqlite_schema.py).

- One transaction per ingest run: ``write_lock()`` takes the store's lock file (one writer at a
  time, ``StoreLockedError`` for a second one), then ``BEGIN IMMEDIATE``; the run's writes ``COMMIT``
  together on success and ``ROLLBACK`` on any error, so a crash at any moment leaves the store as it
  was before the run or after it. Writes outside ``write_lock`` are each their own transaction.
- Readers in other processes are never blocked (WAL) and see only committed runs. ``snapshot()``
  holds one read transaction, so several reads (the query index: all nodes, then all edges) see
  one generation.
- ``generation`` (in ``meta``) rises by one per committed run that changed something; the
  ``changes`` table lists the ids each of the last runs changed (for incremental index refresh).
- Elements are stored compactly (graph/sqlite_codec.py: id/type/src/dst in columns, the other
  properties as JSON, provenance split into a shared source and a locator) and read back as equal
  dicts, so this store and Neo4j hold byte-identical canonical dumps (graph/dump.py).
- A store folder holding an older version's ``graph.pickle`` is converted once, with a message.

Connections are per thread (``sqlite3`` objects are not shared across threads); a finished
thread's connection is closed when a new thread opens one.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from tierwatch.graph import sqlite_search
from tierwatch.graph.errors import StoreError, StoreLockedError
from tierwatch.graph.sqlite_codec import EDGE_COLUMNS, NODE_COLUMNS, Codec
from tierwatch.graph.sqlite_schema import (
    CHANGE_LOG_GENERATIONS,
    FILE_NAME,
    WRITE_CACHE,
    connect,
    prepare,
    unreadable,
)
from tierwatch.graph.store import exclusive_file_lock

Stored = dict[str, Any]
FETCH = 5_000  # rows per fetch when streaming
NODE_ROW = "id, type, data"
EDGE_ROW = "id, type, src, dst, data"


def _json(values: Iterable[str]) -> str:
    return orjson.dumps(list(values)).decode()


def _print_notice(message: str) -> None:
    print(message, file=sys.stderr)


class SQLiteStore:
    backend = "embedded"
    #: writes happen in one database transaction: a failed run is undone by ROLLBACK (graph/writer.py
    #: keeps no undo journal for such a store)
    transactional = True

    def __init__(self, directory: Path, *, notice: Callable[[str], None] = _print_notice) -> None:
        self.directory = Path(directory)
        self.path = self.directory / FILE_NAME
        self._notice = notice
        self._local = threading.local()
        self._conns: dict[threading.Thread, sqlite3.Connection] = {}
        self._conns_lock = threading.Lock()
        self._codec = Codec()
        self.generation = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store folder {self.directory}: {exc}") from None
        if not self.path.is_file() and self.path.exists():
            raise StoreError(f"the store file {self.path} is not a file")
        legacy = self.directory / "graph.pickle"
        if legacy.exists():
            self._convert_legacy(legacy)
        self.generation = self.read_generation()

    # -- connections and errors ---------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            prepare(conn, self.path)
            self._local.conn = conn
            self._local.txn = False
            with self._conns_lock:
                # threads come and go (a web server's, Streamlit's): their connections go with them
                for thread in [t for t in self._conns if not t.is_alive()]:
                    with suppress(sqlite3.Error):
                        self._conns.pop(thread).close()
                self._conns[threading.current_thread()] = conn
        return conn

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """sqlite3 errors as one readable line naming the file."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreLockedError(f"the store {self.path} is busy: {exc}") from None
            raise unreadable(self.path, exc) from None
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"{self.path}: {exc}") from None
        except sqlite3.Error as exc:
            raise unreadable(self.path, exc) from None

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """The current write transaction, or a new one committed at the end (rolled back on error)."""
        conn = self._conn()
        if self._local.txn:
            yield conn
            return
        with self._guard():
            conn.execute(WRITE_CACHE)
            conn.execute("BEGIN IMMEDIATE")
        self._local.txn = True
        self._local.dirty = False
        self._local.everything = False
        self._local.next_gen = self._generation_in(conn) + 1
        self._codec.begin()
        try:
            yield conn
            with self._guard():
                self._commit(conn)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self._local.txn = False

    def _commit(self, conn: sqlite3.Connection) -> None:
        if self._local.dirty:
            gen = self._local.next_gen
            now = datetime.now(UTC).isoformat(timespec="seconds")
            conn.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [("generation", str(gen)), ("committed_at", now)],
            )
            conn.execute("DELETE FROM changes WHERE generation <= ?", (gen - CHANGE_LOG_GENERATIONS,))
            conn.execute("COMMIT")
            self.generation = gen
        else:
            conn.execute("COMMIT")

    def _log(self, conn: sqlite3.Connection, kind: str, ids: Iterable[str]) -> None:
        """Record what this transaction changed; once it replaced everything ('*'), no more ids."""
        self._local.dirty = True
        gen = self._local.next_gen
        if self._local.everything:
            return
        if kind == "*":
            conn.execute("DELETE FROM changes WHERE generation = ?", (gen,))
            self._local.everything = True
        conn.executemany(
            "INSERT OR IGNORE INTO changes(generation, kind, id) VALUES (?, ?, ?)",
            ((gen, kind, i) for i in ids),
        )

    def _file_lock(self, *, wait: bool = False) -> AbstractContextManager[None]:
        return exclusive_file_lock(self.directory / "write.lock", str(self.directory), wait=wait)

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer at a time; the whole block is one transaction (COMMIT or ROLLBACK)."""
        with self._file_lock(), self._transaction():
            yield

    @contextmanager
    def snapshot(self) -> Iterator[int]:
        """One read transaction: every read inside sees the same generation (which it yields)."""
        conn = self._conn()
        if conn.in_transaction:  # inside this thread's write: it sees its own writes
            yield self._generation_in(conn)
            return
        with self._guard():
            conn.execute("BEGIN")
            gen = self._generation_in(conn)
        try:
            self.generation = max(self.generation, gen)
            yield gen
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def _generation_in(self, conn: sqlite3.Connection) -> int:
        with self._guard():
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def read_generation(self) -> int:
        """The generation committed now (a fresh read)."""
        return self._generation_in(self._conn())

    def poll_generation(self) -> bool:
        """Re-read the committed generation; True when another writer committed a run since."""
        gen = self.read_generation()
        changed = gen != self.generation
        self.generation = gen
        return changed

    def changes_since(self, generation: int) -> tuple[set[str], set[str]] | None:
        """(node ids, edge ids) written or deleted by the runs after ``generation``; None when the log
        does not reach back that far or a run replaced everything (rebuild from scratch)."""
        conn = self._conn()
        with self._guard():
            oldest = conn.execute("SELECT min(generation) FROM changes").fetchone()[0]
            current = self._generation_in(conn)
            if current == generation:
                return set(), set()
            if oldest is None or oldest > generation + 1:
                return None
            rows = conn.execute("SELECT kind, id FROM changes WHERE generation > ?", (generation,)).fetchall()
        nodes: set[str] = set()
        edges: set[str] = set()
        for kind, eid in rows:
            if kind == "*":
                return None
            (nodes if kind == "node" else edges).add(eid)
        return nodes, edges

    # -- reads --------------------------------------------------------------------------------
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        conn = self._conn()
        with self._guard():
            cursor = conn.execute(sql, params)
            try:
                while rows := cursor.fetchmany(FETCH):
                    yield from rows
            finally:
                cursor.close()

    def _node(self, conn: sqlite3.Connection, row: Sequence[Any]) -> Stored:
        """A node from its row (id, type, data)."""
        return self._codec.decode(conn, {"id": row[0], "type": row[1]}, row[2])

    def _edge(self, conn: sqlite3.Connection, row: Sequence[Any]) -> Stored:
        """An edge from its row (id, type, src, dst, data)."""
        return self._codec.decode(conn, {"id": row[0], "type": row[1], "src": row[2], "dst": row[3]}, row[4])

    def get_nodes(self, ids: Sequence[str]) -> dict[str, Stored]:
        if not ids:
            return {}
        sql = f"SELECT {NODE_ROW} FROM nodes WHERE id IN (SELECT value FROM json_each(?))"
        conn = self._conn()
        return {r[0]: self._node(conn, r) for r in self._rows(sql, (_json(ids),))}

    def get_edges(self, ids: Sequence[str]) -> dict[str, Stored]:
        if not ids:
            return {}
        sql = f"SELECT {EDGE_ROW} FROM edges WHERE id IN (SELECT value FROM json_each(?))"
        conn = self._conn()
        return {r[0]: self._edge(conn, r) for r in self._rows(sql, (_json(ids),))}

    def _iter(self, table: str, types: Iterable[str] | None, dataset: str | None) -> Iterator[Stored]:
        where, params = [], []
        if types:
            where.append("type IN (SELECT value FROM json_each(?))")
            params.append(_json(types))
        if dataset:
            where.append(f"EXISTS (SELECT 1 FROM json_each({table}.data, '$.datasets') WHERE value = ?)")
            params.append(dataset)
        condition = " WHERE " + " AND ".join(where) if where else ""
        conn = self._conn()
        if table == "nodes":
            for row in self._rows(f"SELECT {NODE_ROW} FROM nodes{condition} ORDER BY id", params):
                yield self._node(conn, row)
        else:
            for row in self._rows(f"SELECT {EDGE_ROW} FROM edges{condition} ORDER BY id", params):
                yield self._edge(conn, row)

    def iter_nodes(self, types: Iterable[str] | None = None, dataset: str | None = None) -> Iterator[Stored]:
        return self._iter("nodes", types, dataset)

    def iter_edges(self, types: Iterable[str] | None = None, dataset: str | None = None) -> Iterator[Stored]:
        return self._iter("edges", types, dataset)

    def incident(self, ids: Iterable[str]) -> list[tuple[Stored, Stored]]:
        """Every edge touching the given nodes, with the node at its far end."""
        both = "e.id, e.type, e.src, e.dst, e.data, n.id, n.type, n.data"
        sql = (
            f"SELECT {both} FROM edges e JOIN nodes n ON n.id = e.dst "
            "WHERE e.src IN (SELECT value FROM json_each(?1)) "
            f"UNION ALL SELECT {both} FROM edges e JOIN nodes n ON n.id = e.src "
            "WHERE e.dst IN (SELECT value FROM json_each(?1))"
        )
        conn = self._conn()
        return [
            (self._edge(conn, r[:5]), self._node(conn, r[5:]))
            for r in self._rows(sql, (_json(sorted(set(ids))),))
        ]

    def find_by_identifiers(self, identifiers: Sequence[str]) -> dict[str, str]:
        if not identifiers:
            return {}
        sql = (
            "SELECT identifier, min(node) FROM identifiers "
            "WHERE identifier IN (SELECT value FROM json_each(?)) GROUP BY identifier"
        )
        return dict(self._rows(sql, (_json(identifiers),)))

    def search_candidates(
        self,
        *,
        terms: Sequence[str],
        prefixes: Sequence[str],
        key: str,
        grams: Iterable[str],
        types: Sequence[str],
    ) -> list[tuple[str, str, str]]:
        """(node, field, text) of each search entry of the nodes a query may match (sqlite_search.py)."""
        conn = self._conn()
        with self._guard():
            return list(
                sqlite_search.candidates(
                    conn, terms=terms, prefixes=prefixes, key=key, grams=grams, types=types
                )
            )

    def counts(self) -> dict[str, dict[str, int]]:
        nodes = dict(self._rows("SELECT type, count(*) FROM nodes GROUP BY type ORDER BY type"))
        edges = dict(self._rows("SELECT type, count(*) FROM edges GROUP BY type ORDER BY type"))
        return {"nodes": nodes, "edges": edges}

    # -- writes -------------------------------------------------------------------------------
    def _write_nodes(self, nodes: Sequence[Stored], *, replace: bool) -> None:
        if not nodes:
            return
        with self._transaction() as conn, self._guard():
            ids = [n["id"] for n in nodes]
            if replace:
                conn.execute(
                    "DELETE FROM identifiers WHERE node IN (SELECT value FROM json_each(?))", (_json(ids),)
                )
                sqlite_search.forget(conn, ids)
                sql = (
                    "INSERT INTO nodes(id, type, data) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET type = excluded.type, data = excluded.data"
                )
            else:
                sql = "INSERT INTO nodes(id, type, data) VALUES (?, ?, ?)"
            encode = self._codec.encode
            conn.executemany(sql, ((n["id"], n["type"], encode(conn, n, NODE_COLUMNS)) for n in nodes))
            conn.executemany(
                "INSERT OR IGNORE INTO identifiers(identifier, node) VALUES (?, ?)",
                ((ident, n["id"]) for n in nodes for ident in n.get("identifiers") or ()),
            )
            sqlite_search.index(conn, nodes)
            self._log(conn, "node", ids)

    def _write_edges(self, edges: Sequence[Stored], *, replace: bool) -> None:
        if not edges:
            return
        with self._transaction() as conn, self._guard():
            ends = sorted({e["src"] for e in edges} | {e["dst"] for e in edges})
            missing = {
                r[0]
                for r in conn.execute(
                    "SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM nodes)", (_json(ends),)
                )
            }
            if missing:
                bad = next(e for e in edges if e["src"] in missing or e["dst"] in missing)
                raise StoreError(f"edge {bad['id']} links a missing node")
            if replace:
                sql = (
                    "INSERT INTO edges(id, type, src, dst, data) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET type = excluded.type, src = excluded.src, "
                    "dst = excluded.dst, data = excluded.data"
                )
            else:
                sql = "INSERT INTO edges(id, type, src, dst, data) VALUES (?, ?, ?, ?, ?)"
            encode = self._codec.encode
            conn.executemany(
                sql, ((e["id"], e["type"], e["src"], e["dst"], encode(conn, e, EDGE_COLUMNS)) for e in edges)
            )
            self._log(conn, "edge", (e["id"] for e in edges))

    def put_nodes(self, nodes: Sequence[Stored]) -> None:
        self._write_nodes(nodes, replace=True)

    def create_nodes(self, nodes: Sequence[Stored]) -> None:
        self._write_nodes(nodes, replace=False)

    def put_edges(self, edges: Sequence[Stored]) -> None:
        self._write_edges(edges, replace=True)

    def create_edges(self, edges: Sequence[Stored]) -> None:
        self._write_edges(edges, replace=False)

    def delete_nodes(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        with self._transaction() as conn, self._guard():
            arg = (_json(ids),)
            touching = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM edges WHERE src IN (SELECT value FROM json_each(?1)) "
                    "UNION SELECT id FROM edges WHERE dst IN (SELECT value FROM json_each(?1))",
                    arg,
                )
            ]
            if touching:
                self._delete_edges(conn, touching)
            conn.execute("DELETE FROM identifiers WHERE node IN (SELECT value FROM json_each(?))", arg)
            sqlite_search.forget(conn, ids)
            conn.execute("DELETE FROM nodes WHERE id IN (SELECT value FROM json_each(?))", arg)
            self._log(conn, "node", ids)

    def _delete_edges(self, conn: sqlite3.Connection, ids: Sequence[str]) -> None:
        conn.execute("DELETE FROM edges WHERE id IN (SELECT value FROM json_each(?))", (_json(ids),))
        self._log(conn, "edge", ids)

    def delete_edges(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        with self._transaction() as conn, self._guard():
            self._delete_edges(conn, ids)

    def clear(self) -> None:
        with self._transaction() as conn, self._guard():
            for table in ("edges", "identifiers", "nodes", "changes"):
                conn.execute(f"DELETE FROM {table}")
            sqlite_search.clear(conn)
            self._log(conn, "*", ["*"])

    # -- operations ---------------------------------------------------------------------------
    def backup(self, target: Path) -> Path:
        """A consistent copy of the committed store in ``target`` (online: writers and readers go on)."""
        from tierwatch.graph.sqlite_ops import backup_to

        return backup_to(self, Path(target))

    def restore(self, source: Path) -> int:
        """Replace the store's contents by a backup's (under the write lock; readers see before or
        after). Returns the new generation."""
        from tierwatch.graph.sqlite_ops import restore_from

        return restore_from(self, Path(source))

    def _convert_legacy(self, legacy: Path) -> None:
        from tierwatch.graph.sqlite_ops import convert_pickle

        convert_pickle(self, legacy)

    def close(self) -> None:
        with self._conns_lock:
            conns, self._conns = list(self._conns.values()), {}
        for conn in conns:
            with suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()
