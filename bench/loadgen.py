"""A small HTTP/1.1 load generator on asyncio streams (keep-alive, N connections, 127.0.0.1 only).

Two modes, both bounded in time:

- ``closed(...)``: every connection sends its next request as soon as the answer arrives; gives
  the maximum requests/s the server sustains at that concurrency;
- ``fixed_rate(...)``: requests are scheduled at a fixed total rate spread over the connections;
  latency is measured from each request's *scheduled* time (so a stalled server is not hidden by
  the generator waiting: no coordinated omission).

``paths`` is a callable giving the path of request i, so every request can ask for a different
entity. Only GET; answers must carry Content-Length (uvicorn's do).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q / 100 * len(data)))]


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n\r\n".encode("latin-1"))
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:].strip())
    if length:
        await reader.readexactly(length)
    return status


def _check_host(host: str) -> None:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load generator only targets this machine (127.0.0.1)")


async def closed(
    host: str, port: int, paths: Callable[[int], str], connections: int, seconds: float
) -> Result:
    _check_host(host)
    result = Result()
    counter = iter(range(10**12))
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                status = await _request(reader, writer, host, paths(next(counter)))
                result.latencies.append(time.perf_counter() - t0)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.requests += 1
                if status >= 400:
                    result.errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds = time.perf_counter() - start
    return result


async def fixed_rate(
    host: str, port: int, paths: Callable[[int], str], connections: int, rate: float, seconds: float
) -> Result:
    """``rate`` requests/s in total for ``seconds``; connection c sends requests c, c+N, c+2N ...
    at their scheduled times (or as soon as the previous answer arrives, if late)."""
    _check_host(host)
    result = Result()
    total = int(rate * seconds)
    interval = 1.0 / rate
    start = time.perf_counter() + 0.2

    async def worker(c: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for i in range(c, total, connections):
                scheduled = start + i * interval
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                status = await _request(reader, writer, host, paths(i))
                result.latencies.append(time.perf_counter() - scheduled)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.requests += 1
                if status >= 400:
                    result.errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker(c) for c in range(connections)))
    result.seconds = time.perf_counter() - start
    return result
