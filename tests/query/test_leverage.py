"""Shared leverage (graph/query/leverage.py) on the real demo graph: counts agree with per-buyer upstream
answers, the ranking is the documented one, paths lead from each buyer, access rules hold, both stores
give the same ranking, bad input is refused."""

from __future__ import annotations

import pytest
from tierwatch.graph.errors import NotFoundError, QueryError
from tierwatch.graph.query.leverage import BuyerSelection
from tierwatch.graph.query.service import Page, TraversalFilter, Viewer, make_filter

from .conftest import ACCESS_TEXTS, LICENCE_ONLY_ORG, LICENCE_TEXTS

CA = BuyerSelection(country="CA")
SMELTERS = make_filter(entity_types=("Smelter",))


def _upstream_ids(svc, buyer: str, filters: TraversalFilter, viewer: Viewer) -> set[str]:
    ids: set[str] = set()
    offset = 0
    while True:
        r = svc.upstream(buyer, viewer, tiers=6, filters=filters, page=Page(offset=offset, limit=1000))
        ids |= {h.entity.id for h in r.hits}
        if not r.more:
            return ids
        offset += 1000


@pytest.fixture
def embedded(demo_dir, request):
    from .conftest import _service

    svc = _service("embedded", demo_dir, request)
    yield svc
    svc.close()


def test_counts_are_the_buyers_whose_upstream_holds_the_entity(embedded) -> None:
    viewer = Viewer.analyst()
    result = embedded.leverage(CA, viewer, filters=SMELTERS, page=Page(limit=5))
    assert result.rows and result.total >= len(result.rows)
    buyers = [b.id for b in result.buyers]
    assert len(buyers) >= 50 and all(b.country == "CA" for b in result.buyers)
    reach = {b: _upstream_ids(embedded, b, SMELTERS, viewer) for b in buyers}
    for row in result.rows:
        assert row.entity.type == "Smelter"
        expected = {b for b, ids in reach.items() if row.entity.id in ids}
        assert set(row.buyer_ids) == expected and row.buyers == len(expected) >= 2
    # nothing reached by more buyers than the first row was left out
    most = max(sum(1 for ids in reach.values() if e in ids) for e in set().union(*reach.values()))
    assert result.rows[0].buyers == most


def test_ranking_paths_spend_and_evidence(embedded) -> None:
    result = embedded.leverage(CA, Viewer.analyst(), paths=2, evidence=5, page=Page(limit=40))
    keys = [(-r.buyers, -r.risk) for r in result.rows]
    assert keys == sorted(keys)
    for row in result.rows:
        assert 1 <= len(row.paths) <= 2
        for p in row.paths:
            assert p.path.nodes[0] == p.buyer.id and p.path.nodes[-1] == row.entity.id
            assert p.buyer.id in row.buyer_ids[:2]
            assert len(p.path.links) >= row.min_tier
        assert row.findings >= len(row.evidence)
        assert [e.confidence for e in row.evidence] == sorted(
            (e.confidence for e in row.evidence), reverse=True
        )
        if row.evidence:
            assert row.risk == row.evidence[0].confidence
        for s in row.spend:
            assert s.amount > 0 and 1 <= s.buyers <= row.buyers
    # Canadian spend is in CAD, and the most shared brands carry it
    assert any(s.currency == "CAD" for r in result.rows for s in r.spend)


def test_spend_counts_every_spend_record_of_a_brand(embedded) -> None:
    """Microsoft: at least the sum of the CA buyers' spend records with it (every fiscal year)."""
    result = embedded.leverage(
        CA, Viewer.analyst(), filters=make_filter(entity_types=("Brand",)), page=Page(limit=200)
    )
    row = next(r for r in result.rows if r.entity.id == "org:microsoft")
    records = [
        e
        for e, _ in embedded.source.incident(["org:microsoft"])
        if e["type"] == "SPENDS_WITH" and e["src"] in row.buyer_ids and e.get("currency") == "CAD"
    ]
    cad = next(s for s in row.spend if s.currency == "CAD")
    assert records and cad.amount >= round(sum(e["amount"] for e in records), 2) - 0.01
    assert cad.buyers >= len({e["src"] for e in records})


def test_access_rules(embedded) -> None:
    everyone = BuyerSelection(all_buyers=True)
    analyst = embedded.leverage(everyone, Viewer.analyst(), evidence=20, page=Page(limit=1000))
    public = embedded.leverage(everyone, Viewer.public(), evidence=20, page=Page(limit=1000))
    assert LICENCE_ONLY_ORG in {r.entity.id for r in analyst.rows}  # the positive control
    assert LICENCE_ONLY_ORG not in {r.entity.id for r in public.rows}
    assert public.withheld.paths >= 1 and public.withheld.findings >= 1 and public.withheld.note
    text = public.model_dump_json()
    assert not [t for t in (*ACCESS_TEXTS, *LICENCE_TEXTS) if t.lower() in text.lower()]
    assert any(t in analyst.model_dump_json() for t in ACCESS_TEXTS)


def test_bad_input(embedded) -> None:
    with pytest.raises(QueryError, match="one way"):
        BuyerSelection(country="CA", all_buyers=True)
    with pytest.raises(QueryError, match="country"):
        BuyerSelection(country="XX")
    with pytest.raises(QueryError, match="federal department"):
        embedded.leverage(BuyerSelection(kind="federal departmnt"), Viewer.analyst())
    with pytest.raises(QueryError, match="not a public buyer"):
        embedded.leverage(BuyerSelection(buyers=["org:dell", "canada:dept:rcmp-grc"]), Viewer.analyst())
    with pytest.raises(NotFoundError) as missing:
        embedded.leverage(BuyerSelection(buyers=["zz:none"]), Viewer.analyst())
    with pytest.raises(NotFoundError) as hidden:
        embedded.leverage(BuyerSelection(buyers=[LICENCE_ONLY_ORG]), Viewer.public())
    assert str(hidden.value) == str(missing.value).replace("zz:none", LICENCE_ONLY_ORG)
    with pytest.raises(QueryError, match="commodity"):
        embedded.leverage(CA, Viewer.analyst(), filters=make_filter(commodities=("unobtainium",)))


def test_same_ranking_on_both_stores(demo_pair) -> None:
    a, b = demo_pair
    for viewer in (Viewer.analyst(), Viewer.public()):
        ra = a.leverage(CA, viewer, paths=1, page=Page(limit=100))
        rb = b.leverage(CA, viewer, paths=1, page=Page(limit=100))
        assert ra.rows and ra.model_dump() == rb.model_dump()
