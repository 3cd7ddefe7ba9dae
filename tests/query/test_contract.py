"""Both stores return the same results for every query: on the real demo graph and on generated graphs."""

from __future__ import annotations

from pathlib import Path

import pytest
from tierwatch.graph.errors import TierwatchError
from tierwatch.graph.query import Page, TraversalFilter, Viewer

from .conftest import services_on

VIEWERS = (Viewer.public(), Viewer.public(open_licence=True), Viewer.analyst())


def _outcome(svc, call):
    try:
        return call(svc).model_dump()
    except TierwatchError as exc:  # the same error, with the same message, on both stores
        return (type(exc).__name__, str(exc))


def _same(a, b, call) -> None:
    assert _outcome(a, call) == _outcome(b, call)


def _all_queries(a, b, roots: list[str], pairs: list[tuple[str, str]], texts: list[str], risk_ids: list[str]):
    filters = (
        TraversalFilter(),
        TraversalFilter(include_candidates=True, min_confidence=0.5),
        TraversalFilter(commodities=("cobalt", "tin"), as_of="2021-06-30"),
    )
    for v in VIEWERS:
        for root in roots:
            for flt in filters:
                _same(
                    a,
                    b,
                    lambda s, r=root, f=flt, v=v: s.exposure(r, v, tiers=6, filters=f, hits_per_category=50),
                )
                _same(
                    a,
                    b,
                    lambda s, r=root, f=flt, v=v: s.upstream(r, v, tiers=4, filters=f, page=Page(limit=200)),
                )
                _same(a, b, lambda s, r=root, f=flt, v=v: s.downstream(r, v, tiers=3, filters=f))
            _same(a, b, lambda s, r=root, v=v: s.entity(r, v))
            _same(a, b, lambda s, r=root, v=v: s.subgraph(r, v, hops=2))
        for src, dst in pairs:
            _same(a, b, lambda s, x=src, y=dst, v=v: s.paths(x, y, v, k=5, max_hops=6))
        for text in texts:
            _same(a, b, lambda s, t=text, v=v: s.search(t, v, page=Page(limit=100)))
        for rid in risk_ids:
            _same(a, b, lambda s, r=rid, v=v: s.risk(r, v))
        _same(a, b, lambda s, v=v: s.risk_ranking(v, page=Page(limit=200)))


def test_same_answers_on_the_demo_graph(demo_pair):
    a, b = demo_pair
    roots = [
        "canada:dept:rcmp-grc",
        "buyer:gb:cefas",
        "ocds:ocds-r6ebe6-0000530300",
        "org:dell",
        "org:general-motors",
        "org:apple",
        "org:huayou-cobalt",
        "rmi:CID000004",
    ]
    pairs = [
        ("canada:dept:rcmp-grc", "country:CD"),
        ("canada:dept:rcmp-grc", "rm:mine:kasulo-cdm"),
        ("org:apple", "org:jx-advanced-metals"),
    ]
    texts = [
        "huayou",
        "Royal Canadian Mounted Police",
        "jx nippon mining & metals",
        "CA-GOC-ORG:rcmp-grc",
        "Qcanaryaccess Widgets",
        "Qcanarylicence",
        "glencore",
    ]
    _all_queries(a, b, roots, pairs, texts, ["org:general-motors", "org:huayou-cobalt", "org:dell"])


@pytest.fixture
def generated_pair(tmp_path: Path, request: pytest.FixtureRequest):
    """A seeded synthetic graph plus the link kinds it lacks (candidates, licence-restricted, retired,
    not realised, commodity forms, country findings), on both stores."""
    from tierwatch.graph.records import EdgeRecord, NodeRecord, Provenance, edge_id
    from tierwatch.graph.synthetic import generate

    nodes, edges = generate(3000, seed=11)
    restricted = Provenance("syn-restricted", "v1", "f", "r1", 0.7, "declared", licence_class="restricted")
    ended = Provenance("syn-old", "v1", "f", "r1", 0.8, "declared", ended="2020-01-01")
    extra_nodes = [
        NodeRecord(
            "syn:commodity:coltan",
            "Commodity",
            {"name": "coltan", "parents": ["commodity:tantalum"]},
            [Provenance("syn", "v", "f", "c", 1.0, "declared")],
        ),
        NodeRecord(
            "commodity:tantalum",
            "Commodity",
            {"name": "tantalum"},
            [Provenance("syn", "v", "f", "t", 1.0, "declared")],
        ),
        # the commodities the filters below name (a filter naming no Commodity node is refused)
        *(
            NodeRecord(
                f"commodity:{c}", "Commodity", {"name": c}, [Provenance("syn", "v", "f", c, 1.0, "declared")]
            )
            for c in ("cobalt", "tin")
        ),
        NodeRecord(
            "syn:finding:country-cd",
            "RiskFinding",
            {
                "category": "child_labour",
                "scope_kind": "country",
                "scope_country": "CD",
                "scope_commodity": "commodity:tantalum",
                "evidence": "country finding on tantalum",
            },
            [Provenance("syn", "v", "f", "fc", 0.9, "declared")],
        ),
        NodeRecord(
            "syn:finding:secret",
            "RiskFinding",
            {
                "category": "forced_labour",
                "scope_kind": "entity",
                "evidence": "SECRET",
                "access": "restricted",
            },
            [Provenance("syn", "v", "f", "fs", 0.9, "declared")],
        ),
    ]
    extra_edges = [
        EdgeRecord(
            edge_id("CONCERNS", "syn:finding:country-cd", "syn:country:CD"),
            "CONCERNS",
            "syn:finding:country-cd",
            "syn:country:CD",
            {},
            [Provenance("syn", "v", "f", "e1", 0.9, "declared")],
        ),
        EdgeRecord(
            edge_id("CONCERNS", "syn:finding:secret", "syn:brand:0"),
            "CONCERNS",
            "syn:finding:secret",
            "syn:brand:0",
            {},
            [Provenance("syn", "v", "f", "e2", 0.9, "declared")],
        ),
        EdgeRecord(
            edge_id("SUPPLIES", "syn:smelter:0", "syn:brand:1"),
            "SUPPLIES",
            "syn:smelter:0",
            "syn:brand:1",
            {"commodity": "commodity:tantalum"},
            [restricted],
        ),
        EdgeRecord(
            edge_id("SUPPLIES", "syn:smelter:1", "syn:brand:0", "old"),
            "SUPPLIES",
            "syn:smelter:1",
            "syn:brand:0",
            {},
            [ended],
        ),
        EdgeRecord(
            edge_id("SUPPLIES", "syn:t1:0", "syn:brand:1", "nr"),
            "SUPPLIES",
            "syn:t1:0",
            "syn:brand:1",
            {"status": "not_realised"},
            [Provenance("syn", "v", "f", "nr", 0.5, "declared")],
        ),
        EdgeRecord(
            edge_id("SPENDS_WITH", "syn:buyer:0", "syn:brand:1", "2020-2021"),
            "SPENDS_WITH",
            "syn:buyer:0",
            "syn:brand:1",
            {"fiscal_year": "2020-2021", "candidate": True},
            [Provenance("syn", "v", "f", "sw", 0.5, "declared")],
        ),
        EdgeRecord(
            edge_id("SAME_AS_CANDIDATE", "syn:t2:0", "syn:t2:1"),
            "SAME_AS_CANDIDATE",
            "syn:t2:0",
            "syn:t2:1",
            {"score": 0.7, "evidence": "names"},
            [Provenance("syn", "v", "f", "sa", 0.7, "name_match")],
        ),
    ]
    a, b = services_on(tmp_path / "nx", request, nodes + extra_nodes, edges + extra_edges)
    yield a, b
    a.close()
    b.close()


def test_same_answers_on_a_generated_graph(generated_pair):
    a, b = generated_pair
    roots = [
        "syn:buyer:0",
        "syn:buyer:1",
        "syn:contract:0",
        "syn:brand:0",
        "syn:brand:1",
        "syn:t1:0",
        "syn:t2:0",
        "syn:smelter:0",
        "syn:mine:0",
    ]
    pairs = [("syn:buyer:0", "syn:mine:0"), ("syn:brand:0", "syn:smelter:1"), ("syn:mine:3", "syn:brand:0")]
    _all_queries(
        a, b, roots, pairs, ["syn:brand:1", "syn t1 4", "syn:smelter"], ["syn:brand:0", "syn:buyer:0"]
    )
    # and the restricted finding never shows for the public
    assert "SECRET" not in a.exposure("syn:buyer:0", Viewer.public()).model_dump_json()


def test_variable_length_reach_count_matches_the_tiered_search(demo_pair):
    """cypher/reach_count.cypher ({{hops}} a validated integer) counts what the per-tier expansion reaches."""
    from tierwatch.graph.cypher_queries import cypher

    a, b = demo_pair
    for root in ("org:general-motors", "canada:dept:rcmp-grc", "org:apple"):
        for hops in (1, 2):
            rows = b.store._read(cypher("reach_count", hops=hops), id=root)
            for svc in (a, b):
                total = svc.upstream(root, Viewer.analyst(), tiers=hops).total
                assert total == rows[0]["reached"], (root, hops)
