"""Issue 20, items 4 and 9 on the real demo graph, both stores: two named measures (entity risk and the
exposure aggregate), time along a path, and a buyer's own place not scored as its supply-chain risk."""

from __future__ import annotations

from datetime import date

import pydantic
import pytest
from tierwatch.graph.query import Page, TraversalFilter, Viewer
from tierwatch.graph.query.arcs import day
from tierwatch.graph.query.models import ExposureResult, RiskScore

RCMP = "canada:dept:rcmp-grc"
UK_BUYER = "buyer:gb:cefas"
ANALYST = Viewer.analyst()
PUBLIC = Viewer.public()
DATED = ("SUPPLIES", "SPENDS_WITH")


def test_risk_and_exposure_are_two_named_measures(demo):
    risk = demo.risk("org:apple", ANALYST)
    exposure = demo.exposure("org:apple", ANALYST, tiers=6, hits_per_category=0, coverage=False)
    assert risk.measure == "risk_worst_source" and exposure.measure == "exposure_any_finding"
    # they answer different questions and differ on Apple (worst single source vs any finding)
    assert 0 < risk.score < exposure.aggregate
    risk_doc = RiskScore.model_json_schema()["properties"]["score"]["description"]
    agg_doc = ExposureResult.model_json_schema()["properties"]["aggregate"]["description"]
    assert "NOT the exposure aggregate" in risk_doc and "NOT the entity risk score" in agg_doc


def test_a_path_says_when_its_links_do_not_overlap_in_time(demo):
    """RCMP -> Toyota (2017-2018 spend) -> smelter (2025 SEC Form SD declaration) -> DR Congo."""
    r = demo.paths(RCMP, "country:CD", ANALYST, k=10, max_hops=6)
    gaps = [p for p in r.paths if p.periods_overlap is False]
    assert all(p.period_note and "do not overlap in time" in p.period_note for p in gaps)
    # among them the Form SD chains: a 2025 declaration joined to the 2017-2018 spend
    declared = [p for p in gaps if any((lk.period_start or "").startswith("2025") for lk in p.links)]
    assert declared, [p.nodes for p in r.paths]
    for p in declared:
        spend = next(lk for lk in p.links if lk.type == "SPENDS_WITH")
        latest = max(lk.period_start for lk in p.links if lk.period_start)
        assert spend.fiscal_year == "2017-2018" and latest.startswith("2025")
        spend_end = date(int(spend.fiscal_year[5:]), 3, 31)  # fiscal years run April to March
        assert p.period_gap_days == (date.fromisoformat(latest) - spend_end).days > 6 * 365
        assert p.period_note and f"{spend.fiscal_year} spend joined to" in p.period_note
        assert "do not overlap in time" in p.period_note
    # RCMP -> Huayou: 2017-2018 spend, cobalt supply reported for 2016 and for 2020: apart too
    huayou = demo.paths(RCMP, "org:huayou-cobalt", ANALYST, k=3, max_hops=6)
    notes = [p.period_note for p in huayou.paths if p.periods_overlap is False]
    assert any(n.startswith("2016 supply joined to 2020 supply") for n in notes), notes
    for p in [*r.paths, *huayou.paths]:
        windows = [_window(lk) for lk in p.links]
        windows = [w for w in windows if w != (None, None)]
        if len(windows) < 2:
            assert p.periods_overlap is None and p.period_note is None
        else:
            latest_start = max(w[0] or 0 for w in windows)
            earliest_end = min(w[1] or 99_999_999 for w in windows)
            assert p.periods_overlap is (latest_start <= earliest_end)
            assert (p.period_gap_days > 0) is (latest_start > earliest_end)


def _window(lk) -> tuple[int | None, int | None]:
    if lk.fiscal_year:
        return day(lk.fiscal_year), day(lk.fiscal_year, end=True)
    return day(lk.period_start), day(lk.period_end, end=True)


def test_as_of_can_require_overlap(demo):
    with pytest.raises(pydantic.ValidationError):
        TraversalFilter(require_overlap=True)
    loose = TraversalFilter(as_of="2018-01-01")
    strict = TraversalFilter(as_of="2018-01-01", require_overlap=True)
    wide = demo.exposure(RCMP, ANALYST, tiers=6, filters=loose, hits_per_category=0, coverage=False)
    narrow = demo.exposure(RCMP, ANALYST, tiers=6, filters=strict, hits_per_category=0, coverage=False)
    assert 0 < narrow.reached < wide.reached
    up = demo.upstream(RCMP, ANALYST, tiers=6, filters=strict, page=Page(limit=1000))
    assert up.hits
    d = day(strict.as_of)
    for hit in up.hits:
        for lk in hit.path.links:
            if lk.type in DATED:  # every dated link has a known period that holds on as_of
                start = day(lk.fiscal_year or lk.period_start)
                end = day(lk.fiscal_year or lk.period_end, end=True)
                assert start is not None or end is not None, lk
                assert (start is None or start <= d) and (end is None or d <= end), lk
        assert hit.path.periods_overlap is not False
    # the default keeps today's behaviour: undated supply links are followed under as_of
    loose_up = demo.upstream(RCMP, ANALYST, tiers=6, filters=loose, page=Page(limit=1000))
    assert any(
        lk.type in DATED and not (lk.fiscal_year or lk.period_start or lk.period_end)
        for h in loose_up.hits
        for lk in h.path.links
    )


def test_a_buyers_own_place_is_not_its_supply_chain_risk(demo):
    """The UK's ITUC rating (3: w = 0.2) no longer reads as every UK buyer's risk."""
    risk = demo.risk(UK_BUYER, ANALYST)
    assert risk.own == 0.0
    assert not [c for c in risk.contributions if c.kind == "indicator" and c.source.id == UK_BUYER]
    exposure = demo.exposure(UK_BUYER, ANALYST, tiers=6, hits_per_category=1000, coverage=False)
    for cat in exposure.categories:
        assert not [h for h in cat.hits if h.entity.id == UK_BUYER], cat.category
    ranking = demo.risk_ranking(ANALYST, types=("PublicBuyer",))
    assert all(item.own == 0.0 for item in ranking.items)
    # producers keep their own place: a UK facility still carries the UK's indicators (ITUC 3: 0.2)
    ix = demo.source.full_index()
    uk_sites = [d["id"] for d in ix.nodes if d["type"] == "Facility" and d.get("country") == "GB"]
    assert uk_sites
    for site in uk_sites[:5]:
        r = demo.risk(site, ANALYST)
        assert r.own >= 0.2 and any(c.kind == "indicator" for c in r.contributions), site


def test_uk_buyers_do_not_all_read_the_uk_rating(demo):
    ix = demo.source.full_index()
    uk = [d["id"] for d in ix.nodes if d["type"] == "PublicBuyer" and d.get("country") == "GB"]
    assert len(uk) > 100
    scores = [demo.risk(b, ANALYST) for b in uk]
    assert all(s.own == 0.0 for s in scores)
    at_rating = sum(1 for s in scores if s.score == pytest.approx(0.2))
    assert at_rating < len(uk) / 10, at_rating
    # public viewers: unchanged (the UK indicators are licence-restricted), nothing inherited from place
    assert all(demo.risk(b, PUBLIC).own == 0.0 for b in uk[:20])
