"""The embedded store's search index: in the database, kept in the same transaction as the nodes.

Tables (graph/sqlite_schema.py creates them; schema version 2 on)::

    search_names(rowid, node, field, value, key)   one row per name and alias of a searchable node
                                                   (graph/search_keys.py); key: the text as the fuzzy
                                                   scorer sees it (ids and identifiers are read from
                                                   the nodes and identifiers tables)
    search_fuzzy                                   FTS5 trigram index over search_names.key
                                                   (external content, kept by triggers)
    search_terms(term, node)                       exact-match keys: ids and identifiers lower-cased,
                                                   names and aliases folded and normalised

A query's candidates (graph/query/search.py ``Query``): nodes with a term equal to the query's,
nodes with a term the query begins (an index range), and names sharing a 3-character run with the
query (the FTS5 index; a query shorter than 3 characters: names containing it). Only the candidate
nodes' entries are read and scored; only the scored nodes are read whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
from rapidfuzz.utils import default_process as processed
from tierwatch.graph.names import fold, normalise_name
from tierwatch.graph.search_keys import GRAM, UNSEARCHED_TYPES, entries_of, searchable

SCHEMA = """
CREATE TABLE IF NOT EXISTS search_names (
    rowid INTEGER PRIMARY KEY,
    node TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS search_names_node ON search_names(node);
CREATE VIRTUAL TABLE IF NOT EXISTS search_fuzzy USING fts5(
    key, content='search_names', content_rowid='rowid', tokenize='trigram', detail='none'
);
CREATE TRIGGER IF NOT EXISTS search_names_added AFTER INSERT ON search_names BEGIN
    INSERT INTO search_fuzzy(rowid, key) VALUES (new.rowid, new.key);
END;
CREATE TRIGGER IF NOT EXISTS search_names_removed AFTER DELETE ON search_names BEGIN
    INSERT INTO search_fuzzy(search_fuzzy, rowid, key) VALUES ('delete', old.rowid, old.key);
END;
CREATE TABLE IF NOT EXISTS search_terms (
    term TEXT NOT NULL,
    node TEXT NOT NULL,
    PRIMARY KEY (term, node)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_terms_node ON search_terms(node);
"""


def _json(values: Iterable[str]) -> str:
    return orjson.dumps(list(values)).decode()


def statements(script: str) -> Iterator[str]:
    """The SQL statements of a script (trigger bodies kept whole), to run inside a transaction."""
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending.strip()
            pending = ""


def create(conn: sqlite3.Connection) -> None:
    for statement in statements(SCHEMA):
        conn.execute(statement)


def forget(conn: sqlite3.Connection, ids: Sequence[str]) -> None:
    """Drop the search entries of these nodes (before they are rewritten or deleted)."""
    arg = (_json(ids),)
    conn.execute("DELETE FROM search_names WHERE node IN (SELECT value FROM json_each(?))", arg)
    conn.execute("DELETE FROM search_terms WHERE node IN (SELECT value FROM json_each(?))", arg)


def index(conn: sqlite3.Connection, nodes: Iterable[dict[str, Any]]) -> None:
    """Add the search entries of these (new or just forgotten) nodes."""
    names: list[tuple[str, str, str, str]] = []
    terms: set[tuple[str, str]] = set()
    for node in nodes:
        if not searchable(node):
            continue
        nid = node["id"]
        for field, value in entries_of(node):
            if field in ("name", "alias"):
                folded = fold(value)
                names.append((nid, field, value, processed(folded)))
                terms.add((folded, nid))
                if norm := normalise_name(value):
                    terms.add((norm, nid))
            else:
                terms.add((value.lower(), nid))
    conn.executemany("INSERT INTO search_names(node, field, value, key) VALUES (?, ?, ?, ?)", names)
    conn.executemany("INSERT OR IGNORE INTO search_terms(term, node) VALUES (?, ?)", terms)


def clear(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM search_names")
    conn.execute("DELETE FROM search_terms")
    conn.execute("INSERT INTO search_fuzzy(search_fuzzy) VALUES ('delete-all')")


def rebuild(conn: sqlite3.Connection) -> None:
    """(Re)build the whole search index from the nodes table (a migration; a repair)."""
    clear(conn)
    rows = conn.execute(
        "SELECT id, type, data FROM nodes WHERE type NOT IN (SELECT value FROM json_each(?))",
        (_json(UNSEARCHED_TYPES),),
    ).fetchall()
    index(conn, ({**orjson.loads(data), "id": nid, "type": kind} for nid, kind, data in rows))


def _above(prefix: str) -> str:
    """The least string greater than every string beginning with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _fts_phrase(gram: str) -> str:
    return '"' + gram.replace('"', '""') + '"'


def candidates(
    conn: sqlite3.Connection,
    *,
    terms: Sequence[str],
    prefixes: Sequence[str],
    key: str,
    grams: Iterable[str],
    types: Sequence[str],
) -> Iterator[tuple[str, str, str]]:
    """(node, field, value) of every entry of every candidate node of the wanted types."""
    parts = ["SELECT node FROM search_terms WHERE term IN (SELECT value FROM json_each(?))"]
    params: list[Any] = [_json(terms)]
    for prefix in prefixes:
        if prefix and ord(prefix[-1]) < 0x10FFFF:
            parts.append("SELECT node FROM search_terms WHERE term >= ? AND term < ?")
            params += [prefix, _above(prefix)]
    if key and len(key) < GRAM:
        parts.append("SELECT node FROM search_names WHERE key != '' AND instr(key, ?) > 0")
        params.append(key)
    elif key:
        parts.append(
            "SELECT node FROM search_names WHERE rowid IN "
            "(SELECT rowid FROM search_fuzzy WHERE search_fuzzy MATCH ?)"
        )
        params.append(" OR ".join(_fts_phrase(g) for g in sorted(grams)))
    wanted = ""
    if types:
        wanted = " AND type IN (SELECT value FROM json_each(?))"
        params.append(_json(types))
    sql = (
        f"WITH found(node) AS ({' UNION '.join(parts)}), "
        f"cand(node) AS (SELECT id FROM nodes WHERE id IN (SELECT node FROM found){wanted}) "
        "SELECT node, field, value FROM search_names WHERE node IN (SELECT node FROM cand) "
        "UNION ALL SELECT node, 'identifier', identifier FROM identifiers "
        "WHERE node IN (SELECT node FROM cand) "
        "UNION ALL SELECT node, 'id', node FROM cand"
    )
    cursor = conn.execute(sql, params)
    try:
        while rows := cursor.fetchmany(5_000):
            yield from rows
    finally:
        cursor.close()
