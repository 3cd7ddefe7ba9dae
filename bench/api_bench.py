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
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import closed, fixed_rate
from tierwatch.graph.nx_store import NetworkXStore
from tierwatch.graph.synthetic import generate
from tierwatch.graph.writer import GraphWriter

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def build(directory: Path, n: int) -> list[str]:
    nodes, edges = generate(n, seed=7)
    store = NetworkXStore(directory)
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
    env = {**os.environ, "TIERWATCH_STORE": "networkx", "TIERWATCH_STORE_DIR": str(directory)}
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=64)
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
            ping = asyncio.run(closed(HOST, port, lambda i: "/v1/ping", c, args.seconds))
            expo = asyncio.run(closed(HOST, port, exposure_path, c, args.seconds))
            rate = expo.rps / 2
            offset = expo.requests + 1

            fixed = asyncio.run(
                fixed_rate(HOST, port, lambda i: exposure_path(offset + i), c, rate, args.seconds)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    print(f"cores: {os.cpu_count()} (the load generator shares them with the server: one uvicorn process)")
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


if __name__ == "__main__":
    main()
