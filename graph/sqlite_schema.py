"""The embedded store's file: SQLite schema, version, migrations, connection settings.

One file, ``<store_dir>/graph.sqlite``, that anyone can open with ``sqlite3``::

    meta(key, value)                      schema_version, generation, format, committed_at
    nodes(id, type, data)                 data: the node's other properties as JSON (orjson)
    edges(id, type, src, dst, data)       data: the edge's other properties; src/dst index the ends
    provenance_sources(id, head, tail)    what provenance entries share (graph/sqlite_codec.py: in
                                          data, an entry is [source id, locator] or its whole text)
    provenance(element, entry)            a view: every provenance entry whole
    identifiers(identifier, node)         "scheme:value" -> node id (find_by_identifiers)
    changes(generation, kind, id)         ids each committed run wrote or deleted (kind 'node'/'edge';
                                          kind '*' = everything, e.g. after clear or restore); the last
                                          CHANGE_LOG_GENERATIONS generations are kept
    watchlist(id, added_at, snapshot)     watched entities and their last exposure snapshot (JSON;
                                          graph/watch/), since schema version 4
    alerts(seq, at, run, dataset, entity, kind, subject, data)
                                          alerts raised after ingests (data: the alert as JSON)
    search_names, search_fuzzy (FTS5),    the search index, written with the nodes in the same
    search_terms                          transaction (graph/sqlite_search.py)

Versions: 1: data held the whole element (id and type too) and provenance entries as texts, no
search index; 2 adds the search index (built from the nodes by the migration); 3 stores rows
compactly (the migration rewrites every row; ``VACUUM`` then returns the space to the disk); 4 adds
the watchlist and alerts tables.

``generation`` rises by one for every committed run that changed something; readers (the query
layer) compare it to know when to rebuild. The schema has a version (``SCHEMA_VERSION``): an older
file is migrated in place by ``MIGRATIONS`` (version -> the step that lifts it by one) inside one
transaction; a newer one is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tierwatch.graph import sqlite_codec, sqlite_search
from tierwatch.graph.errors import StoreError

FILE_NAME = "graph.sqlite"
FORMAT = "tierwatch-sqlite"
SCHEMA_VERSION = 4
CHANGE_LOG_GENERATIONS = 8

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS nodes_type ON nodes(type);
CREATE TABLE IF NOT EXISTS edges (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    src TEXT NOT NULL,
    dst TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS edges_src ON edges(src);
CREATE INDEX IF NOT EXISTS edges_dst ON edges(dst);
CREATE TABLE IF NOT EXISTS identifiers (
    identifier TEXT NOT NULL,
    node TEXT NOT NULL,
    PRIMARY KEY (identifier, node)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identifiers_node ON identifiers(node);
CREATE TABLE IF NOT EXISTS changes (
    generation INTEGER NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (generation, kind, id)
) WITHOUT ROWID;
"""

#: watchlists and alerts (graph/watch/): added by schema version 2, outside the graph (no generation)
WATCH_SCHEMA = """
CREATE TABLE IF NOT EXISTS watchlist (
    id TEXT PRIMARY KEY,
    added_at TEXT NOT NULL,
    snapshot TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    run TEXT NOT NULL,
    dataset TEXT,
    entity TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_at ON alerts(at);
"""


def _add_watch_tables(conn: sqlite3.Connection) -> None:
    for statement in sqlite_search.statements(WATCH_SCHEMA):
        conn.execute(statement)


def _add_search_index(conn: sqlite3.Connection) -> None:
    sqlite_search.create(conn)
    sqlite_search.rebuild(conn)


def _compact_rows(conn: sqlite3.Connection) -> None:
    has_search = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_names'").fetchone()
    if not has_search:  # a version-2 file without the search index (both steps are idempotent)
        _add_search_index(conn)
    sqlite_codec.create(conn)
    sqlite_codec.compact_rows(conn)


#: schema version N -> the step that turns a version-N file into version N+1 (run in one transaction)
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _add_search_index,
    2: _compact_rows,
    3: _add_watch_tables,
}

#: Per connection. WAL: readers never block the writer nor each other and see only committed runs.
#: No mmap: a reader scans the whole file once per generation (the query index), and mapped pages
#: would count in every process's resident memory; the OS page cache shares them anyway.
#: synchronous=FULL: one fsync of the WAL per commit, and there is one commit per ingest run, so a
#: committed run survives a power cut at no measurable cost (NORMAL would only skip that one fsync).
PRAGMAS = (
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-8192",  # 8 MiB per reading connection (the query index holds what queries read)
    "PRAGMA journal_size_limit=67108864",  # the WAL shrinks back to 64 MiB after a checkpoint
)
#: a writing connection's page cache (an ingest run's transaction reads and writes many pages)
WRITE_CACHE = "PRAGMA cache_size=-131072"  # 128 MiB


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), pragmas set."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        for pragma in PRAGMAS:
            conn.execute(pragma)
    except sqlite3.Error as exc:
        raise unreadable(path, exc) from None
    return conn


def unreadable(path: Path, exc: BaseException) -> StoreError:
    return StoreError(
        f"the store file {path} cannot be read ({exc}); restore a backup "
        "(tierwatch store restore PATH) or rebuild it (tierwatch demo --fresh / tierwatch ingest)"
    )


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    has = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not has:
        return {}
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Create the schema in a new file, migrate an older one, refuse a newer or foreign one."""
    try:
        meta = read_meta(conn)
        if meta.get("schema_version") == str(SCHEMA_VERSION) and meta.get("format") == FORMAT:
            _ensure_wal(conn)
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            meta = read_meta(conn)
            _check_or_create(conn, meta, path)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        _ensure_wal(conn)
    except sqlite3.Error as exc:
        raise unreadable(path, exc) from None


def _ensure_wal(conn: sqlite3.Connection) -> None:
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "wal":
        conn.execute("PRAGMA journal_mode=WAL")


def _check_or_create(conn: sqlite3.Connection, meta: dict[str, str], path: Path) -> None:
    if not meta:
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        if tables:
            raise StoreError(f"{path} is an SQLite file but not a tierwatch store (no meta table)")
        for statement in sqlite_search.statements(SCHEMA + WATCH_SCHEMA):
            conn.execute(statement)
        sqlite_search.create(conn)
        sqlite_codec.create(conn)
        conn.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?)",
            [("format", FORMAT), ("schema_version", str(SCHEMA_VERSION)), ("generation", "0")],
        )
        return
    if meta.get("format") != FORMAT:
        raise StoreError(f"{path} is not a tierwatch store (format {meta.get('format')!r})")
    try:
        version = int(meta.get("schema_version", ""))
    except ValueError:
        raise StoreError(f"{path}: unreadable schema version {meta.get('schema_version')!r}") from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer tierwatch (store schema version {version}; this version "
            f"reads up to {SCHEMA_VERSION}): upgrade tierwatch, or restore a backup made by this version"
        )
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise StoreError(f"{path}: no migration from store schema version {version}; rebuild the store")
        step(conn)
        version += 1
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
