"""Matching speed on a 1,000-row buyer's list, measured in one run (printed figures, not timed tests).

The list is made from the real demo graph (the embedded store at TIERWATCH_STORE_DIR or --store-dir):
entities drawn with a fixed seed from the types buyers list (Company, Brand, Smelter, Facility,
PublicBuyer), each name spelt as buyers do (accents dropped, a legal form swapped or added, words
reordered, one letter doubled, or as is), with its country as a code or an English name. Printed:
- reading the file; building the match index (once per store generation); matching the rows:
  rows/s; the share of rows whose source entity ranks first and within the first three;
- beside it, one entity search per row (``QueryService.search``, what a client without the list
  route would do) on the first rows, as rows/s and the ratio.

    .venv/bin/python bench/match_bench.py [--rows 1000] [--store-dir DIR] [--baseline 20]
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
import unicodedata
from pathlib import Path

import pycountry
from tierwatch.graph.match import match_records
from tierwatch.graph.match.index import index_for
from tierwatch.graph.query import Viewer, open_query_service
from tierwatch.graph.query.service import Page
from tierwatch.graph.settings import Settings
from tierwatch.ingest.buyer_lists import read_list

TYPES = ("Company", "Brand", "Smelter", "Facility", "PublicBuyer")
FORMS = ("Ltd", "Co., Ltd.", "GmbH", "Inc.", "S.A.", "Limited", "")


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def variant(name: str, rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return _plain(name)
    if kind == 1:
        return f"{name} {rng.choice(FORMS)}".strip()
    if kind == 2 and " " in name:
        words = name.split()
        return " ".join(words[1:] + words[:1])
    if kind == 3 and len(name) > 4:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i] + name[i:]
    return name


def make_list(svc, rows: int, path: Path, seed: int = 11) -> dict[str, str]:
    """Writes the list; returns ref -> the entity each row was made from."""
    rng = random.Random(seed)
    pool = sorted(
        (r for r in svc.source.search_rows() if r["type"] in TYPES and r.get("name")), key=lambda r: r["id"]
    )
    chosen = rng.sample(pool, min(rows, len(pool)))
    truth = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ref", "supplier name", "country"])
        for n, r in enumerate(chosen):
            country = r.get("country") or ""
            if country and rng.random() < 0.5:
                found = pycountry.countries.get(alpha_2=country)
                country = found.name if found else country
            ref = f"R{n:04d}"
            truth[ref] = r["id"]
            w.writerow([ref, variant(r["name"], rng), country])
    return truth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--store-dir", type=Path, default=None)
    parser.add_argument("--baseline", type=int, default=20, help="rows matched by one search each")
    args = parser.parse_args()
    settings = Settings(store_dir=args.store_dir) if args.store_dir else Settings()
    svc = open_query_service(settings, "embedded")
    viewer = Viewer.analyst()
    t = time.perf_counter()
    svc.source.search_rows()
    print(f"store {settings.store_dir}: searchable rows loaded in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.csv"
        truth = make_list(svc, args.rows, path)
        t = time.perf_counter()
        listed = read_list(path, max_rows=max(args.rows, 1))
        read_s = time.perf_counter() - t
    t = time.perf_counter()
    index_for(svc, viewer.sees_restricted_access)
    index_s = time.perf_counter() - t
    t = time.perf_counter()
    rows = match_records(svc, listed.records, viewer, limit=3)
    match_s = time.perf_counter() - t
    first = sum(1 for r in rows if r.candidates and r.candidates[0].entity.id == truth[r.record.ref or ""])
    top3 = sum(1 for r in rows if truth[r.record.ref or ""] in [c.entity.id for c in r.candidates])
    n = len(rows)
    print(
        f"list: {n} rows read in {read_s:.2f} s; match index built in {index_s:.1f} s (once per generation)"
    )
    print(f"matched {n} rows in {match_s:.1f} s: {n / match_s:.0f} rows/s")
    print(
        f"source entity first: {first}/{n} ({first / n:.0%}); "
        f"within the first three: {top3}/{n} ({top3 / n:.0%})"
    )
    k = min(args.baseline, n)
    t = time.perf_counter()
    for _, record in listed.records[:k]:
        svc.search(record.name[:200], viewer, page=Page(limit=3))
    base_s = time.perf_counter() - t
    print(
        f"one search per row: {k} rows in {base_s:.1f} s: {k / base_s:.1f} rows/s; "
        f"the list matcher is {(n / match_s) / (k / base_s):.0f}x faster"
    )
    svc.close()


if __name__ == "__main__":
    main()
