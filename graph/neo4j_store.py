"""The Neo4j 5.26 backend: same contract as the embedded store, batched ``UNWIND ... MERGE`` writes.

Every node carries the common label ``Entity`` plus its type's label; uniqueness constraints on
``id`` are generated from the schema for ``Entity``, every node label and every relationship
type. Writes run in managed transactions, one batch per transaction; a run journal kept in the
database undoes a failed or crashed run (graph/run_journal.py, docs/NEO4J.md): a process that opens
the store completes the undo of runs this host abandoned. All Cypher lives in cypher/*.cypher.

Reads (``_read``, ``_read_values``) carry ``query_timeout_s`` as their transaction timeout when it
is set (the query service sets it from ``TIERWATCH_API_QUERY_TIMEOUT_S``; ingests open the store
without one), so the server stops a query that runs too long: ``QueryTimeoutError``. Whole-graph
scans (``_scan``, ``iter_nodes``, ``iter_edges``: ingests, exports, and the caches the query layer
fills once per store generation) are bounded and run without it.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from neo4j import Driver, GraphDatabase, ManagedTransaction, unit_of_work
from neo4j.exceptions import Neo4jError, ServiceUnavailable
from tierwatch.graph import run_journal
from tierwatch.graph.cypher_queries import cypher
from tierwatch.graph.errors import ConfigError, QueryTimeoutError, StoreError, StoreLockedError
from tierwatch.graph.neo4j_changes import ChangeRecorder
from tierwatch.graph.schema import EDGE_TYPES, ENTITY_LABEL, NODE_TYPES, TYPE_PRECEDENCE
from tierwatch.graph.store import exclusive_file_lock

Stored = dict[str, Any]
#: what Neo4j answers when a transaction outlives its timeout (ours, or the server's
#: db.transaction.timeout)
TIMED_OUT = (
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
)


def _data(record: Any) -> dict[str, Any]:
    return record.data()


def _rel_of(edge_id: str) -> str:
    return edge_id.split(":", 1)[0]


def _other_labels(label: str) -> list[str]:
    """Labels a node may have carried before being promoted to ``label`` (Company -> Brand)."""
    out: set[str] = set()
    for family in TYPE_PRECEDENCE:
        if label in family:
            out |= family - {label}
    return sorted(out)


class Neo4jStore:
    backend = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        *,
        database: str = "neo4j",
        batch_size: int = 10_000,
        query_timeout_s: float | None = None,
        recover: bool = True,
    ) -> None:
        """``recover``: undo runs this host abandoned (a killed ingest) if no writer holds the lock."""
        self.uri = uri
        self.database = database
        self.batch_size = batch_size
        if query_timeout_s is not None and not query_timeout_s > 0:
            raise ConfigError(f"the query timeout must be a positive number of seconds: {query_timeout_s}")
        self.query_timeout_s = query_timeout_s
        try:
            self.driver: Driver = GraphDatabase.driver(uri, auth=(user, password))
            self.driver.verify_connectivity()
        except (ServiceUnavailable, OSError, ValueError, Neo4jError) as exc:
            raise StoreError(
                f"cannot reach Neo4j at {uri}: {exc} (start one with `tierwatch neo4j start` "
                "or `docker compose up neo4j`)"
            ) from None
        self._ensure_constraints()
        # change record (graph/neo4j_changes.py): every write's ids, one generation per run
        self.changes = ChangeRecorder(lambda **params: self._write(cypher("record_change"), **params))
        if recover:
            self.recover_abandoned()

    # -- plumbing ----------------------------------------------------------------------------
    @contextmanager
    def _timed(self) -> Iterator[None]:
        """Turn the server's "transaction timed out" into ``QueryTimeoutError``."""
        try:
            yield
        except Neo4jError as exc:
            if exc.code not in TIMED_OUT:
                raise
            limit = f"{self.query_timeout_s:g} s" if self.query_timeout_s else "the server's limit"
            raise QueryTimeoutError(
                f"the query took longer than {limit} (Neo4j stopped it); narrow it "
                "(fewer tiers, filters, a smaller page)"
            ) from None

    def _read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return self._run_read(query, params, _data, self.query_timeout_s)

    def _read_values(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Like ``_read`` for queries that return only values, lists and maps (never nodes,
        relationships or paths): the records as they come, without the driver's recursive export
        (which costs more than the transfer for large collected lists)."""
        return self._run_read(query, params, dict, self.query_timeout_s)

    def _scan(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """A whole-graph read that fills a cache once per store generation: no transaction timeout
        (cut at the limit it would never fill on a large graph; the API's own clock answers 504
        meanwhile)."""
        return self._run_read(query, params, _data, None)

    def _run_read(
        self,
        query: str,
        params: dict[str, Any],
        convert: Callable[[Any], dict[str, Any]],
        timeout: float | None,
    ) -> list[dict[str, Any]]:
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [convert(r) for r in tx.run(query, **params)]

        if timeout is not None:
            work = unit_of_work(timeout=timeout)(work)
        with self._timed(), self.driver.session(database=self.database) as session:
            return session.execute_read(work)

    def _write(self, query: str, **params: Any) -> None:
        def work(tx: ManagedTransaction) -> None:
            tx.run(query, **params).consume()

        with self.driver.session(database=self.database) as session:
            session.execute_write(work)

    def _ensure_constraints(self) -> None:
        statements = [cypher("node_constraint", name="entity_id", label=ENTITY_LABEL)]
        for label in NODE_TYPES:
            statements.append(cypher("node_constraint", name=f"{label.lower()}_id", label=label))
        for rel in EDGE_TYPES:
            statements.append(cypher("rel_constraint", name=f"rel_{rel.lower()}_id", rel=rel))
        statements += [cypher("run_constraint"), cypher("run_journal_index")]
        with self.driver.session(database=self.database) as session:
            for statement in statements:
                session.run(statement).consume()

    # -- elements ----------------------------------------------------------------------------
    def get_nodes(self, ids: Sequence[str]) -> dict[str, Stored]:
        if not ids:
            return {}
        rows = self._read(cypher("get_nodes"), ids=list(ids))
        return {r["p"]["id"]: r["p"] for r in rows}

    def get_edges(self, ids: Sequence[str]) -> dict[str, Stored]:
        by_rel: dict[str, list[str]] = defaultdict(list)
        for eid in ids:
            if _rel_of(eid) in EDGE_TYPES:
                by_rel[_rel_of(eid)].append(eid)
        out: dict[str, Stored] = {}
        for rel, rel_ids in by_rel.items():
            for r in self._read(cypher("get_edges", rel=rel), ids=rel_ids):
                out[r["p"]["id"]] = r["p"]
        return out

    def put_nodes(self, nodes: Sequence[Stored]) -> None:
        self._write_grouped(
            nodes, lambda label: cypher("put_nodes", label=label, remove=_other_labels(label))
        )
        self.changes.nodes(n["id"] for n in nodes)

    def create_nodes(self, nodes: Sequence[Stored]) -> None:
        self._write_grouped(nodes, lambda label: cypher("create_nodes", label=label))
        self.changes.nodes(n["id"] for n in nodes)

    def put_edges(self, edges: Sequence[Stored]) -> None:
        self._write_grouped(edges, lambda rel: cypher("put_edges", rel=rel))
        self.changes.edges(e["id"] for e in edges)

    def create_edges(self, edges: Sequence[Stored]) -> None:
        self._write_grouped(edges, lambda rel: cypher("create_edges", rel=rel))
        self.changes.edges(e["id"] for e in edges)

    def _write_grouped(self, elements: Sequence[Stored], query_for: Callable[[str], str]) -> None:
        """One query per node label or relationship type, in batches (one transaction each)."""
        by_type: dict[str, list[Stored]] = defaultdict(list)
        for element in elements:
            by_type[element["type"]].append(element)
        for kind, rows in sorted(by_type.items()):
            query = query_for(kind)
            for start in range(0, len(rows), self.batch_size):
                self._write(query, rows=rows[start : start + self.batch_size])

    def delete_nodes(self, ids: Sequence[str]) -> None:
        if ids:
            self._write(cypher("delete_nodes"), ids=list(ids))
            self.changes.nodes(ids)  # and their links: readers drop links to a deleted node

    def delete_edges(self, ids: Sequence[str]) -> None:
        by_rel: dict[str, list[str]] = defaultdict(list)
        for eid in ids:
            by_rel[_rel_of(eid)].append(eid)
        for rel, rel_ids in by_rel.items():
            self._write(cypher("delete_edges", rel=rel), ids=rel_ids)
        self.changes.edges(ids)

    def _stream(self, query: str, **params: Any) -> Iterator[Stored]:
        with self.driver.session(database=self.database) as session:
            result = session.run(query, **params)
            for record in result:
                yield record["p"]

    def iter_nodes(self, types: Iterable[str] | None = None, dataset: str | None = None) -> Iterator[Stored]:
        return self._stream(cypher("iter_nodes"), types=list(types) if types else None, dataset=dataset)

    def iter_edges(self, types: Iterable[str] | None = None, dataset: str | None = None) -> Iterator[Stored]:
        return self._stream(cypher("iter_edges"), types=list(types) if types else None, dataset=dataset)

    def find_by_identifiers(self, identifiers: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for row in self._read(cypher("find_by_identifiers"), identifiers=list(identifiers)):
            for ident in row["matched"]:
                out.setdefault(ident, row["id"])
        return out

    def counts(self) -> dict[str, dict[str, int]]:
        nodes = {r["type"]: r["n"] for r in self._read(cypher("count_nodes"))}
        edges = {r["type"]: r["n"] for r in self._read(cypher("count_edges"))}
        return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer at a time per database (a lock file per URI on this host)."""
        with exclusive_file_lock(self.lock_path(), self.uri), self.changes.run():
            yield

    def lock_path(self) -> Path:
        """The write lock's file (crash tests watch /proc/locks for it)."""
        key = hashlib.sha256(f"{self.uri}/{self.database}".encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"tierwatch-neo4j-{key}.lock"

    # -- run journal (graph/run_journal.py) ----------------------------------------------------
    def begin_run(self, run: str, dataset: str, host: str, pid: int, started: str) -> None:
        self._write(cypher("run_begin"), run=run, dataset=dataset, host=host, pid=pid, started=started)

    def append_journal(
        self,
        run: str,
        seq: int,
        created_nodes: list[str],
        created_edges: list[str],
        nodes: list[str],
        edges: list[str],
    ) -> None:
        self._write(
            cypher("run_journal_append"),
            run=run,
            seq=seq,
            created_nodes=created_nodes,
            created_edges=created_edges,
            nodes=nodes,
            edges=edges,
        )

    def end_run(self, run: str) -> None:
        """One transaction: after a successful run, its commit point (the run is then whole)."""
        self._write(cypher("run_end"), run=run)

    def open_runs(self) -> list[dict[str, Any]]:
        return self._scan(cypher("run_open"))

    def journal_entries(self, run: str) -> list[dict[str, Any]]:
        return self._scan(cypher("run_journal_entries"), run=run)

    def recover(self) -> list[tuple[run_journal.OpenRun, int]]:
        """Undo every open run (``tierwatch neo4j recover``; waits for the write lock)."""
        with self.write_lock():
            return run_journal.recover(self, self.batch_size)

    def recover_abandoned(self) -> list[tuple[run_journal.OpenRun, int]]:
        """Undo the open runs this host started, unless a writer here holds the lock (then they
        may be live; that writer, or the next, completes any undo)."""
        if not run_journal.started_here(self):
            return []
        try:
            with self.write_lock():
                return run_journal.recover(self, self.batch_size, run_journal.started_here(self))
        except StoreLockedError:
            return []

    def clear(self) -> None:
        with self.driver.session(database=self.database) as session:
            session.run(cypher("clear_edges")).consume()
            session.run(cypher("clear_nodes")).consume()
        self.changes.everything()

    def close(self) -> None:
        self.driver.close()
