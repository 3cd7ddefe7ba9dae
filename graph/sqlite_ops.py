"""Operations on the embedded store's file: check, online backup, restore, converting an old pickle store.

``tierwatch store check|backup|restore`` (tierwatch/cli/store_cmd.py) call these.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierwatch.graph.errors import StoreError
from tierwatch.graph.sqlite_schema import FILE_NAME, FORMAT, SCHEMA_VERSION, prepare, read_meta, unreadable

if TYPE_CHECKING:
    from tierwatch.graph.sqlite_store import SQLiteStore

BATCH = 10_000


def convert_pickle(store: SQLiteStore, legacy: Path) -> None:
    """Convert an older version's ``graph.pickle`` into the SQLite file, once, in one transaction."""
    from tierwatch.graph.nx_store import read_pickle_store

    with store._file_lock(wait=True):  # another process may be converting it: wait, then look again
        if not legacy.exists():  # another process converted it meanwhile
            return
        kept = legacy.with_name(legacy.name + ".converted")
        if store.read_generation() > 0:
            os.replace(legacy, kept)
            store._notice(f"tierwatch: {legacy} ignored (the store is {store.path}); moved to {kept}")
            return
        old = read_pickle_store(legacy)
        nodes = list(old.iter_nodes())
        edges = list(old.iter_edges())
        with store._transaction():
            store._log(store._conn(), "*", ["*"])
            for start in range(0, len(nodes), BATCH):
                store.create_nodes(nodes[start : start + BATCH])
            for start in range(0, len(edges), BATCH):
                store.create_edges(edges[start : start + BATCH])
        os.replace(legacy, kept)
        store._notice(
            f"tierwatch: converted the store {legacy} (an older tierwatch's pickle format) to {store.path} "
            f"({len(nodes):,} nodes, {len(edges):,} links), once; the old file is kept as {kept}: "
            "delete it when you no longer need it"
        )


def backup_to(store: SQLiteStore, target: Path) -> Path:
    """A consistent copy of the committed store (SQLite's online backup API: one read snapshot, so an
    ingest committing meanwhile is in the copy wholly or not at all), as one self-contained file."""
    if target.is_dir():
        target = target / FILE_NAME
    if target.exists():
        raise StoreError(f"{target} exists: name a new file for the backup")
    if not target.parent.is_dir():
        raise StoreError(f"{target.parent} is not a folder")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(partial)) as dst:
            store._conn().backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        os.replace(partial, target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"backup to {target} failed: {exc}") from None
    return target


def inspect_file(path: Path) -> dict[str, Any]:
    """Format, schema version, generation and integrity of a store file (opened read-only)."""
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            meta = read_meta(conn)
            if meta.get("format") != FORMAT:
                raise StoreError(f"{path} is not a tierwatch store backup")
            integrity = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.Error as exc:
        raise unreadable(path, exc) from None
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer tierwatch (store schema version {version}; this version "
            f"reads up to {SCHEMA_VERSION}): upgrade tierwatch to restore it"
        )
    if integrity != ["ok"]:
        raise StoreError(f"{path} is damaged ({'; '.join(integrity[:3])}): it cannot be restored")
    return {"schema_version": version, "generation": int(meta.get("generation", "0"))}


def restore_from(store: SQLiteStore, source: Path) -> int:
    """Replace the store's contents by a backup's, in one step under the write lock (readers see the
    store before or after). The generation goes on rising. Returns the new generation."""
    info = inspect_file(source)
    with store._file_lock():
        before = store.read_generation()
        try:
            with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src:
                src.backup(store._conn())
        except sqlite3.Error as exc:
            raise StoreError(f"restoring {source} into {store.path} failed: {exc}") from None
        conn = store._conn()
        prepare(conn, store.path)  # WAL again; an older backup's schema migrated
        with store._transaction():
            store._local.next_gen = max(before, info["generation"]) + 1
            store._local.everything = False
            store._log(conn, "*", ["*"])
    return store.generation


def check(store: SQLiteStore) -> dict[str, Any]:
    """What ``tierwatch store check`` reports: integrity, schema version, counts, fingerprint."""
    from tierwatch.graph.dump import canonical_hash

    conn = store._conn()
    with store._guard():
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        meta = read_meta(conn)
    with store.snapshot() as generation:
        counts = store.counts()
        fingerprint = canonical_hash(store)
    sizes = {p.name: p.stat().st_size for p in store.directory.glob(FILE_NAME + "*") if p.is_file()}
    return {
        "store": "embedded",
        "path": str(store.path),
        "ok": integrity == ["ok"],
        "integrity": integrity[:20],
        "schema_version": int(meta.get("schema_version", "0")),
        "generation": generation,
        "committed_at": meta.get("committed_at"),
        "nodes": sum(counts["nodes"].values()),
        "edges": sum(counts["edges"].values()),
        "counts": counts,
        "fingerprint": fingerprint,
        "bytes": sizes,
    }


def copy_store(source_dir: Path, target_dir: Path) -> None:
    """Copy the store in ``source_dir`` (left untouched: opened read-only) into ``target_dir``: its
    SQLite file through the backup API, or an older version's pickle (converted on first open)."""
    import shutil

    target_dir.mkdir(parents=True, exist_ok=True)
    db = source_dir / FILE_NAME
    if db.is_file():
        try:
            with (
                closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as src,
                closing(sqlite3.connect(target_dir / FILE_NAME)) as dst,
            ):
                src.backup(dst)
        except sqlite3.Error as exc:
            raise unreadable(db, exc) from None
    elif (source_dir / "graph.pickle").is_file():
        shutil.copy2(source_dir / "graph.pickle", target_dir / "graph.pickle")
    else:
        raise StoreError(f"no store in {source_dir} (neither {FILE_NAME} nor graph.pickle)")


def has_store(directory: Path) -> bool:
    return (directory / FILE_NAME).is_file() or (directory / "graph.pickle").is_file()
