"""Where watchlists and alerts are kept: the store-protocol addition both backends provide.

The embedded store keeps them in two tables of its SQLite file (``watchlist``, ``alerts``:
graph/sqlite_schema.py, schema version 2); Neo4j in nodes of the labels ``WatchItem`` and
``WatchAlert`` (cypher/watch_*.cypher), which no graph query reads (those match ``:Entity``).
Neither is part of the graph: writing them does not change its generation, and ``store clear``
keeps the embedded store's watchlist.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import orjson
from tierwatch.graph.cypher_queries import cypher
from tierwatch.graph.errors import StoreError
from tierwatch.graph.store import GraphStore

Row = dict[str, Any]


class WatchRecords(Protocol):
    """The watchlist and the alerts of one store."""

    def watched(self) -> list[Row]:
        """Entries ``{id, added_at, snapshot}`` (snapshot: a dict), by id."""

    def put_watch(self, entity_id: str, added_at: str, snapshot: dict[str, Any]) -> None: ...

    def remove_watch(self, entity_id: str) -> bool:
        """False when the id was not watched."""

    def add_alerts(self, alerts: list[Row]) -> None:
        """Record alerts ``{at, run, dataset, entity, kind, subject, ...}`` in order (numbered on)."""

    def alerts(self, since: str | None = None) -> list[Row]:
        """Recorded alerts with ``at >= since`` (all when None), oldest first, each with its ``seq``."""

    def close(self) -> None: ...


def watch_records(store: GraphStore) -> WatchRecords:
    if store.backend == "neo4j":
        return Neo4jWatchRecords(store)
    return SQLiteWatchRecords(store)


_ALERT_COLUMNS = ("at", "run", "dataset", "entity", "kind", "subject")


def _alert_row(seq: int, data: str) -> Row:
    return {"seq": seq, **orjson.loads(data)}


class SQLiteWatchRecords:
    def __init__(self, store: Any) -> None:
        from tierwatch.graph.sqlite_schema import connect, prepare

        self.path = store.path
        self.conn = connect(self.path)
        prepare(self.conn, self.path)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write the watchlist or alerts: {exc}") from None

    def watched(self) -> list[Row]:
        rows = self.conn.execute("SELECT id, added_at, snapshot FROM watchlist ORDER BY id").fetchall()
        return [{"id": i, "added_at": a, "snapshot": orjson.loads(s)} for i, a, s in rows]

    def put_watch(self, entity_id: str, added_at: str, snapshot: dict[str, Any]) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO watchlist(id, added_at, snapshot) VALUES (?, ?, ?)",
                (entity_id, added_at, orjson.dumps(snapshot).decode()),
            )

    def remove_watch(self, entity_id: str) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM watchlist WHERE id = ?", (entity_id,)).rowcount > 0

    def add_alerts(self, alerts: list[Row]) -> None:
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO alerts(at, run, dataset, entity, kind, subject, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(*(a.get(c) for c in _ALERT_COLUMNS), orjson.dumps(a).decode()) for a in alerts],
            )

    def alerts(self, since: str | None = None) -> list[Row]:
        rows = self.conn.execute(
            "SELECT seq, data FROM alerts WHERE ? IS NULL OR at >= ? ORDER BY seq", (since, since)
        ).fetchall()
        return [_alert_row(seq, data) for seq, data in rows]

    def close(self) -> None:
        self.conn.close()


class Neo4jWatchRecords:
    def __init__(self, store: Any) -> None:
        self.driver = store.driver
        self.database = store.database

    def _run(self, name: str, **params: Any) -> list[Row]:
        with self.driver.session(database=self.database) as session:
            return [dict(r) for r in session.run(cypher(name), **params)]

    def watched(self) -> list[Row]:
        rows = self._run("watch_list")
        return [
            {"id": r["id"], "added_at": r["added_at"], "snapshot": orjson.loads(r["snapshot"])} for r in rows
        ]

    def put_watch(self, entity_id: str, added_at: str, snapshot: dict[str, Any]) -> None:
        self._run("watch_put", id=entity_id, added_at=added_at, snapshot=orjson.dumps(snapshot).decode())

    def remove_watch(self, entity_id: str) -> bool:
        return bool(self._run("watch_delete", id=entity_id)[0]["removed"])

    def add_alerts(self, alerts: list[Row]) -> None:
        if alerts:
            rows = [
                {**{c: a.get(c) for c in _ALERT_COLUMNS}, "data": orjson.dumps(a).decode()} for a in alerts
            ]
            self._run("watch_alerts_create", alerts=rows)

    def alerts(self, since: str | None = None) -> list[Row]:
        return [_alert_row(r["seq"], r["data"]) for r in self._run("watch_alerts_list", since=since)]

    def close(self) -> None:
        pass
