"""How the embedded store writes an element into its row, compactly, and reads it back equal.

A row holds the element's ``id`` and ``type`` (and an edge's ``src`` and ``dst``) in columns; its
``data`` column holds the other properties as JSON (orjson), read back in the same order after those
keys. Provenance entries (each a JSON text, as Neo4j stores them) are stored split: what repeats
across a dataset's rows (dataset, file, version, method, licence, confidence: the entry's text before
and after its ``locator``) once in ``provenance_sources(id, head, tail)``, and in the element
``[source id, locator]``; the entry is ``head || json_quote(locator) || tail`` again. An entry that
does not split that way (no locator, or a locator JSON would write differently) stays as its text.
The ``provenance(element, entry)`` view shows every entry whole (for the sqlite3 shell).

A source's id is a hash of its head and tail (so an id means the same text in every store file and
backup, and a reader's cache never goes stale); on the rare hash collision the entry stays text.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterable
from typing import Any

import orjson

Stored = dict[str, Any]
NODE_COLUMNS = ("id", "type")
EDGE_COLUMNS = ("id", "type", "src", "dst")
_LOCATOR = re.compile(r'"locator":("(?:[^"\\]|\\.)*")')

SCHEMA = """
CREATE TABLE IF NOT EXISTS provenance_sources (
    id INTEGER PRIMARY KEY,
    head TEXT NOT NULL,
    tail TEXT NOT NULL
);
CREATE VIEW IF NOT EXISTS provenance(element, entry) AS
    SELECT n.id, CASE WHEN p.type = 'text' THEN p.value
                      ELSE s.head || json_quote(json_extract(p.value, '$[1]')) || s.tail END
    FROM nodes n, json_each(n.data, '$.prov') p
    LEFT JOIN provenance_sources s ON s.id = json_extract(p.value, '$[0]')
    UNION ALL
    SELECT e.id, CASE WHEN p.type = 'text' THEN p.value
                      ELSE s.head || json_quote(json_extract(p.value, '$[1]')) || s.tail END
    FROM edges e, json_each(e.data, '$.prov') p
    LEFT JOIN provenance_sources s ON s.id = json_extract(p.value, '$[0]');
"""


def source_id(head: str, tail: str) -> int:
    digest = hashlib.blake2b(f"{head}\x00{tail}".encode(), digest_size=6).digest()
    return int.from_bytes(digest, "big")


class Codec:
    """Encodes rows for one store (per-transaction knowledge of the sources written) and decodes them
    (a cache of sources by id, shared by the store's threads: ids are content hashes)."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[str, str]] = {}
        self._local = threading.local()

    # -- writing ----------------------------------------------------------------------------------
    def begin(self) -> None:
        """A write transaction starts: which sources the file holds is looked up afresh."""
        self._local.present = {}

    def _source(self, conn: sqlite3.Connection, head: str, tail: str) -> int | None:
        present: dict[tuple[str, str], int | None] = self._local.__dict__.setdefault("present", {})
        key = (head, tail)
        if key in present:
            return present[key]
        sid: int | None = source_id(head, tail)
        row = conn.execute("SELECT head, tail FROM provenance_sources WHERE id = ?", (sid,)).fetchone()
        if row is None:
            conn.execute("INSERT INTO provenance_sources(id, head, tail) VALUES (?, ?, ?)", (sid, head, tail))
        elif tuple(row) != key:
            sid = None  # a hash collision: entries of this source stay text
        present[key] = sid
        if sid is not None:
            self._texts[sid] = key
        return sid

    def _entry(self, conn: sqlite3.Connection, text: Any) -> Any:
        if not isinstance(text, str):
            return text
        match = _LOCATOR.search(text)
        if match is None:
            return text
        literal = match.group(1)
        try:
            locator = orjson.loads(literal)
        except orjson.JSONDecodeError:
            return text
        if not isinstance(locator, str) or orjson.dumps(locator).decode() != literal:
            return text
        sid = self._source(conn, text[: match.start(1)], text[match.end(1) :])
        return text if sid is None else [sid, locator]

    def encode(self, conn: sqlite3.Connection, element: Stored, columns: Iterable[str]) -> str:
        body = {k: v for k, v in element.items() if k not in columns}
        prov = body.get("prov")
        if isinstance(prov, list) and prov:
            body["prov"] = [self._entry(conn, p) for p in prov]
        return orjson.dumps(body).decode()

    # -- reading ----------------------------------------------------------------------------------
    def _text(self, conn: sqlite3.Connection, entry: list[Any]) -> str:
        sid, locator = entry
        parts = self._texts.get(sid)
        if parts is None:
            row = conn.execute("SELECT head, tail FROM provenance_sources WHERE id = ?", (sid,)).fetchone()
            if row is None:
                raise sqlite3.DatabaseError(f"provenance source {sid} is missing")
            parts = self._texts[sid] = (row[0], row[1])
        return parts[0] + orjson.dumps(locator).decode() + parts[1]

    def decode(self, conn: sqlite3.Connection, element: Stored, data: str | bytes) -> Stored:
        """``element`` (its column values, in order) with the properties of ``data``."""
        element.update(orjson.loads(data))
        prov = element.get("prov")
        if prov and not all(type(p) is str for p in prov):
            element["prov"] = [p if type(p) is str else self._text(conn, p) for p in prov]
        return element


def create(conn: sqlite3.Connection) -> None:
    from tierwatch.graph.sqlite_search import statements

    for statement in statements(SCHEMA):
        conn.execute(statement)


def compact_rows(conn: sqlite3.Connection) -> None:
    """Migration 2 -> 3: rows whose data is the whole element (id and type inside, provenance as
    texts) rewritten compactly."""
    codec = Codec()
    codec.begin()
    for table, columns in (("nodes", NODE_COLUMNS), ("edges", EDGE_COLUMNS)):
        last = -1
        sql = f"SELECT rowid, data FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 5000"
        while rows := conn.execute(sql, (last,)).fetchall():
            conn.executemany(
                f"UPDATE {table} SET data = ? WHERE rowid = ?",
                [(codec.encode(conn, orjson.loads(data), columns), rowid) for rowid, data in rows],
            )
            last = rows[-1][0]
