"""Remedy as evidence: a small remedy file (a TEST FIXTURE, tests/query/fixtures/README.md) ingested
with the remedy template against a real finding of the demo graph, and what the answers then show.

The finding: ``uflpa:finding:zijin-mining-group:v`` (UFLPA Entity List), reached from the RCMP's
contracts. Before the file, the exposure answer shows it without remedy; after, with its records (oldest
first) and the latest status; a restricted record (blank access = restricted) only to a viewer with
access, never counted for others; a licence-restricted record is counted as withheld.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tierwatch.graph.query.service import Viewer
from tierwatch.graph.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "remedy_TEST_FIXTURE.csv"
FINDING = "uflpa:finding:zijin-mining-group:v"
ENTITY = "org:zijin-mining-group"
BUYER = "canada:dept:rcmp-grc"


@pytest.fixture(scope="module")
def remedied(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the demo store with the fixture ingested (open dataset), and a licence-restricted record."""
    from tierwatch.graph.sqlite_ops import copy_store
    from tierwatch.graph.sqlite_store import SQLiteStore
    from tierwatch.ingest.runner import run_ingest

    base = tmp_path_factory.mktemp("remedy")
    directory = base / "store"
    copy_store(demo_dir, directory)
    store = SQLiteStore(directory)
    settings = Settings(store_dir=directory)
    options = {"publisher": "Tierwatch Test Monitor", "licence": "test fixture"}
    report = run_ingest(
        "remedy", [FIXTURE], store, settings, dataset="test-remedy-fixture", licence_class="open", **options
    )
    licensed = base / "remedy_licence_TEST_FIXTURE.csv"
    with licensed.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["finding", "status", "date", "evidence", "reported_by", "access"])
        out.writerow(
            [
                FINDING,
                "disputed",
                "2025-10",
                "TEST FIXTURE FXLICENCE record",
                "Tierwatch Test Licensor",
                "public",
            ]
        )
    run_ingest(
        "remedy",
        [licensed],
        store,
        settings,
        dataset="test-remedy-licensed",
        licence_class="restricted",
        **options,
    )
    store.close()
    return directory, report


def _hit(result, finding: str):
    return next(h for c in result.categories for h in c.hits if h.finding.id == finding)


def test_bad_rows_are_quarantined_with_the_field(remedied) -> None:
    _, report = remedied
    with Path(report.quarantine_report).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert report.edges_created == 2 and len(rows) == 3  # two REMEDIES links, three rows refused
    fields = {r.get("field") for r in rows}
    assert {"finding", "status", "evidence"} <= fields


def test_exposure_shows_the_remedy_records(demo_dir: Path, remedied, request) -> None:
    from .conftest import _service

    before_svc = _service("embedded", demo_dir, request)
    after_svc = _service("embedded", remedied[0], request)
    try:
        analyst = Viewer.analyst()
        before = _hit(before_svc.exposure(BUYER, analyst, hits_per_category=200, coverage=False), FINDING)
        after = _hit(after_svc.exposure(BUYER, analyst, hits_per_category=200, coverage=False), FINDING)
        assert before.finding.remedies == [] and before.finding.remedy_status is None
        records = after.finding.remedies
        assert [r.status for r in records] == ["acknowledged", "in_remedy", "disputed"]  # oldest first
        assert after.finding.remedy_status == "disputed"
        plan = records[1]
        assert plan.access == "restricted" and plan.started == "2025-06" and plan.date == "2025-09"
        assert plan.provided_by == "Zijin Mining Group" and plan.verified_by == "Tierwatch Test Verifier"
        assert plan.confidence == 0.9 and records[0].confidence == 0.8  # verified by another organisation
        # the finding and its score are unchanged: remedy is evidence about it, not a reason to hide it
        assert after.confidence == before.confidence and after.path == before.path

        # entity detail: the public sees the public record only; the restricted one is not even counted,
        # the licence-restricted one is counted as withheld
        public = after_svc.entity(ENTITY, Viewer.public())
        finding = next(h.finding for h in public.findings if h.finding.id == FINDING)
        assert [r.status for r in finding.remedies] == ["acknowledged"]
        assert finding.remedy_status == "acknowledged" and finding.remedies_withheld == 1
        text = public.model_dump_json()
        assert "FXRESTRICTED" not in text and "FXLICENCE" not in text
        full = after_svc.entity(ENTITY, analyst)
        assert [
            r.status for r in next(h.finding for h in full.findings if h.finding.id == FINDING).remedies
        ] == [
            "acknowledged",
            "in_remedy",
            "disputed",
        ]
        # a restricted remedy record is hidden in exports of the neighbourhood too
        sub = after_svc.subgraph(FINDING, Viewer.public(), hops=1)
        assert "FXRESTRICTED" not in str(sub.nodes) and any(n["type"] == "Remedy" for n in sub.nodes)
    finally:
        before_svc.close()
        after_svc.close()


def test_status_function_for_reports_and_alerts(remedied, request) -> None:
    from tierwatch.graph.query.remedies import remedy_status_of

    from .conftest import _service

    svc = _service("embedded", remedied[0], request)
    try:
        assert remedy_status_of(svc.source, [FINDING, "finding:none"], Viewer.analyst()) == {
            FINDING: "disputed"
        }
        assert remedy_status_of(svc.source, [FINDING], Viewer.public()) == {FINDING: "acknowledged"}
    finally:
        svc.close()


def test_report_shows_remedy_as_the_answer_does(remedied, request) -> None:
    """The exposure report (HTML and PDF) shows each finding's latest remedy status and the records the
    viewer may see: the public report only the public record (the licence-restricted one counted), the
    analyst report all three; the restricted text never reaches the public files."""
    import io

    from pypdf import PdfReader
    from tierwatch.graph.report import build_report, render

    from .conftest import _service

    svc = _service("embedded", remedied[0], request)
    try:
        for viewer, statuses, absent in (
            (Viewer.public(), ["acknowledged"], ("FXRESTRICTED", "FXLICENCE")),
            (Viewer.analyst(), ["acknowledged", "in_remedy", "disputed"], ()),
        ):
            report = build_report(svc, ENTITY, viewer, hits_per_category=200)
            hit = _hit(report.exposure, FINDING)
            assert [r.status for r in hit.finding.remedies] == statuses  # the answer's records
            html = render(report, "html").decode()
            pdf = render(report, "pdf")
            pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
            pdf_text = "".join(pdf_text.split())
            latest = statuses[-1].replace("_", " ")
            assert f"Remedy status: {latest}" in html
            assert "".join(f"Remedy status: {latest}".split()) in pdf_text
            for record in hit.finding.remedies:
                assert record.evidence in html
            if viewer.role == "public":
                assert "1 remedy records withheld (licence-restricted)" in html
            for text in absent:
                assert text not in html and text not in pdf_text
            if viewer.role == "analyst":
                assert "FXRESTRICTED" in html and "FXRESTRICTED" in pdf_text
    finally:
        svc.close()


def test_same_remedy_answers_on_both_stores_neo4j(remedied, request) -> None:
    """The remedied demo graph loaded into Neo4j gives the same remedy records, statuses and withheld
    counts as the embedded store: in the exposure answer, the entity detail, for both roles, and in
    ``remedy_status_of`` (what reports and alerts read)."""
    from tierwatch.graph.query.remedies import remedy_status_of
    from tierwatch.graph.report.text import remedy_text

    from .conftest import _service

    embedded = _service("embedded", remedied[0], request)
    neo4j = _service("neo4j", remedied[0], request)
    try:
        answers = {}
        for name, svc in (("embedded", embedded), ("neo4j", neo4j)):
            got = []
            for viewer in (Viewer.analyst(), Viewer.public()):
                exposure = svc.exposure(ENTITY, viewer, hits_per_category=200, coverage=False)
                hit = _hit(exposure, FINDING)
                detail = svc.entity(ENTITY, viewer)
                finding = next(h.finding for h in detail.findings if h.finding.id == FINDING)
                got.append(
                    (
                        hit.finding.model_dump(),
                        hit.confidence,
                        remedy_text(hit),
                        finding.model_dump(),
                        remedy_status_of(svc.source, [FINDING, "finding:none"], viewer),
                    )
                )
            answers[name] = got
        analyst, public = answers["embedded"]
        assert [r["status"] for r in analyst[0]["remedies"]] == ["acknowledged", "in_remedy", "disputed"]
        assert public[4] == {FINDING: "acknowledged"} and public[0]["remedies_withheld"] == 1
        assert answers["neo4j"] == answers["embedded"]
    finally:
        embedded.close()
        neo4j.close()
