"""Exposure report speed on the demo graph, measured in one run (figures and ratios, not timed tests).

    TIERWATCH_STORE_DIR=<a demo store> .venv/bin/python bench/report_bench.py [--root ID] [--repeat 5]
        [--store embedded|neo4j]

1. opens the query service on the configured store and answers one exposure (builds the index);
2. for the public and the analyst role: the report model (``build_report``: the exposure answer and
   the source descriptions), the HTML and the PDF rendered from it, each timed ``--repeat`` times
   (median and max), plus the whole ``tierwatch report`` path (model + render + atomic write);
3. prints each against its target (issue 16: HTML <= 2 s, PDF <= 10 s) and the PDF/HTML ratio.

The machine is shared (2 cores, several processes): read the figures with that in mind.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tierwatch.graph.query.service import Viewer, open_query_service
from tierwatch.graph.report import ReportModel, build_report, render, write_report
from tierwatch.graph.settings import get_settings

TARGETS = {"html": 2.0, "pdf": 10.0}


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="canada:dept:rcmp-grc")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--store", default=None, help="embedded (default) or neo4j")
    args = ap.parse_args()
    svc = open_query_service(get_settings(), args.store)
    t = time.perf_counter()
    svc.exposure(args.root, Viewer.analyst(), hits_per_category=1)
    print(f"store {svc.backend}; first exposure (index build) {time.perf_counter() - t:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for viewer in (Viewer.public(), Viewer.analyst()):

            def build(v: Viewer = viewer) -> ReportModel:
                return build_report(svc, args.root, v)

            model_med, model_max, built = timed(build, args.repeat)
            model: ReportModel = built  # type: ignore[assignment]
            print(f"\n{viewer.role}: report model {model_med:.3f} s median, {model_max:.3f} s max")
            for fmt, target in TARGETS.items():

                def draw(f: str = fmt, m: ReportModel = model) -> bytes:
                    return render(m, f)

                med, worst, rendered = timed(draw, args.repeat)
                data: bytes = rendered  # type: ignore[assignment]
                out = Path(tmp) / f"report.{fmt}"

                def whole(f: str = fmt, path: Path = out, v: Viewer = viewer) -> None:
                    write_report(path, render(build_report(svc, args.root, v), f))

                total_med, total_max, _ = timed(whole, args.repeat)
                print(
                    f"  {fmt}: render {med:.3f} s median ({worst:.3f} max), {len(data) / 1024:.0f} KiB; "
                    f"model + render + write {total_med:.3f} s median ({total_max:.3f} max); target "
                    f"<= {target:g} s: {'met' if total_max <= target else 'NOT met'} "
                    f"({total_max / target:.2f} of it)"
                )
    svc.close()


if __name__ == "__main__":
    main()
