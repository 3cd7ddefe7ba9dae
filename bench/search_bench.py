"""Search on disk vs the in-memory scan it replaced, on the real demo graph, in one run.

    .venv/bin/python bench/search_bench.py STORE_DIR [--queries 300] [--before REV]

STORE_DIR: an embedded demo store (``tierwatch demo --no-serve``); it is copied to a temporary
folder first (an older schema is migrated there: the migration's time is printed). The ranking
before (graph/query/search.py at ``--before``, default 7243e7e, the last revision whose ``rank``
takes the list of searchable rows) scans every name in memory; the one now reads candidates from
the store's search index (graph/sqlite_search.py). Queries: the names the tests search for, and names
from the graph (seeded): whole, a first word, and with one typo (a dropped, doubled, swapped or
changed letter). Prints per-query latency (p50/p95, first query apart) of both, and how many
queries give the same hits (ids, scores, fields, order) in both: all of them, the first 10, and
those scoring >= 80 (the fuzzy rule now needs a 3-character run in common: weak matches sharing
none are gone).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

TOP = 10
STRONG = 80.0
FIXED = ("RCMP", "DND", "grc", "CATL", "Zijin", "H", "Huayou", "Hon Hai", "Zijin Mining Co.,Ltd", "glencore")


def old_search_module(rev: str) -> ModuleType:
    root = Path(__file__).resolve().parents[1]
    text = subprocess.run(
        ["git", "show", f"{rev}:graph/query/search.py"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "search_before.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("search_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    return text[:i] + rng.choice("aeiourstn") + text[i + 1 :]


def queries(rows: list[dict], n: int) -> list[str]:
    rng = random.Random(13)
    names = sorted(r["name"] for r in rows if r.get("name"))
    out = list(FIXED)
    for name in rng.sample(names, n):
        out.append(rng.choice((name, name.split()[0], typo(rng, name), typo(rng, name.split()[0]))))
    return out


def pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(p * len(values)))]


def main() -> None:
    from tierwatch.graph.query.sources import EmbeddedSource
    from tierwatch.graph.sqlite_ops import copy_store
    from tierwatch.graph.sqlite_store import SQLiteStore

    parser = argparse.ArgumentParser()
    parser.add_argument("store_dir", type=Path)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--before", default="7243e7e")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="search-bench-"))
    copy_store(args.store_dir, work)
    t = time.perf_counter()
    store = SQLiteStore(work)
    print(f"opened (and migrated when older) in {time.perf_counter() - t:.1f} s; machine shared (2 cores)")
    source = EmbeddedSource(store)
    t = time.perf_counter()
    rows = source.search_rows()
    hidden = source.hidden()
    print(f"in-memory rows for the scan: {len(rows):,} (index built in {time.perf_counter() - t:.1f} s)")
    before = old_search_module(args.before)
    from tierwatch.graph.query import search as now

    common = {"types": (), "country": None, "sees_access": True, "sees_licence": True, "hidden": hidden}
    names = source.search_names()
    same, same_top, same_strong, old_ms, new_ms, differ = 0, 0, 0, [], [], []
    asked = queries(rows, args.queries)
    for text in asked:
        t0 = time.perf_counter()
        want, _ = before.rank(rows, text, **common)
        t1 = time.perf_counter()
        got, _ = now.rank(names, text, **common)
        t2 = time.perf_counter()
        old_ms.append((t1 - t0) * 1e3)
        new_ms.append((t2 - t1) * 1e3)
        key = lambda hits: [(h[0], h[1], h[2], h[3]["id"]) for h in hits]  # noqa: E731
        same_top += key(want)[:TOP] == key(got)[:TOP]
        same_strong += [x for x in key(want) if x[0] >= STRONG] == [x for x in key(got) if x[0] >= STRONG]
        if key(want) == key(got):
            same += 1
        else:
            lost = {x[3] for x in key(want)} - {x[3] for x in key(got)}
            differ.append((text, len(want), len(got), sorted(lost)[:3]))
    print(f"queries: {len(asked)}; same hits, scores and order: {same} ({same / len(asked):.1%})")
    print(
        f"  same first {TOP} hits: {same_top} ({same_top / len(asked):.1%}); same hits scoring >= {STRONG}: "
        f"{same_strong} ({same_strong / len(asked):.1%})"
    )
    for text, nw, ng, lost in differ[:15]:
        print(f"  differs: {text!r}: {nw} hits before, {ng} now; e.g. not found now: {lost}")
    for label, ms in (("in-memory scan (before)", old_ms), ("on-disk index (now)", new_ms)):
        print(
            f"{label:26s} p50 {statistics.median(ms[1:]):7.1f} ms  p95 {pct(ms[1:], 0.95):7.1f} ms  "
            f"first {ms[0]:6.1f} ms"
        )
    print(f"ratio p50 before/now: {statistics.median(old_ms[1:]) / statistics.median(new_ms[1:]):.2f}")
    store.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
