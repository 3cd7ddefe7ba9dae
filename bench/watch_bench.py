"""Alert computation after an ingest, beside the ingest itself, on a copy of the embedded demo store.

    .venv/bin/python bench/watch_bench.py --demo-store DIR [--watch 100]

Watches ``--watch`` entities of the demo graph (the RCMP first, then buyers, contracts and brands
by id: those whose exposure reaches something), ingests the watchlist tests' findings file (ONE
made-up test finding on a smelter the RCMP reaches: tests/watch/fixtures, a test input) and times
the ingest and the alert computation that follows it (a new exposure snapshot per watched entity,
the diff, the records, the outbox), in one run. Prints both and their ratio; the first snapshot
after an ingest includes the query index rebuild for the new graph generation, printed apart.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tierwatch.graph.query.service import Page, Viewer
from tierwatch.graph.settings import REPO_ROOT, Settings
from tierwatch.graph.sqlite_store import SQLiteStore
from tierwatch.graph.watch import alerts as watch
from tierwatch.graph.watch import snapshot
from tierwatch.graph.watch.records import watch_records
from tierwatch.ingest.runner import run_ingest

FINDING = REPO_ROOT / "tests" / "watch" / "fixtures" / "test_rcmp_smelter_finding.csv"
RCMP = "canada:dept:rcmp-grc"


def candidates(store: SQLiteStore, svc, n: int) -> list[str]:
    """The RCMP, then PublicBuyer, Contract and Brand ids (sorted) that reach at least one entity."""
    ids = [RCMP]
    for kind in ("PublicBuyer", "Contract", "Brand"):
        for node in sorted(store.iter_nodes(types=(kind,)), key=lambda x: x["id"]):
            if len(ids) >= n:
                return ids
            if node["id"] in ids:
                continue
            up = svc.upstream(node["id"], Viewer.analyst(), tiers=2, page=Page(limit=1))
            if up.total:
                ids.append(node["id"])
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo-store", type=Path, required=True, help="a loaded embedded demo store folder")
    parser.add_argument("--watch", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tierwatch-watch-bench-") as tmp:
        directory = Path(tmp) / "store"
        directory.mkdir()
        source = SQLiteStore(args.demo_store)
        source.backup(directory / "graph.sqlite")
        source.close()
        settings = Settings(store_dir=directory)
        store = SQLiteStore(directory)
        svc = watch.query_service(store)
        t0 = time.perf_counter()
        svc.refresh()
        ids = candidates(store, svc, args.watch)
        t1 = time.perf_counter()
        records = watch_records(store)
        for entity_id in ids:
            records.put_watch(entity_id, watch.now(), snapshot.take(svc, entity_id))
        records.close()
        t2 = time.perf_counter()
        print(f"watched {len(ids)} entities (index + choice {t1 - t0:.1f} s; baselines {t2 - t1:.1f} s)")

        t3 = time.perf_counter()
        report = run_ingest("findings", [FINDING], store, settings, dataset="test-watch-findings")
        t4 = time.perf_counter()
        # the new generation's query index: a new process (the CLI) builds it whole; a long-lived one
        # (the API, this bench's service) refreshes the one it holds
        fresh = watch.query_service(store)
        fresh.upstream(RCMP, Viewer.analyst(), tiers=1, page=Page(limit=1))
        t4b = time.perf_counter()
        svc.refresh()
        svc.upstream(RCMP, Viewer.analyst(), tiers=1, page=Page(limit=1))
        t5 = time.perf_counter()
        run = f"{report.dataset}@{report.version}"
        result = watch.after_ingest(store, settings, run, report.dataset, svc=svc)
        t6 = time.perf_counter()
        ingest_s, build_s, index_s, alerts_s = t4 - t3, t4b - t4, t5 - t4b, t6 - t5
        print(f"ingest of one test finding: {ingest_s:.2f} s")
        print(f"query index of the new generation: built whole {build_s:.2f} s, refreshed {index_s:.2f} s")
        print(
            f"alerts for {result.watched} watched entities: {alerts_s:.2f} s "
            f"({alerts_s / max(1, result.watched) * 1000:.0f} ms per entity), {len(result.alerts)} alerts"
        )
        print(f"ratio alerts / ingest: {alerts_s / ingest_s:.2f}")
        whole = (build_s + alerts_s) / ingest_s
        print(f"ratio (whole index + alerts) / ingest, as in a new CLI process: {whole:.2f}")
        store.close()


if __name__ == "__main__":
    main()
