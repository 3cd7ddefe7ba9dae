"""The exposure report's optional "what changed since" section on the real demo graph: the changes
``tierwatch changes`` computes (graph.watch.alerts.changes), for the report's own viewer, in the HTML
and the PDF; a bad day is refused by the CLI (exit 2) (the API: tests/api/test_report_route.py)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from tierwatch.graph.errors import QueryError
from tierwatch.graph.query.service import Viewer
from tierwatch.graph.report import build_report, render
from tierwatch.graph.watch.alerts import changes

from .conftest import ACCESS_TEXTS, LICENCE_TEXTS, _service

ENTITY = "canada:dept:rcmp-grc"
SINCE = "2018-01-01"


def _text(pdf: bytes) -> str:
    return "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_report_since_shows_the_changes_for_its_viewer(demo_dir: Path, request) -> None:
    svc = _service("embedded", demo_dir, request)
    try:
        subjects = {}
        for viewer in (Viewer.analyst(), Viewer.public()):
            report = build_report(svc, ENTITY, viewer, since=SINCE)
            expected = changes(svc, ENTITY, SINCE, viewer=viewer)
            assert report.changes is not None and report.changes["since"] == SINCE
            assert report.changes["changes"] == expected["changes"]
            assert report.changes["before"] == expected["before"]
            subjects[viewer.role] = {c["subject"] for c in expected["changes"]}
            html = render(report, "html").decode()
            assert f"What changed since {SINCE}" in html
            first = expected["changes"][0]
            assert first["subject"] in html  # listed
            pdf = _text(render(report, "pdf"))
            assert "".join(f"What changed since {SINCE}".split()) in pdf
            if viewer.role == "public":
                for text in ACCESS_TEXTS + LICENCE_TEXTS:
                    assert text not in html and text.replace(" ", "") not in pdf
            # without --since there is no such section
            assert "What changed since" not in render(build_report(svc, ENTITY, viewer), "html").decode()
        # the RCMP's spend (fiscal 2017-2022) is not current today: its paths and findings leave its
        # exposure; the public report names only what the public answers hold (a strict subset: the
        # licence-restricted smelter and mine lists are withheld from it)
        assert subjects["public"] < subjects["analyst"]
        with pytest.raises(QueryError, match="in the future"):
            build_report(svc, ENTITY, Viewer.public(), since="2999-01-01")
    finally:
        svc.close()


def test_report_since_bad_day_cli(demo_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "TIERWATCH_STORE_DIR": str(demo_dir), "TIERWATCH_STORE": "embedded"}
    code = "from tierwatch.cli import main; main()"
    target = tmp_path / "r.html"
    done = subprocess.run(
        [sys.executable, "-c", code, "report", ENTITY, "-o", str(target), "--since", "June 2025"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2 and "ISO date" in done.stderr and "Traceback" not in done.stderr
    assert not target.exists()


def test_report_since_same_on_both_stores_neo4j(demo_pair) -> None:
    """The "what changed since" section holds the same changes, in the same order, on both stores."""
    embedded, neo4j = demo_pair
    for viewer in (Viewer.analyst(), Viewer.public()):
        a = build_report(embedded, ENTITY, viewer, since=SINCE).changes
        b = build_report(neo4j, ENTITY, viewer, since=SINCE).changes
        assert a is not None and a["changes"] and a == b
