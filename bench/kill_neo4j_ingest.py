"""Crash safety of Neo4j ingests: ``kill -9`` of ``tierwatch ingest --store neo4j`` at random moments,
and the Neo4j server itself killed mid-run and restarted on its data.

    TIERWATCH_NEO4J_URI=bolt://127.0.0.1:7692 .venv/bin/python bench/kill_neo4j_ingest.py --port 7692
        [--runs 60] [--server-kills 4] [--rerun-every 4] [--rows 2000] [--batch 500] [--seed 13]
        [--source ipis-mines --file $TIERWATCH_REAL_DATA_DIR/mines/ipis_drc_asm_mine_visits_2009-2023.csv]

The Neo4j on ``--port`` must be the local throw-away one (``tierwatch.neo4j_local``): the script
clears it and, for the server kills, SIGKILLs and restarts it on its data.

1. A base graph: the first 300 rows of the open Apple supplier list, so "before" is not empty and
   shares countries with the run; its canonical dump hash is "before".
2. A clean run of ``--source`` on the first ``--rows`` rows of ``--file``: "after" (the clean run's
   timeline: start, when it took the write lock, end, is measured).
3. Until ``--runs`` kills hit a live run: ``tierwatch ingest`` as its own process with batches of
   ``--batch`` rows, SIGKILL at a random moment: two in three during the write phase (it holds the
   write lock), the rest before it. Then what the database shows (before recovery) is noted, the run
   is recovered, alternately by ``tierwatch neo4j recover`` and by opening the store (as the API or
   the explorer does at start), and the canonical dump must equal "before" or "after"; every
   ``--rerun-every``-th killed run is ingested again and must then give "after".
4. First, ``--server-kills`` times: the server is SIGKILLed during the write phase, restarted on its data
   (``start(keep_data=True)``); the ingest (which fails) is waited for, the store is
   recovered and must show "before" or "after"; the re-run must give "after".

Prints each outcome and a summary; exits 1 on any violation. Not run by CI (tens of minutes).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from kill_ingest import APPLE, TIERWATCH, ingest_cmd
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.neo4j_store import Neo4jStore
from tierwatch.graph.settings import REPO_ROOT

from tierwatch.neo4j_local import crash, start


def first_rows(path: Path, rows: int, target: Path) -> Path:
    lines = path.read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")
    return target


class Bench:
    def __init__(self, uri: str, port: int, batch: int) -> None:
        self.uri, self.port, self.batch = uri, port, batch
        self.env = {
            **os.environ,
            "TIERWATCH_STORE": "neo4j",
            "TIERWATCH_NEO4J_URI": uri,
            "TIERWATCH_NEO4J_BATCH_SIZE": str(batch),
        }
        store = self.store(recover=False)
        self.lock_path = store.lock_path()
        store.close()

    def store(self, *, recover: bool) -> Neo4jStore:
        return Neo4jStore(self.uri, "neo4j", "tierwatch", batch_size=self.batch, recover=recover)

    def state(self) -> tuple[str, int]:
        """The canonical hash as readers see it now (no recovery) and the number of open runs."""
        store = self.store(recover=False)
        try:
            return canonical_hash(store), len(store.open_runs())
        finally:
            store.close()

    def write_locked(self) -> bool:
        """Does an ingest hold the database's write lock (read from /proc/locks, never taken)?"""
        try:
            inode = self.lock_path.stat().st_ino
            return f":{inode} " in Path("/proc/locks").read_text()
        except OSError:
            return False

    def ingest(self, source: str, path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(ingest_cmd(source, path), env=self.env, capture_output=True, text=True)

    def spawn(self, source: str, path: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            ingest_cmd(source, path), env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def reset(self, base: Path, before: str | None) -> str:
        store = self.store(recover=False)
        store.clear()
        store.close()
        done = self.ingest("apple-suppliers", base)
        if done.returncode != 0:
            raise SystemExit(f"base ingest failed: {done.stderr}")
        got, _ = self.state()
        if before is not None and got != before:
            raise SystemExit("the base graph does not reproduce its hash")
        return got

    def recover(self, how: str) -> None:
        if how == "cli":
            done = subprocess.run(
                [*TIERWATCH, "neo4j", "recover"], env=self.env, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise RuntimeError(f"tierwatch neo4j recover failed: {done.stderr[-400:]}")
        else:  # opening the store, as the API, the explorer or the next CLI command does
            self.store(recover=True).close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True, help="the local throw-away Neo4j's Bolt port")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--server-kills", type=int, default=4)
    parser.add_argument("--rerun-every", type=int, default=4, help="re-ingest every n-th killed run")
    parser.add_argument("--rows", type=int, default=2000, help="rows of --file the run ingests")
    parser.add_argument("--batch", type=int, default=500, help="writer batch (TIERWATCH_NEO4J_BATCH_SIZE)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--source", default="ipis-mines")
    real = os.environ.get("TIERWATCH_REAL_DATA_DIR", str(REPO_ROOT.parent / "shared" / "data"))
    parser.add_argument(
        "--file", type=Path, default=Path(real) / "mines" / "ipis_drc_asm_mine_visits_2009-2023.csv"
    )
    args = parser.parse_args()
    uri = f"bolt://127.0.0.1:{args.port}"
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="tierwatch-kill-neo4j-"))
    base = first_rows(APPLE, 300, work / "apple_300.csv")
    run_file = first_rows(args.file, args.rows, work / args.file.name)
    bench = Bench(uri, args.port, args.batch)

    before = bench.reset(base, None)
    timeline = None
    for _ in range(2):  # the shorter of two clean runs: kills then land inside the write
        bench.reset(base, before)
        t0 = time.perf_counter()
        proc = bench.spawn(args.source, run_file)
        write_start = None
        while proc.poll() is None:
            if write_start is None and bench.write_locked():
                write_start = time.perf_counter() - t0
            time.sleep(0.01)
        end = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit("the clean run failed")
        run = {"write_start": write_start if write_start is not None else end * 0.5, "end": end}
        if timeline is None or run["end"] - run["write_start"] < timeline["end"] - timeline["write_start"]:
            timeline = run
    after, _ = bench.state()
    assert timeline is not None and after != before, "the run must change the graph"
    write_s = timeline["end"] - timeline["write_start"]
    print(
        f"machine: {os.cpu_count()} cores, shared with other work; Neo4j {uri}; batch {args.batch}\n"
        f"base: apple-suppliers (300 rows), then {args.source} ({args.rows} rows of {args.file.name}): "
        f"clean run {timeline['end']:.1f} s, write phase from {timeline['write_start']:.1f} s\n"
        f"before {before[:16]}  after {after[:16]}",
        flush=True,
    )
    failures = 0
    server_outcomes: Counter[str] = Counter()
    for k in range(1, args.server_kills + 1):
        bench.reset(base, before)
        proc = bench.spawn(args.source, run_file)
        while proc.poll() is None and not bench.write_locked():
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, write_s * 0.9))
        killed = proc.poll() is None and crash(args.port)
        start(args.port, wait_seconds=600, keep_data=True)
        try:
            proc.wait(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raw, open_runs = bench.state()
        shown = "before" if raw == before else "after" if raw == after else "partial"
        bench.recover("cli")
        got, left = bench.state()
        state = "before" if got == before else "after" if got == after else "NEITHER"
        server_outcomes[state] += 1
        redo = bench.ingest(args.source, run_file)
        again, _ = bench.state()
        ok = state != "NEITHER" and not left and redo.returncode == 0 and again == after
        failures += 0 if ok else 1
        print(
            f"server kill {k}: {'server SIGKILLed mid-write' if killed else 'run ended first'}, restarted; "
            f"ingest exit {proc.returncode}; seen {shown} with {open_runs} open run(s); "
            f"recovered -> {state}; re-run -> {'after' if again == after else 'WRONG'}"
            + ("" if ok else " VIOLATION"),
            flush=True,
        )

    phases: Counter[str] = Counter()
    seen: Counter[str] = Counter()  # what readers saw right after the kill, before recovery
    outcomes: Counter[str] = Counter()
    run_no = 0
    current = ""  # after the server kills: reset first
    while phases["writing"] + phases["not writing"] < args.runs:
        run_no += 1
        if current != before:
            bench.reset(base, before)
        in_write = rng.random() < 2 / 3
        proc = bench.spawn(args.source, run_file)
        t0 = time.perf_counter()
        if in_write:
            while proc.poll() is None and not bench.write_locked():
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, write_s * 0.95))
        else:
            time.sleep(rng.uniform(0.05, timeline["write_start"]))
        at = time.perf_counter() - t0
        writing = bench.write_locked()
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        phase = "finished" if finished else ("writing" if writing else "not writing")
        phases[phase] += 1
        raw, open_runs = bench.state()
        shown = "before" if raw == before else "after" if raw == after else "partial"
        seen[shown] += 1
        how = "cli" if run_no % 2 else "open"
        try:
            bench.recover(how)
            current, left = bench.state()
        except Exception as exc:
            print(f"run {run_no:3}: kill at {at:5.2f} s ({phase}): RECOVERY FAILED: {exc}", flush=True)
            failures += 1
            current = ""
            continue
        state = "before" if current == before else "after" if current == after else "NEITHER"
        outcomes[state] += 1
        line = (
            f"run {run_no:3}: kill at {at:5.2f} s ({phase:11}): seen {shown:7} with {open_runs} open run(s); "
            f"recovered ({how:4}) -> {state}"
        )
        if state == "NEITHER" or left:
            failures += 1
            line += f" VIOLATION ({left} run(s) still open)" if left else " VIOLATION"
        if run_no % args.rerun_every == 0:
            redo = bench.ingest(args.source, run_file)
            current, _ = bench.state()
            ok = redo.returncode == 0 and current == after
            line += f"; re-run -> {'after' if ok else 'WRONG: ' + redo.stderr[-300:]}"
            failures += 0 if ok else 1
        print(line, flush=True)

    print(
        f"\n{run_no} client runs, {args.runs} killed while running: {dict(phases)}; readers saw right after "
        f"the kill: {dict(seen)}; after recovery: {dict(outcomes)}; server kills: {dict(server_outcomes)}; "
        f"violations: {failures}"
    )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
