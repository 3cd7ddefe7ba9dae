"""Crash safety of the embedded store: ``kill -9`` of ``tierwatch ingest`` at random moments.

    .venv/bin/python bench/kill_ingest.py [--runs 60] [--rerun-every 1] [--seed 13]
        [--source ipis-mines --file $TIERWATCH_REAL_DATA_DIR/mines/ipis_drc_asm_mine_visits_2009-2023.csv]

1. A base store: the open Apple supplier list (data/open), so "before" is not empty.
2. A clean run of ``--source`` on a copy of it: its canonical dump hash is "after"; the clean run's
   timeline (start, when it took the write lock and began its transaction, end) is measured.
3. Until ``--runs`` kills hit a live run: a fresh copy of the base store, ``tierwatch ingest``
   started as its own process, SIGKILL at a random moment: two in three at a random point of the
   write phase (once the run holds the write lock, within the shortest clean run's write time),
   the rest before the write begins.
   Then the store must open, and its canonical dump hash must equal "before" or "after"; every
   ``--rerun-every``-th killed store is ingested again and must then equal "after".

Prints each outcome and a summary; exits 1 on any violation. Not run by CI (minutes of work).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.settings import REPO_ROOT
from tierwatch.graph.sqlite_ops import copy_store
from tierwatch.graph.sqlite_store import SQLiteStore

APPLE = REPO_ROOT / "data" / "open" / "facilities" / "apple_supplier_list_2012-2022_cwgrouptw.csv"
TIERWATCH = [sys.executable, "-m", "tierwatch"]


def ingest_cmd(source: str, path: Path) -> list[str]:
    return [*TIERWATCH, "ingest", source, str(path)]


def env_for(store_dir: Path) -> dict[str, str]:
    return {**os.environ, "TIERWATCH_STORE": "embedded", "TIERWATCH_STORE_DIR": str(store_dir)}


def fresh_copy(base: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    copy_store(base, target)


def store_hash(store_dir: Path) -> tuple[str, int]:
    store = SQLiteStore(store_dir)
    try:
        return canonical_hash(store), store.generation
    finally:
        store.close()


def write_locked(store_dir: Path) -> bool:
    """Does a process hold the store's write lock (an ingest inside its write transaction)? Read from
    /proc/locks, so the watcher never takes the lock itself."""
    try:
        inode = (store_dir / "write.lock").stat().st_ino
        locks = Path("/proc/locks").read_text()
    except OSError:
        return False
    return f":{inode} " in locks


def clean_run(source: str, path: Path, store_dir: Path) -> dict[str, float]:
    """Run once to the end, watching when the write transaction starts (the write lock is taken)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        ingest_cmd(source, path), env=env_for(store_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    write_start = None
    while proc.poll() is None:
        if write_start is None and write_locked(store_dir):
            write_start = time.perf_counter() - t0
        time.sleep(0.005)
    end = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"the clean run failed: {proc.stderr.read().decode()}")
    return {"write_start": write_start if write_start is not None else end * 0.5, "end": end}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--rerun-every", type=int, default=1, help="re-ingest every n-th killed store")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--source", default="ipis-mines")
    real = os.environ.get("TIERWATCH_REAL_DATA_DIR", str(REPO_ROOT.parent / "shared" / "data"))
    ipis = Path(real) / "mines" / "ipis_drc_asm_mine_visits_2009-2023.csv"
    parser.add_argument("--file", type=Path, default=ipis)
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = args.work or Path(tempfile.mkdtemp(prefix="tierwatch-kill-"))
    base, scratch = work / "base", work / "run"
    if base.exists():
        shutil.rmtree(base)
    done = subprocess.run(
        ingest_cmd("apple-suppliers", APPLE), env=env_for(base), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"base store failed: {done.stderr}")
    before, before_gen = store_hash(base)
    fresh_copy(base, scratch)
    timeline = clean_run(args.source, args.file, scratch)
    after, after_gen = store_hash(scratch)
    for _ in range(2):  # the shortest of three clean runs: kills then land inside the write
        fresh_copy(base, scratch)
        again = clean_run(args.source, args.file, scratch)
        if again["end"] - again["write_start"] < timeline["end"] - timeline["write_start"]:
            timeline = again
    assert after != before, "the run must change the store"
    print(
        f"machine: {os.cpu_count()} cores, shared with other work; work folder {work}\n"
        f"base: apple-suppliers (generation {before_gen}), then {args.source} {args.file.name}: clean run "
        f"{timeline['end']:.1f} s, write transaction from {timeline['write_start']:.1f} s "
        f"(generation {after_gen})\nbefore {before[:16]}  after {after[:16]}"
    )
    outcomes: Counter[str] = Counter()
    phases: Counter[str] = Counter()
    failures = 0
    run = 0
    while phases["writing"] + phases["not writing"] < args.runs:  # kills that hit a live run
        run += 1
        fresh_copy(base, scratch)
        in_write = rng.random() < 2 / 3
        write_s = timeline["end"] - timeline["write_start"]
        proc = subprocess.Popen(
            ingest_cmd(args.source, args.file),
            env=env_for(scratch),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        t0 = time.perf_counter()
        if in_write:  # once the run holds the write lock (its transaction is open), a random moment
            while proc.poll() is None and not write_locked(scratch):
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, write_s * 0.9))
        else:  # anywhere before the write begins (mapping, reading the store)
            time.sleep(rng.uniform(0.05, timeline["write_start"]))
        at = time.perf_counter() - t0
        writing = write_locked(scratch)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        phase = "finished" if finished else ("writing" if writing else "not writing")
        phases[phase] += 1
        try:
            got, gen = store_hash(scratch)
        except Exception as exc:  # the store must always open
            print(f"run {run:3}: kill at {at:5.2f} s ({phase}): STORE DOES NOT OPEN: {exc}")
            failures += 1
            continue
        state = "before" if got == before else "after" if got == after else "NEITHER"
        outcomes[state] += 1
        line = f"run {run:3}: kill at {at:5.2f} s ({phase:14}): store = {state} (generation {gen})"
        if state == "NEITHER":
            failures += 1
        if run % args.rerun_every == 0:
            redo = subprocess.run(
                ingest_cmd(args.source, args.file), env=env_for(scratch), capture_output=True, text=True
            )
            again, _ = store_hash(scratch)
            ok = redo.returncode == 0 and again == after
            line += f"; re-run -> {'after' if ok else 'WRONG: ' + redo.stderr[-300:]}"
            failures += 0 if ok else 1
        print(line, flush=True)
    print(
        f"\n{run} runs, {args.runs} killed while running: {dict(phases)}; "
        f"store afterwards: {dict(outcomes)}; violations: {failures}"
    )
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
