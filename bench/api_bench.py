"""API throughput and latency on the 10^5-node synthetic graph, measured in one run (ratios, not timed tests).

    .venv/bin/python bench/api_bench.py [--nodes 100000] [--seconds 8] [--connections 64]

1. builds the seeded synthetic graph (tierwatch.graph.synthetic) in a temporary embedded store;
2. serves the API from it with uvicorn (one process) on 127.0.0.1;
3. maximum requests/s of a bare ping endpoint (``/v1/ping``) and of the exposure endpoint
   (``/v1/entities/{id}/exposure``, a different buyer, contract, brand or factory on every request,
   so no answer is served twice), 64 keep-alive connections, closed loop;
4. exposure at a fixed rate of half its maximum, 64 connections, latency from each request's
   scheduled time (p50, p99).

Targets: exposure >= 0.5 x ping requests/s; p99 <= 50 ms at the fixed rate. The load generator
(bench/loadgen.py, asyncio) runs on the same machine and shares its cores with the server.

5. the breakdown that explains the ratio: CPU time per request of the server process and of the
   load generator in each closed-loop phase (from /proc and getrusage), and, after the server has
   stopped, the engine alone in this process (``QueryService.exposure`` on the same roots as the
   closed loop, then its JSON serialisation): server CPU per exposure request minus engine minus
   serialisation is what the API and HTTP cost around the engine (compare with ping's server CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Result, closed, fixed_rate
from tierwatch.graph.sqlite_store import SQLiteStore
from tierwatch.graph.synthetic import generate
from tierwatch.graph.writer import GraphWriter

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def build(directory: Path, n: int) -> list[str]:
    nodes, edges = generate(n, seed=7)
    store = SQLiteStore(directory)
    with store.write_lock():
        writer = GraphWriter(store)
        writer.write_nodes(nodes)
        writer.write_edges(edges)
    roots = [r.id for r in nodes if r.type in ("PublicBuyer", "Contract", "Brand", "Facility")]
    random.Random(11).shuffle(roots)
    print(f"synthetic graph: {len(nodes):,} nodes, {len(edges):,} links; exposure roots: {len(roots):,}")
    return roots


def _get(port: int, path: str, timeout: float = 120.0) -> bytes:
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as response:
        return response.read()


def serve(directory: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "TIERWATCH_STORE": "embedded", "TIERWATCH_STORE_DIR": str(directory)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "tierwatch.api.app:app_from_env",
            "--host",
            HOST,
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _get(port, "/v1/ping", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the API did not start")


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) of a process, from /proc (0.0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _machine_cpu() -> float:
    """CPU seconds all processes of the machine used so far (busy time in /proc/stat; 0.0 without it)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    except (OSError, ValueError):
        return 0.0
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # less idle and iowait


def measured(pid: int, run: Coroutine[Any, Any, Result]) -> tuple[Result, float, float]:
    """Runs one load phase; its result and the CPU seconds the server and the load generator used.
    Prints what other processes of the machine used meanwhile (they distort the figures)."""
    server, own, machine = _server_cpu(pid), _own_cpu(), _machine_cpu()
    result = asyncio.run(run)
    server, own = _server_cpu(pid) - server, _own_cpu() - own
    others = _machine_cpu() - machine - server - own
    if others > 0.05 * result.seconds:
        print(f"  (other processes used {others / result.seconds:.0%} of a core during this phase)")
    return result, server, own


def engine_alone(
    directory: Path, roots: list[str], warm: list[str]
) -> tuple[list[float], list[float], list[int]]:
    """Seconds per exposure of the query service in this process (no HTTP, no API), then seconds to
    serialise each answer as the API does, on ``roots``; the store is opened and warmed on ``warm``
    first, and the loaded graph frozen out of the garbage collector as the API does (api/deps.py)."""
    from tierwatch.api.errors import to_json
    from tierwatch.graph.query.service import Viewer, open_query_service
    from tierwatch.graph.settings import Settings

    service = open_query_service(Settings(store="embedded", store_dir=directory))
    try:
        viewer = Viewer.public()
        for root in warm:  # builds the index (and compiles whatever the engine compiles)
            service.exposure(root, viewer)
        gc.collect()
        gc.freeze()
        engine, serialise, sizes = [], [], []
        for root in roots:
            t0 = time.perf_counter()
            result = service.exposure(root, viewer)
            t1 = time.perf_counter()
            sizes.append(len(to_json(result)))
            engine.append(t1 - t0)
            serialise.append(time.perf_counter() - t1)
    finally:
        service.close()
        gc.unfreeze()
    return engine, serialise, sizes


def _server_stack() -> str:
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"uvicorn {loop} + {http} (what --loop auto / --http auto pick here)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--engine-sample", type=int, default=1000, help="roots timed in process (breakdown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        roots = build(Path(tmp), args.nodes)
        port = _free_port()
        proc = serve(Path(tmp), port)
        try:
            t = time.perf_counter()
            _get(port, f"/v1/entities/{urllib.parse.quote(roots[0], safe=':')}/exposure")
            print(f"first exposure (opens the store, builds the index): {time.perf_counter() - t:.2f} s")
            paths = [f"/v1/entities/{urllib.parse.quote(r, safe=':')}/exposure" for r in roots[1:]]

            def exposure_path(i: int) -> str:
                return paths[i % len(paths)]

            c = args.connections
            ping, ping_srv, ping_gen = measured(
                proc.pid, closed(HOST, port, lambda i: "/v1/ping", c, args.seconds)
            )
            expo, expo_srv, expo_gen = measured(proc.pid, closed(HOST, port, exposure_path, c, args.seconds))
            rate = expo.rps / 2
            offset = expo.requests + 1

            fixed, _, _ = measured(
                proc.pid, fixed_rate(HOST, port, lambda i: exposure_path(offset + i), c, rate, args.seconds)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        sample = min(expo.requests, args.engine_sample)
        engine, serialise, sizes = engine_alone(Path(tmp), roots[1 : 1 + sample], roots[-20:])
    print(f"cores: {os.cpu_count()} (the load generator shares them with the server: one uvicorn process)")
    print(f"server: {_server_stack()}")
    print(
        f"ping      closed loop, {c} conns: {ping.rps:8.0f} req/s  p50 {ping.pct(50) * 1e3:6.1f} ms  "
        f"p99 {ping.pct(99) * 1e3:6.1f} ms  errors {ping.errors}"
    )
    print(
        f"exposure  closed loop, {c} conns: {expo.rps:8.0f} req/s  p50 {expo.pct(50) * 1e3:6.1f} ms  "
        f"p99 {expo.pct(99) * 1e3:6.1f} ms  errors {expo.errors}  statuses {expo.statuses}"
    )
    print(f"ratio exposure/ping: {expo.rps / ping.rps:.2f} (target >= 0.5)")
    print(
        f"exposure  fixed rate {rate:.0f} req/s, {c} conns: done {fixed.requests}, p50 "
        f"{fixed.pct(50) * 1e3:.1f} ms, p99 {fixed.pct(99) * 1e3:.1f} ms (target <= 50 ms), "
        f"errors {fixed.errors}"
    )
    distinct = min(len(paths), expo.requests + fixed.requests)
    print(f"distinct exposure roots requested: {distinct:,} of {expo.requests + fixed.requests:,} requests")
    breakdown(ping, (ping_srv, ping_gen), expo, (expo_srv, expo_gen), engine, serialise, sizes)


def _phase(name: str, result: Result, server: float, generator: float) -> str:
    n, us, t = max(result.requests, 1), 1e6, max(result.seconds, 1e-9)
    return (
        f"  {name:9} server {server / n * us:7.0f} us   load generator {generator / n * us:6.0f} us   "
        f"(busy: server {server / t:.0%} of a core, load generator {generator / t:.0%})"
    )


def breakdown(
    ping: Result,
    ping_cpu: tuple[float, float],
    expo: Result,
    expo_cpu: tuple[float, float],
    engine: list[float],
    serialise: list[float],
    sizes: list[int],
) -> None:
    """Where a request's time goes (CPU per request; the server is one process, one GIL)."""
    us = 1e6
    print("per request (CPU time, closed loop):")
    print(_phase("ping", ping, *ping_cpu))
    print(_phase("exposure", expo, *expo_cpu))
    if not engine:
        return
    eng, ser = statistics.mean(engine), statistics.mean(serialise)
    p99 = sorted(engine)[int(0.99 * (len(engine) - 1))]
    print(
        f"  engine alone, in process, {len(engine)} of the same roots: mean {eng * us:.0f} us, "
        f"p50 {statistics.median(engine) * us:.0f} us, p99 {p99 * us:.0f} us"
    )
    print(
        f"  JSON serialisation of its answers: mean {ser * us:.0f} us "
        f"(body mean {statistics.mean(sizes) / 1e3:.1f} kB, max {max(sizes) / 1e3:.1f} kB)"
    )
    rest = expo_cpu[0] / max(expo.requests, 1) - eng - ser
    ping_cost = ping_cpu[0] / max(ping.requests, 1)
    print(
        f"  API + HTTP around them: {rest * us:.0f} us per exposure request "
        f"(ping's whole server cost: {ping_cost * us:.0f} us)"
    )
    print(
        f"  => ratio 0.5 needs the server's CPU per exposure <= 2 x ping's wall time per request "
        f"({2 / max(ping.rps, 1) * us:.0f} us); engine + serialisation alone take {(eng + ser) * us:.0f} us"
    )


if __name__ == "__main__":
    main()
