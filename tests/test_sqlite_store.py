"""The embedded SQLite store as a database: one transaction per run seen whole or not at all by other
processes, a generation per committed run, online backup and restore, `tierwatch store check`, an
old pickle store converted once, and clear errors for a newer schema or a damaged file."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import IngestError, StoreError
from tierwatch.graph.settings import Settings
from tierwatch.graph.sqlite_schema import FILE_NAME, SCHEMA_VERSION
from tierwatch.graph.sqlite_store import SQLiteStore
from tierwatch.ingest.runner import run_ingest

APPLE = "facilities/apple_supplier_list_2012-2022_cwgrouptw.csv"

READ_IN_OTHER_PROCESS = """
import json, sys
from tierwatch.graph.sqlite_store import SQLiteStore
from tierwatch.graph.dump import canonical_hash
s = SQLiteStore(sys.argv[1])
print(json.dumps({"generation": s.generation, "counts": s.counts(), "hash": canonical_hash(s)}))
"""


def _other_process_reads(directory: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", READ_IN_OTHER_PROCESS, str(directory)],
        capture_output=True,
        text=True,
        timeout=120,  # a reader blocked by the writer would hang here
        check=True,
    )
    return json.loads(done.stdout)


def _apple_rows(open_data: Path, tmp_path: Path, rows: int) -> Path:
    path = tmp_path / f"apple_{rows}.csv"
    lines = (open_data / APPLE).read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")
    return path


def _cli(store_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TIERWATCH_STORE": "embedded", "TIERWATCH_STORE_DIR": str(store_dir)}
    env.pop("TIERWATCH_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "tierwatch", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_other_processes_see_a_run_whole_or_not_at_all_and_are_never_blocked(settings, open_data, tmp_path):
    store = SQLiteStore(settings.store_dir)
    run_ingest("apple-suppliers", [_apple_rows(open_data, tmp_path, 200)], store, settings)
    before = _other_process_reads(settings.store_dir)
    assert before["generation"] == store.generation == 1
    assert before["hash"] == canonical_hash(store)
    settings.neo4j_batch_size = 100  # many batches: the reader runs between two of them
    seen_mid_run: list[dict] = []

    def progress(what: str, done: int, total: int) -> None:
        if what == "links" and not seen_mid_run and done < total:
            seen_mid_run.append(_other_process_reads(settings.store_dir))

    run_ingest("apple-suppliers", [open_data / APPLE], store, settings, progress=progress)
    assert seen_mid_run == [before]  # mid-run: exactly the store as it was
    after = _other_process_reads(settings.store_dir)
    assert after["generation"] == before["generation"] + 1 == store.generation
    assert after["hash"] == canonical_hash(store) != before["hash"]
    assert sum(after["counts"]["edges"].values()) > sum(before["counts"]["edges"].values())


def test_generation_rises_per_committed_run_only(settings, open_data, tmp_path, failing_writes):
    store = SQLiteStore(settings.store_dir)
    small = _apple_rows(open_data, tmp_path, 300)
    run_ingest("apple-suppliers", [small], store, settings)
    assert store.generation == 1
    report = run_ingest("apple-suppliers", [small], store, settings)  # a no-op run
    assert report.nodes_created + report.nodes_updated + report.edges_created + report.edges_updated == 0
    assert store.generation == 1 and store.changes_since(1) == (set(), set())
    before = canonical_hash(store)
    settings.neo4j_batch_size = 50
    failing_writes(store, after=3)
    with pytest.raises(IngestError, match="injected failure"):
        run_ingest(
            "apple-suppliers",
            [open_data / APPLE],
            store,
            settings,
        )
    assert store.generation == store.read_generation() == 1  # rolled back: no new generation
    assert canonical_hash(SQLiteStore(settings.store_dir)) == before
    run_ingest("apple-suppliers", [_apple_rows(open_data, tmp_path, 400)], store, settings)
    assert store.generation == 2
    nodes, edges = store.changes_since(1)
    assert nodes and edges  # what the second run wrote, for an incremental index refresh
    assert set(store.get_edges(sorted(edges))) == edges
    assert any(n.startswith("source:") for n in nodes)  # the run's Source node


def test_backup_is_consistent_during_a_run_and_restore_brings_it_back(settings, open_data, tmp_path):
    store = SQLiteStore(settings.store_dir)
    run_ingest("apple-suppliers", [_apple_rows(open_data, tmp_path, 300)], store, settings)
    first = canonical_hash(store)
    backup = tmp_path / "backups" / "first.sqlite"
    backup.parent.mkdir()
    settings.neo4j_batch_size = 200

    def progress(what: str, done: int, total: int) -> None:
        if what == "links" and not backup.exists():
            done_ = _cli(settings.store_dir, "store", "backup", str(backup))  # online, mid-run
            assert done_.returncode == 0, done_.stderr

    run_ingest("apple-suppliers", [open_data / APPLE], store, settings, progress=progress)
    assert canonical_hash(store) != first
    assert not Path(str(backup) + "-wal").exists()  # one self-contained file
    reader = SQLiteStore(settings.store_dir)  # a reader open across the restore (the API)
    generation = reader.generation
    done = _cli(settings.store_dir, "store", "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert "restored" in done.stdout
    assert reader.poll_generation() and reader.generation > generation
    assert canonical_hash(reader) == first
    assert _cli(settings.store_dir, "store", "backup", str(backup)).returncode != 0  # never overwritten


def test_store_check_reports_integrity_counts_and_fingerprint(settings, open_data, tmp_path):
    store = SQLiteStore(settings.store_dir)
    run_ingest("apple-suppliers", [_apple_rows(open_data, tmp_path, 300)], store, settings)
    done = _cli(settings.store_dir, "store", "check", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and report["integrity"] == ["ok"]
    assert report["schema_version"] == SCHEMA_VERSION and report["generation"] == 1
    assert report["fingerprint"] == canonical_hash(store)
    assert report["counts"] == store.counts()
    assert report["nodes"] == sum(store.counts()["nodes"].values())
    text = _cli(settings.store_dir, "store", "check")
    assert text.returncode == 0 and report["fingerprint"] in text.stdout
    # a file anyone can open with the sqlite3 shell (and its JSON functions): the provenance view
    # shows every entry whole, as the store reads it back
    if shutil.which("sqlite3"):
        sql = (
            "SELECT count(*) FROM edges WHERE json_valid(data) AND src IN (SELECT id FROM nodes);"
            "SELECT entry FROM provenance ORDER BY entry"
        )
        shell = subprocess.run(
            ["sqlite3", "-readonly", str(settings.store_dir / FILE_NAME), sql], capture_output=True, text=True
        )
        assert shell.returncode == 0, shell.stderr
        count, *entries = shell.stdout.splitlines()
        assert int(count) == report["edges"]
        elements = [*store.iter_nodes(), *store.iter_edges()]
        assert entries == sorted(p for e in elements for p in e.get("prov", ()))


def test_store_check_fingerprint_is_the_same_on_neo4j(neo4j_uri, settings, open_data, tmp_path):
    from tierwatch.graph.neo4j_store import Neo4jStore

    from tierwatch.cli.store_cmd import check_report

    small = _apple_rows(open_data, tmp_path, 300)
    embedded = SQLiteStore(settings.store_dir)
    neo = Neo4jStore(neo4j_uri, "neo4j", "tierwatch")
    neo.clear()
    try:
        for s in (embedded, neo):
            run_ingest("apple-suppliers", [small], s, settings)
        a, b = check_report(embedded), check_report(neo)
        assert a["fingerprint"] == b["fingerprint"] and a["counts"] == b["counts"]
    finally:
        neo.clear()
        neo.close()


def _old_pickle_store(elements_from: SQLiteStore, directory: Path) -> None:
    """What tierwatch wrote before the SQLite store (graph/nx_store.py's old save())."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for n in elements_from.iter_nodes():
        g.add_node(n["id"], **n)
    for e in elements_from.iter_edges():
        g.add_edge(e["src"], e["dst"], key=e["id"], **e)
    directory.mkdir(parents=True)
    with (directory / "graph.pickle").open("wb") as fh:
        pickle.dump({"format": "tierwatch-networkx-1", "graph": g, "generation": 7}, fh)


def test_an_old_pickle_store_is_converted_once_with_a_message(settings, open_data, tmp_path):
    source = SQLiteStore(tmp_path / "source")
    run_ingest("apple-suppliers", [_apple_rows(open_data, tmp_path, 300)], source, settings)
    old = tmp_path / "old"
    _old_pickle_store(source, old)
    notices: list[str] = []
    converted = SQLiteStore(old, notice=notices.append)
    assert len(notices) == 1 and "converted" in notices[0] and str(old / "graph.pickle") in notices[0]
    assert canonical_hash(converted) == canonical_hash(source)
    assert not (old / "graph.pickle").exists() and (old / "graph.pickle.converted").exists()
    again: list[str] = []
    assert canonical_hash(SQLiteStore(old, notice=again.append)) == canonical_hash(source)
    assert again == []
    # the command line says so too, on a second old store
    other = tmp_path / "old2"
    _old_pickle_store(source, other)
    done = _cli(other, "stats", "--json")
    assert done.returncode == 0 and "converted the store" in done.stderr


#: the first SQLite store's file (schema version 1): whole elements as JSON, no search index
V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE nodes (id TEXT PRIMARY KEY, type TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX nodes_type ON nodes(type);
CREATE TABLE edges (id TEXT PRIMARY KEY, type TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,
    data TEXT NOT NULL);
CREATE INDEX edges_src ON edges(src);
CREATE INDEX edges_dst ON edges(dst);
CREATE TABLE identifiers (identifier TEXT NOT NULL, node TEXT NOT NULL,
    PRIMARY KEY (identifier, node)) WITHOUT ROWID;
CREATE INDEX identifiers_node ON identifiers(node);
CREATE TABLE changes (generation INTEGER NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (generation, kind, id)) WITHOUT ROWID;
"""


def test_a_version_1_file_is_migrated_in_place(settings, open_data, tmp_path):
    """A file the first SQLite store wrote opens migrated (in one transaction): the same canonical dump,
    rows stored compactly, and search served from the index the migration built."""
    from tierwatch.graph.query import Viewer, open_query_service

    source = SQLiteStore(tmp_path / "source")
    run_ingest("apple-suppliers", [_apple_rows(open_data, tmp_path, 300)], source, settings)
    nodes, edges = list(source.iter_nodes()), list(source.iter_edges())
    old = tmp_path / "v1"
    old.mkdir()
    with sqlite3.connect(old / FILE_NAME) as conn:
        conn.executescript(V1_SCHEMA)
        conn.executemany(
            "INSERT INTO nodes VALUES (?, ?, ?)", [(n["id"], n["type"], json.dumps(n)) for n in nodes]
        )
        conn.executemany(
            "INSERT INTO edges VALUES (?, ?, ?, ?, ?)",
            [(e["id"], e["type"], e["src"], e["dst"], json.dumps(e)) for e in edges],
        )
        meta = [("format", "tierwatch-sqlite"), ("schema_version", "1"), ("generation", "1")]
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta)
    with sqlite3.connect(old / FILE_NAME) as conn:
        whole_rows = conn.execute("SELECT sum(length(data)) FROM nodes").fetchone()[0]
    migrated = SQLiteStore(old)
    assert canonical_hash(migrated) == canonical_hash(source)
    migrated.close()
    with sqlite3.connect(old / FILE_NAME) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
        whole = conn.execute(
            "SELECT count(*) FROM nodes WHERE json_extract(data, '$.id') IS NOT NULL"
        ).fetchone()
        assert whole == (0,)
        compact = conn.execute("SELECT sum(length(data)) FROM nodes").fetchone()[0]
    assert compact < 0.7 * whole_rows
    company = next(n for n in nodes if n["type"] == "Company" and n.get("name"))
    svc = open_query_service(Settings(store_dir=old), "embedded")
    hits = svc.search(company["name"], Viewer.analyst()).hits
    assert hits[0].score == 100 and hits[0].entity.name == company["name"]
    svc.close()


def _assert_clear_error(store_dir: Path, path: Path, *words: str) -> None:
    done = _cli(store_dir, "store", "check")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    message = " ".join(done.stderr.split())  # rich may wrap long lines
    assert str(path) in message.replace(" ", "") or str(path) in message, message
    for word in words:
        assert word in message, message


def test_a_store_of_a_newer_schema_version_is_refused(settings, open_data, tmp_path):
    store = SQLiteStore(settings.store_dir)
    run_ingest("apple-suppliers", [_apple_rows(open_data, tmp_path, 50)], store, settings)
    store.close()
    path = settings.store_dir / FILE_NAME
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match="newer tierwatch") as caught:
        SQLiteStore(settings.store_dir)
    assert str(path) in str(caught.value)
    _assert_clear_error(settings.store_dir, path, "newer", "upgrade")


def test_a_file_that_is_no_database_gives_a_clear_error(tmp_path, open_data):
    directory = tmp_path / "store"
    directory.mkdir()
    path = directory / FILE_NAME
    path.write_bytes((open_data / APPLE).read_bytes()[:100_000])  # a real file, but a CSV
    with pytest.raises(StoreError) as caught:
        SQLiteStore(directory)
    assert str(path) in str(caught.value) and "restore a backup" in str(caught.value)
    _assert_clear_error(directory, path, "cannot be read")


def test_a_truncated_database_gives_a_clear_error(settings, open_data, tmp_path):
    store = SQLiteStore(settings.store_dir)
    run_ingest("apple-suppliers", [open_data / APPLE], store, settings)
    store.close()
    path = settings.store_dir / FILE_NAME
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0
    size = path.stat().st_size
    assert size > 1_000_000
    with path.open("r+b") as fh:
        fh.truncate(size // 3)
    with pytest.raises(StoreError) as caught:
        canonical_hash(SQLiteStore(settings.store_dir))
    assert str(path) in str(caught.value)
    _assert_clear_error(settings.store_dir, path)


def test_the_query_service_notices_a_run_another_process_committed(settings, open_data, tmp_path):
    from tierwatch.graph.query import open_query_service

    run_ingest(
        "apple-suppliers", [_apple_rows(open_data, tmp_path, 100)], SQLiteStore(settings.store_dir), settings
    )
    svc = open_query_service(Settings(store_dir=settings.store_dir))
    before, n_before = svc.generation, svc.source.full_index().n
    assert not svc.refresh()
    done = _cli(settings.store_dir, "ingest", "apple-suppliers", str(_apple_rows(open_data, tmp_path, 400)))
    assert done.returncode == 0, done.stderr
    assert svc.refresh() and svc.generation != before
    ix = svc.source.full_index()
    assert ix.n > n_before and ix.n == sum(SQLiteStore(settings.store_dir).counts()["nodes"].values())
    svc.close()
