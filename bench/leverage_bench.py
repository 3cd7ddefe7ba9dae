"""Shared-leverage performance, measured in one run (printed figures and ratios, not timed tests).

1. The demo graph (an embedded store: --store-dir, else TIERWATCH_STORE_DIR): all buyers at once, as
   analyst and as public (the public answer runs every search twice: once more with the licence
   opened, to count what it withheld), warm (the compiled index is built once per store generation
   and shared by every query; its build time is printed apart). Target: <= 5 s.
   Beside it: the same buyers as separate exposure answers (coverage off), the way one would count
   shared entities without the leverage query (timed on --sample buyers, scaled up).
2. --synthetic N: the same on the seeded synthetic graph of N nodes (graph/synthetic.py).

    .venv/bin/python bench/leverage_bench.py [--store-dir DIR] [--sample 30] [--synthetic 1000000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from tierwatch.graph.query import Viewer
from tierwatch.graph.query.engine_service import StoreQueryService
from tierwatch.graph.query.leverage import BuyerSelection
from tierwatch.graph.query.service import Page


def _timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run(svc: StoreQueryService, label: str, sample: int) -> None:
    t = time.perf_counter()
    ix = svc.source.full_index()
    print(
        f"{label}: {ix.n:,} nodes, {len(ix.arc_frm):,} arcs; index built in {time.perf_counter() - t:.2f} s"
    )
    everyone = BuyerSelection(all_buyers=True)
    n = 0
    for viewer in (Viewer.public(), Viewer.analyst()):
        took, result = _timed(lambda v=viewer: svc.leverage(everyone, v, paths=1, page=Page(limit=50)))
        n = len(result.buyers)  # type: ignore[attr-defined]
        print(
            f"  leverage, all {n} buyers ({viewer.role}): {took:.3f} s, {result.total:,} shared entities"  # type: ignore[attr-defined]
        )
    buyers = [b.id for b in result.buyers][:sample]  # type: ignore[attr-defined]
    if not buyers:
        return
    t = time.perf_counter()
    for b in buyers:
        svc.exposure(b, Viewer.analyst(), coverage=False, hits_per_category=0)
    per = (time.perf_counter() - t) / len(buyers)
    lev, _ = _timed(lambda: svc.leverage(everyone, Viewer.analyst(), page=Page(limit=50)))
    print(
        f"  separate exposure answers: {per * 1000:.1f} ms each (on {len(buyers)}), "
        f"{per * n:.2f} s for all {n}: {per * n / lev:.0f}x the leverage query"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store-dir", default=os.environ.get("TIERWATCH_STORE_DIR"))
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--synthetic", type=int, default=0)
    args = parser.parse_args()
    from tierwatch.graph.sqlite_store import SQLiteStore

    if args.store_dir:
        svc = StoreQueryService(SQLiteStore(Path(args.store_dir)))
        run(svc, f"demo graph ({args.store_dir})", args.sample)
    if args.synthetic:
        from tierwatch.graph.records import merge_edge, merge_node
        from tierwatch.graph.synthetic import generate

        with tempfile.TemporaryDirectory() as tmp:
            nodes, edges = generate(args.synthetic, seed=7)
            store = SQLiteStore(Path(tmp))
            with store.write_lock():
                store.put_nodes([merge_node(None, r) for r in nodes])
                store.put_edges([merge_edge(None, r) for r in edges])
            run(StoreQueryService(store), f"synthetic graph ({args.synthetic:,} nodes)", args.sample)
    print("machine shared with other work (2 cores, 8 engineers): figures are indicative")


if __name__ == "__main__":
    main()
