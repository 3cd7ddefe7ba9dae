"""Issue 16 items 1, 2, 5 on the real demo graph: scores that discriminate, known unknowns with
reasons, coverage as a headline, and the exposure report (HTML, PDF, CLI) built from query answers."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from tierwatch.graph.query.models import ACCESS_HINT
from tierwatch.graph.query.scores import BANDS, band_of
from tierwatch.graph.query.service import Viewer
from tierwatch.graph.query.unknowns import REASONS
from tierwatch.graph.report import build_report, render

from .conftest import ACCESS_TEXTS, LICENCE_TEXTS

RCMP = "canada:dept:rcmp-grc"
UK_UNMAPPED = "buyer:gb:peterborough-city-council"  # one ICT contract, its supplier's chain unmapped
ANALYST, PUBLIC = Viewer.analyst(), Viewer.public()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "QUERY.md"


def test_scores_discriminate_where_noisy_or_saturates(demo):
    r = demo.exposure(RCMP, ANALYST, tiers=6, hits_per_category=1000)
    assert r.aggregate > 0.999  # the noisy-OR reads 1.000: it says nothing about where to act
    found = [c for c in r.categories if c.findings]
    assert len(found) >= 4
    for c in found:
        assert c.more == 0
        confs = [h.confidence for h in c.hits]
        assert c.strongest == pytest.approx(max(confs), abs=1e-6)
        assert sum(c.bands.values()) == len(c.hits) == sum(c.by_tier.values())
        assert c.bands == {name: sum(1 for x in confs if band_of(x) == name) for name, _ in BANDS}
        assert c.by_tier == {t: sum(1 for h in c.hits if h.tier == t) for t in {h.tier for h in c.hits}}
        assert min(c.by_tier) == c.min_tier
    # the strongest evidence differs between categories, while every saturated score reads ~1
    assert len({c.strongest for c in found}) >= 3
    assert r.strongest == max(c.strongest for c in found) < 0.8


def test_brands_ranked_by_what_they_contribute(demo):
    r = demo.exposure(RCMP, ANALYST, tiers=6, hits_per_category=1000)
    ranked = r.contributors
    assert [c.rank for c in ranked] == list(range(1, len(ranked) + 1))
    assert {c.anchor.id for c in ranked} >= {c.anchor.id for c in r.coverage.chains}
    keys = [(-c.strongest, -c.findings, -c.hits) for c in ranked]
    assert keys == sorted(keys)
    assert ranked[0].strongest == r.strongest
    # recount from the hits: the RCMP spends with each brand directly, so a hit's brand is its path's
    # second node
    for c in ranked:
        mine = [
            h
            for cat in r.categories
            for h in cat.hits
            if len(h.path.nodes) > 1 and h.path.nodes[1] == c.anchor.id
        ]
        assert c.hits == len(mine), c.anchor.id
        assert c.findings == len({h.finding.id for h in mine})
        assert c.strongest == (max(h.confidence for h in mine) if mine else 0.0)
    assert ranked[0].hits > ranked[-1].hits  # brands differ: the ranking says where to act first


def test_unknown_steps_say_why_and_what_to_ask(demo):
    uk = demo.exposure(UK_UNMAPPED, PUBLIC, tiers=6)
    (chain,) = uk.coverage.chains
    assert [s.status for s in chain.steps] == ["mapped", "unknown", "unknown", "unknown", "unknown"]
    assert {s.reason for s in chain.steps[1:]} == {"no_data_loaded"}
    smelter = next(s for s in chain.steps if s.step == "smelter or refiner")
    assert "CMRT" in smelter.next_request and "EMRT" in smelter.next_request
    assert chain.anchor.name in smelter.next_request
    public = demo.exposure(RCMP, PUBLIC, tiers=6, hits_per_category=0)
    analyst = demo.exposure(RCMP, ANALYST, tiers=6, hits_per_category=0)
    ms_pub = next(c for c in public.coverage.chains if c.anchor.id == "org:microsoft")
    ms_ana = next(c for c in analyst.coverage.chains if c.anchor.id == "org:microsoft")
    for s in ms_pub.steps:
        if s.status == "withheld":
            assert s.reason == "withheld_for_viewer" and s.next_request == ACCESS_HINT
    assert {s.step: s.reason for s in ms_ana.steps}["assembler"] == "not_disclosed"  # its smelters are known
    assert all(s.reason is None for s in ms_ana.steps if s.status == "mapped")
    documented = DOCS.read_text(encoding="utf-8")
    for code, _ in REASONS:
        assert f"`{code}`" in documented, code


def test_coverage_headline_shares(demo):
    pub = demo.exposure(RCMP, PUBLIC, tiers=6, hits_per_category=0).coverage.headline
    ana = demo.exposure(RCMP, ANALYST, tiers=6, hits_per_category=0).coverage.headline
    assert pub is not None and ana is not None
    assert pub.units == ana.units == pub.spend_lines == 12 and pub.contracts == 0
    assert pub.currency == "CAD" and pub.spend_total and pub.spend_total > 1e8
    brand, *_, mine = ana.steps
    assert brand.share_units == 1.0 and brand.share_spend == 1.0
    assert 0 < mine.share_units < 1 and 0 < mine.share_spend < 1
    for p, a in zip(pub.steps, ana.steps, strict=True):
        assert p.units_mapped <= a.units_mapped and p.units_mapped + p.units_withheld >= a.units_mapped
    assert pub.steps[-1].units_withheld > 0 and ana.steps[-1].units_withheld == 0
    uk = demo.exposure(UK_UNMAPPED, PUBLIC, tiers=6).coverage.headline
    assert uk.units == uk.contracts == 1 and [s.units_mapped for s in uk.steps] == [1, 0, 0, 0, 0]
    assert uk.text.startswith("Coverage: of Peterborough City Council's 1 goods purchase (1 contract")


def test_neo4j_and_embedded_give_the_same_numbers(demo_pair):
    a, b = demo_pair
    for viewer in (PUBLIC, ANALYST):
        ra = a.exposure(RCMP, viewer, tiers=6, hits_per_category=5)
        rb = b.exposure(RCMP, viewer, tiers=6, hits_per_category=5)
        assert ra.strongest == rb.strongest
        assert [c.model_dump() for c in ra.contributors] == [c.model_dump() for c in rb.contributors]
        assert [(c.strongest, c.bands, c.by_tier) for c in ra.categories] == [
            (c.strongest, c.bands, c.by_tier) for c in rb.categories
        ]
        assert ra.coverage.headline == rb.coverage.headline
        assert ra.coverage.chains == rb.coverage.chains


def _no_network(html: str) -> None:
    assert "<script" not in html.lower() and "@import" not in html and "url(" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "<link" not in html.lower() and "@media print" in html


def test_report_public_and_analyst(demo):
    pub = build_report(demo, RCMP, PUBLIC, hits_per_category=1000)
    ana = build_report(demo, RCMP, ANALYST, hits_per_category=1000)
    html_pub, html_ana = render(pub, "html").decode(), render(ana, "html").decode()
    _no_network(html_pub)
    for text in ACCESS_TEXTS + LICENCE_TEXTS:
        assert text not in html_pub, text
    assert any(t in html_ana for t in LICENCE_TEXTS) and any(t in html_ana for t in ACCESS_TEXTS)
    # what was withheld, counted, as the exposure answer counts it
    exp = demo.exposure(RCMP, PUBLIC, tiers=6, hits_per_category=1000)
    assert pub.withheld.total == exp.withheld and pub.withheld.total.findings > 0
    assert f"{exp.withheld.findings} findings" in html_pub and ACCESS_HINT in html_pub
    assert ana.withheld.hint is None and "Nothing was withheld" in html_ana
    # sections, and the same numbers as the answer
    for section in (
        "Summary",
        "Coverage",
        "Where to act first",
        "Evidence by risk category",
        "Known unknowns",
    ):
        assert f">{section}<" in html_ana, section
    assert pub.exposure.coverage.headline.text in html_pub.replace("&#x27;", "'")
    assert f"{ana.exposure.strongest:.2f}" in ana.summary[2]
    licences = {s.dataset: s for s in pub.sources}
    assert licences and all(s.licence_class == "open" for s in licences.values())
    cited = {p.dataset for c in pub.exposure.categories for h in c.hits for p in h.finding.provenance}
    assert cited <= set(licences) | set()  # every cited dataset is described (public: open ones)
    assert any(s.licence_class == "restricted" for s in ana.sources)


def test_report_pdf_is_made_from_the_same_model(demo):
    model = build_report(demo, UK_UNMAPPED, PUBLIC)
    data = render(model, "pdf")
    assert data[:5] == b"%PDF-"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert re.sub(r"\s+", " ", model.summary[0]) in flat
    assert "Known unknowns" in flat and "CMRT" in flat


def test_cli_report_writes_whole_files_and_refuses_bad_input(demo_dir, tmp_path):
    env = {**os.environ, "TIERWATCH_STORE_DIR": str(demo_dir), "TIERWATCH_STORE": "embedded"}
    exe = [str(Path(sys.executable).parent / "tierwatch")]

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([*exe, "report", *args], env=env, capture_output=True, text=True, timeout=600)
        done.stderr = " ".join(done.stderr.split())  # the console wraps long lines
        return done

    bad_dir = run(RCMP, "-o", str(tmp_path / "missing" / "r.html"))
    assert (
        bad_dir.returncode == 2 and "does not exist" in bad_dir.stderr and "Traceback" not in bad_dir.stderr
    )
    bad_ext = run(RCMP, "-o", str(tmp_path / "r.txt"))
    assert bad_ext.returncode == 2 and ".html or .pdf" in bad_ext.stderr
    unknown = run("zz:no-such-buyer", "-o", str(tmp_path / "z.html"))
    assert unknown.returncode == 2 and "no entity with id 'zz:no-such-buyer'" in unknown.stderr
    ok = run(UK_UNMAPPED, "-o", str(tmp_path / "uk.html"), "--role", "public")
    assert ok.returncode == 0, ok.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["uk.html"]  # no temporary file left
    html = (tmp_path / "uk.html").read_text(encoding="utf-8")
    _no_network(html)
    assert "no supplier data is loaded for this brand" in html and "for the role public," in html
