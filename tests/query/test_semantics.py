"""The documented semantics (docs/QUERY.md) on a small hand-made graph, on both stores."""

from __future__ import annotations

import math

import pytest
from tierwatch.graph.query import TraversalFilter, Viewer
from tierwatch.graph.query.engine_service import StoreQueryService
from tierwatch.graph.records import EdgeRecord, NodeRecord, Provenance, edge_id
from tierwatch.graph.writer import GraphWriter

V = Viewer.analyst()


def _p(tag: str, conf: float = 0.9, **kw) -> Provenance:
    return Provenance("sem", "v1", "f", tag, conf, kw.pop("method", "declared"), **kw)


def _n(nid: str, label: str, **props) -> NodeRecord:
    return NodeRecord(
        nid, label, {"name": props.pop("name", nid), **props}, [_p(nid, props.pop("conf", 0.9))]
    )


def _e(rel: str, src: str, dst: str, conf: float = 0.9, key: str = "", **props) -> EdgeRecord:
    prov = props.pop("prov", None) or _p(f"{rel}{src}{dst}{key}", conf)
    return EdgeRecord(edge_id(rel, src, dst, key), rel, src, dst, props, [prov])


@pytest.fixture
def svc(store):
    nodes = [
        _n("b:buyer", "PublicBuyer"),
        _n("c:contract", "Contract", categories=["ict"]),
        _n("o:brand", "Brand", name="Brånd Électronique"),
        _n("o:a", "Company"),
        _n("o:b", "Company"),
        _n("o:c", "Company"),
        _n("o:d", "Company"),
        _n("s:smelter", "Smelter", commodities=["commodity:tantalum"]),
        _n("m:mine", "Mine", country="CD", commodities=["commodity:coltan"], mining_type="artisanal"),
        _n("country:CD", "Country", iso2="CD"),
        _n("country:CN", "Country", iso2="CN"),
        _n("commodity:tantalum", "Commodity"),
        _n("commodity:coltan", "Commodity", parents=["commodity:tantalum"]),
        _n("commodity:copper", "Commodity"),
        _n(
            "f:coltan",
            "RiskFinding",
            category="child_labour",
            scope_kind="country",
            scope_country="CD",
            scope_commodity="commodity:coltan",
            evidence="coltan from CD",
        ),
        _n(
            "f:copper",
            "RiskFinding",
            category="forced_labour",
            scope_kind="country",
            scope_country="CD",
            scope_commodity="commodity:copper",
            evidence="copper from CD",
        ),
        _n(
            "f:ituc",
            "RiskFinding",
            category="freedom_of_association",
            scope_kind="country",
            scope_country="CD",
            evidence="ITUC rating",
        ),
        _n(
            "f:direct",
            "RiskFinding",
            category="health_and_safety",
            scope_kind="entity",
            evidence="smelter fumes",
        ),
        _n(
            "f:none",
            "RiskFinding",
            category="child_labour",
            scope_kind="entity",
            severity="none observed",
            evidence="children under 15: 0 (site visit)",
        ),
    ]
    edges = [
        _e("BUYER_OF", "b:buyer", "c:contract"),
        _e("COVERS", "c:contract", "o:brand"),
        # two equal-cost routes brand <- a|b <- c: ties go to the smaller ids (o:a)
        _e("SUPPLIES", "o:a", "o:brand"),
        _e("SUPPLIES", "o:b", "o:brand"),
        _e("SUPPLIES", "o:c", "o:a"),
        _e("SUPPLIES", "o:c", "o:b"),
        # a direct weak link and a longer strong route: best path is the longer one, tier the shorter
        _e("SUPPLIES", "o:d", "o:brand", conf=0.1),
        _e("SUPPLIES", "o:d", "o:c", conf=0.99),
        _e("SUPPLIES", "s:smelter", "o:d", commodity="commodity:tantalum"),
        _e("SUPPLIES", "m:mine", "s:smelter", commodity="commodity:coltan"),
        _e("SUPPLIES", "country:CD", "s:smelter", conf=0.6, commodity="commodity:tantalum"),
        # a cycle back into the brand's chain
        _e("SUPPLIES", "o:brand", "o:c", conf=0.5),
        # never followed: not realised; retired (followed only as of a date before its end)
        _e("SUPPLIES", "country:CN", "o:a", status="not_realised"),
        _e("SUPPLIES", "country:CN", "o:b", key="old", prov=_p("old", 0.9, ended="2021-01-01")),
        _e("LOCATED_IN", "m:mine", "country:CD"),
        _e("CONCERNS", "f:coltan", "country:CD"),
        _e("CONCERNS", "f:copper", "country:CD"),
        _e("CONCERNS", "f:ituc", "country:CD"),
        _e("CONCERNS", "f:direct", "s:smelter"),
        _e("CONCERNS", "f:none", "m:mine"),
    ]
    with store.write_lock():
        w = GraphWriter(store)
        w.write_nodes(nodes)
        w.write_edges(edges)
    return StoreQueryService(store)


def _by_id(result):
    return {h.entity.id: h for h in result.hits}


def test_ties_tiers_best_paths_and_cycles(svc):
    up = _by_id(svc.upstream("o:brand", V, tiers=6))
    assert up["o:c"].path.nodes == ["o:brand", "o:a", "o:c"]  # tie: o:a before o:b
    d = up["o:d"]
    assert d.tier == 1  # the direct weak link
    assert d.path.nodes == ["o:brand", "o:a", "o:c", "o:d"]  # the confident route
    assert d.confidence == pytest.approx(0.9 * 0.9 * 0.99, abs=1e-5)
    assert d.path.cost == pytest.approx(-math.log(0.9 * 0.9 * 0.99), abs=1e-5)
    assert "o:brand" not in up  # the cycle does not bring the root back
    assert "country:CN" not in up  # not realised, retired
    keys = [(h.path.cost, len(h.path.nodes), h.path.nodes) for h in svc.upstream("o:brand", V, tiers=6).hits]
    assert keys == sorted(keys)


def test_as_of_and_min_confidence(svc):
    past = _by_id(svc.upstream("o:b", V, tiers=1, filters=TraversalFilter(as_of="2020-06-01")))
    assert "country:CN" in past
    assert "country:CN" not in _by_id(svc.upstream("o:b", V, tiers=1))
    strong = _by_id(svc.upstream("o:brand", V, tiers=6, filters=TraversalFilter(min_confidence=0.5)))
    assert strong["o:d"].tier == 3


def test_finding_rules_and_commodity_scope(svc):
    r = svc.exposure("b:buyer", V, tiers=8)
    hits = {(h.entity.id, h.finding.id): h for c in r.categories for h in c.hits}
    assert hits[("m:mine", "f:coltan")].rule == "country_commodity"
    assert ("m:mine", "f:copper") not in hits  # DR Congo's copper does not touch a coltan mine
    assert hits[("m:mine", "f:ituc")].rule == "country"
    assert hits[("s:smelter", "f:direct")].rule == "direct"
    origin = hits[("country:CD", "f:coltan")]  # coltan is a form of tantalum, the origin link's commodity
    assert origin.rule == "origin_country" and origin.commodity == "commodity:tantalum"
    assert ("country:CD", "f:copper") not in hits
    cov = r.coverage.chains[0]
    assert cov.anchor.id == "o:brand" and cov.chain == "ict" and cov.chain_source == "contract_category"
    assert {s.step: s.status for s in cov.steps} == {
        "brand": "mapped",
        "assembler": "mapped",
        "component maker": "mapped",
        "smelter or refiner": "mapped",
        "mine": "mapped",
    }


def test_an_observed_absence_is_evidence_not_risk(svc):
    """IPIS records "none observed" when a visit counted 0: shown with the site, never scored."""
    r = svc.exposure("b:buyer", V, tiers=8)
    assert all(h.finding.id != "f:none" for c in r.categories for h in c.hits)
    child = next(c for c in r.categories if c.category == "child_labour")
    assert {h.finding.id for h in child.hits} == {"f:coltan"}
    mine = svc.entity("m:mine", V)
    shown = {f.finding.id: f.finding.severity for f in mine.findings}
    assert shown["f:none"] == "none observed"
    assert all(c.finding is None or c.finding.id != "f:none" for c in svc.risk("m:mine", V).contributions)


def test_commodity_filter_and_search(svc):
    copper = _by_id(svc.upstream("o:d", V, tiers=3, filters=TraversalFilter(commodities=("copper",))))
    assert "s:smelter" not in copper
    tantalum = _by_id(svc.upstream("o:d", V, tiers=3, filters=TraversalFilter(commodities=("tantalum",))))
    assert {"s:smelter", "m:mine"} <= set(tantalum)  # coltan counts as tantalum
    s = svc.search("brand electronique", V)
    assert s.hits[0].entity.id == "o:brand" and s.hits[0].score == 100.0
    p = svc.paths("b:buyer", "m:mine", V, k=3, max_hops=8)
    assert p.direction == "upstream" and len(p.paths) == 3
    costs = [x.cost for x in p.paths]
    assert costs == sorted(costs)


def test_propagation_explains_scores(svc):
    risk = svc.risk("o:brand", V)
    assert risk.inherited > 0 and risk.score == pytest.approx(max(risk.own, risk.inherited), abs=1e-6)
    assert risk.source is not None and risk.path is not None and risk.contributions
    assert risk.path.nodes[0] == "o:brand" and risk.path.nodes[-1] == risk.source.id
