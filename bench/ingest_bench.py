"""Ingest throughput on both stores, on the seeded synthetic graph, measured in one run.

    .venv/bin/python bench/ingest_bench.py [--nodes 100000] [--batch 10000] [--bulk-port 7692]

Needs a Neo4j at TIERWATCH_NEO4J_URI (``tierwatch neo4j start``) unless ``--embedded-only``.
Writes go through the same writer as real ingests (read existing, merge, validate, write
changed), batches of ``--batch``, constraints on, after a warm-up batch. Prints rows/s for each
store and the ratio (the embedded store's rows/s are inside its one transaction; the COMMIT that
follows is printed beside them). Incremental writes run as one journaled writer run (``GraphWriter.run``),
as ingests do.

``--bulk-port P``: also the bulk first load (``tierwatch neo4j import``): the embedded store's graph
written as neo4j-admin CSVs, imported into the local throw-away Neo4j on port P (stopped, overwritten,
restarted), its records/s, and whether its canonical dump equals the embedded store's.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.exports.bulk import write_bulk
from tierwatch.graph.neo4j_store import Neo4jStore
from tierwatch.graph.sqlite_store import SQLiteStore
from tierwatch.graph.synthetic import generate
from tierwatch.graph.writer import GraphWriter

from tierwatch.neo4j_import import bulk_import
from tierwatch.neo4j_local import JAVA_HEAP


def measure(store, nodes, edges, batch: int) -> dict[str, float]:
    warm_nodes, rest_nodes = nodes[:batch], nodes[batch:]
    writer = GraphWriter(store, batch_size=batch)
    with store.write_lock(), writer.run("synthetic"):
        writer.write_nodes(warm_nodes)  # warm-up batch (not timed)
        t0, c0 = time.perf_counter(), time.process_time()
        writer.write_nodes(rest_nodes)
        t1, c1 = time.perf_counter(), time.process_time()
        writer.write_edges(edges)
        t2, c2 = time.perf_counter(), time.process_time()
    t3 = time.perf_counter()  # the write lock's end: the embedded store's COMMIT
    return {
        "commit_s": t3 - t2,
        # per second of this process's CPU: comparable across loads of a shared machine (not for
        # Neo4j, whose work is in the server)
        "node_rows_per_cpu_s": len(rest_nodes) / (c1 - c0),
        "link_rows_per_cpu_s": len(edges) / (c2 - c1),
        "node_rows_per_s": len(rest_nodes) / (t1 - t0),
        "link_rows_per_s": len(edges) / (t2 - t1),
        "node_s": t1 - t0,
        "link_s": t2 - t1,
    }


def bulk(embedded: SQLiteStore, port: int, directory: Path) -> None:
    t = time.perf_counter()
    write_bulk(embedded.iter_nodes(), embedded.iter_edges(), directory)
    written_s = time.perf_counter() - t
    result = bulk_import(directory, port)
    neo = Neo4jStore(f"bolt://127.0.0.1:{port}", "neo4j", "tierwatch", recover=False)  # constraints
    same = canonical_hash(neo) == canonical_hash(embedded)
    neo.close()
    print(
        f"bulk import: {result.nodes:,} nodes + {result.relationships:,} relationships in "
        f"{result.import_s:.1f} s = {result.records_per_s:,.0f} records/s (neo4j-admin, JVM "
        f"{JAVA_HEAP}; CSVs written in {written_s:.1f} s); canonical dump equals the embedded "
        f"store's: {same}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--embedded-only", action="store_true", help="skip Neo4j")
    parser.add_argument("--bulk-port", type=int, default=None, help="local Neo4j for the bulk import")
    args = parser.parse_args()
    t = time.perf_counter()
    nodes, edges = generate(args.nodes, seed=7)
    print(
        f"synthetic graph: {len(nodes):,} nodes, {len(edges):,} links (generated in "
        f"{time.perf_counter() - t:.1f} s); cores: {os.cpu_count()}; batch {args.batch:,}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        embedded = SQLiteStore(Path(tmp))
        r_nx = measure(embedded, nodes, edges, args.batch)
        size = sum(p.stat().st_size for p in Path(tmp).glob("graph.sqlite*"))
        if args.bulk_port:
            bulk(embedded, args.bulk_port, Path(tmp) / "csv")
    print(f"{'store':10} {'node rows/s':>14} {'link rows/s':>14}")
    print(
        f"{'embedded':10} {r_nx['node_rows_per_s']:>14,.0f} {r_nx['link_rows_per_s']:>14,.0f}"
        f"   (commit {r_nx['commit_s']:.2f} s; file {size / 1e6:,.0f} MB)"
    )
    print(
        f"{'  per CPU s':10} {r_nx['node_rows_per_cpu_s']:>14,.0f} {r_nx['link_rows_per_cpu_s']:>14,.0f}"
        "   (rows per second of this process's CPU time)"
    )
    if args.embedded_only:
        return
    uri = os.environ.get("TIERWATCH_NEO4J_URI", "bolt://127.0.0.1:7687")
    neo = Neo4jStore(uri, "neo4j", "tierwatch", batch_size=args.batch)
    neo.clear()
    r_neo = measure(neo, nodes, edges, args.batch)
    neo.clear()
    neo.close()
    print(f"{'neo4j':10} {r_neo['node_rows_per_s']:>14,.0f} {r_neo['link_rows_per_s']:>14,.0f}")
    print(
        f"ratio embedded/neo4j: nodes {r_nx['node_rows_per_s'] / r_neo['node_rows_per_s']:.1f}x, "
        f"links {r_nx['link_rows_per_s'] / r_neo['link_rows_per_s']:.1f}x"
    )
    print("targets: neo4j >= 30,000 node rows/s and >= 20,000 link rows/s; embedded >= 3x neo4j")


if __name__ == "__main__":
    main()
