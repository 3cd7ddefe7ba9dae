"""Tier semantics on real and generated graphs, on both stores (docs/QUERY.md "Group links and tiers",
"Places and commodities as ends").

- The Honda detour: the RCMP buys from GM, GM co-owns Ultium Cells with LG Energy Solution, which
  co-owns L-H Battery with Honda, which operates plants in Anna and Marysville, Ohio. Without the
  group rule the RCMP's upstream reaches those plants; with it, never; GM -> Ultium Cells and
  Motorola Solutions Canada -> its parent's declared smelters still hold.
- "Who is exposed to cobalt from DR Congo?": downstream of country:CD along cobalt links reaches
  Canadian buyers; downstream of commodity:cobalt starts at the entities dealing in cobalt; paths end
  and start at a commodity.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tierwatch.graph.query import Page, TraversalFilter, Viewer
from tierwatch.graph.settings import Settings

from .conftest import services_on
from .test_contract import _same

RCMP, GM = "canada:dept:rcmp-grc", "org:general-motors"
HONDA_PLANTS = ("nabattery:facility:honda:anna:US-OH", "nabattery:facility:honda:marysville:US-OH")
ANALYST, PUBLIC = Viewer.analyst(), Viewer.public()


def _all_hits(svc, root, viewer, direction="upstream", tiers=6, filters=TraversalFilter()):
    call = svc.upstream if direction == "upstream" else svc.downstream
    first = call(root, viewer, tiers=tiers, filters=filters, page=Page(limit=1000))
    hits = list(first.hits)
    for offset in range(1000, first.total, 1000):
        hits += call(root, viewer, tiers=tiers, filters=filters, page=Page(offset=offset, limit=1000)).hits
    assert len(hits) == first.total
    return {h.entity.id: h for h in hits}


def _groups_never_turn(path) -> bool:
    """A path's links keep the rule: within a run of group links, not both down and up."""
    run: set[str] = set()
    node_after = path.nodes[1:]
    for link, far in zip(path.links, node_after, strict=True):
        if link.type == "SAME_AS_CANDIDATE":
            continue
        if link.type in ("OWNS", "OWNERSHIP_CANDIDATE", "OPERATES"):
            # towards the owned or operated (down the group) or towards the owner (up)
            run.add("down" if far == link.dst else "up")
            if len(run) > 1:
                return False
        else:
            run = set()
    return True


def test_the_honda_detour_is_not_supply(demo):
    hits = _all_hits(demo, RCMP, ANALYST)
    assert not set(HONDA_PLANTS) & set(hits)
    assert "org:honda" not in hits
    assert hits["org:ultium-cells"].path.nodes == [RCMP, GM, "org:ultium-cells"]
    assert hits["org:motorola-solutions"].path.nodes == [
        RCMP,
        "org:motorola-solutions-canada",
        "org:motorola-solutions",
    ]
    for h in hits.values():
        assert _groups_never_turn(h.path), h.path.nodes
    # the subsidiary reaches its parent's declared smelters (up the group, then supply)
    msc = _all_hits(demo, "org:motorola-solutions-canada", ANALYST, tiers=2)
    assert msc["rmi:CID004065"].path.nodes == [
        "org:motorola-solutions-canada",
        "org:motorola-solutions",
        "rmi:CID004065",
    ]
    # and downstream from Honda's plant: Honda operates it; its joint venture is no customer of it
    down = _all_hits(demo, HONDA_PLANTS[0], ANALYST, "downstream", tiers=4)
    assert "org:honda" in down and "org:l-h-battery" not in down and GM not in down


def test_without_the_rule_the_detour_reaches_hondas_plants(demo_dir):
    """The data does hold the detour: the search without the group rule finds it (so the test above
    can fail)."""
    from tierwatch.graph.query import open_query_service
    from tierwatch.graph.query.traverse import NO_RULE, arc_mask, search

    svc = open_query_service(Settings(store_dir=demo_dir), "embedded")
    ix = svc.source.full_index()
    mask = arc_mask(ix, TraversalFilter(), ANALYST)
    free = search(ix, ix.pos[RCMP], "upstream", 6, mask, rule=NO_RULE)
    ruled = search(ix, ix.pos[RCMP], "upstream", 6, mask)
    for plant in HONDA_PLANTS:
        assert free.hops[ix.pos[plant]] > 0 and ruled.hops[ix.pos[plant]] < 0
    nodes, _ = free.path(ix.pos[HONDA_PLANTS[0]])
    assert "org:honda" in {str(ix.ids[v]) for v in nodes}
    svc.close()


def _cobalt_or_none(path) -> bool:
    return all(lk.commodity in (None, "commodity:cobalt") or "cobalt" in lk.commodity for lk in path.links)


def test_who_is_exposed_to_cobalt_from_dr_congo(demo):
    cobalt = TraversalFilter(commodities=("cobalt",), entity_types=("PublicBuyer",))
    buyers = _all_hits(demo, "country:CD", ANALYST, "downstream", tiers=7, filters=cobalt)
    assert RCMP in buyers and len(buyers) >= 10
    for h in buyers.values():
        assert h.entity.type == "PublicBuyer" and h.path.nodes[0] == "country:CD"
        first = h.path.links[0]
        assert first.type in ("LOCATED_IN", "SUPPLIES") and _cobalt_or_none(h.path), h.path.nodes
    # public viewers get an answer too, never more than the analyst's
    public = _all_hits(demo, "country:CD", PUBLIC, "downstream", tiers=7, filters=cobalt)
    assert set(public) <= set(buyers)
    # downstream of the commodity: first the entities dealing in it (here those in DR Congo) ...
    in_cd = _all_hits(
        demo, "commodity:cobalt", ANALYST, "downstream", tiers=1, filters=TraversalFilter(countries=("CD",))
    )
    assert len(in_cd) >= 10
    for h in in_cd.values():
        assert h.entity.country == "CD" and h.path.links[0].type == "DEALS_IN"
        assert h.path.links[0].commodity == "commodity:cobalt"
    # ... and on to buyers, along cobalt links only (the commodity root implies the filter)
    via = _all_hits(
        demo,
        "commodity:cobalt",
        ANALYST,
        "downstream",
        tiers=7,
        filters=TraversalFilter(entity_types=("PublicBuyer",)),
    )
    assert RCMP in via and all(_cobalt_or_none(h.path) for h in via.values())
    # a path may end at a commodity or a country, and start at one
    up = demo.paths(RCMP, "commodity:cobalt", ANALYST, k=3, max_hops=7)
    assert up.direction == "upstream" and up.paths
    assert all(p.links[-1].type == "DEALS_IN" and p.nodes[-1] == "commodity:cobalt" for p in up.paths)
    down = demo.paths("commodity:cobalt", RCMP, ANALYST, k=3, max_hops=7)
    assert down.direction == "downstream" and down.paths and down.paths[0].nodes[-1] == RCMP
    cd = demo.paths(RCMP, "country:CD", ANALYST, k=5, max_hops=7)
    assert cd.paths and all(p.nodes[-1] == "country:CD" for p in cd.paths)
    # upstream of a country or commodity: nothing (they are where supply starts)
    assert demo.upstream("commodity:cobalt", ANALYST, tiers=3).total == 0


def test_places_and_group_rule_same_on_both_stores(demo_pair):
    a, b = demo_pair
    flt = TraversalFilter(commodities=("cobalt",))
    for v in (PUBLIC, ANALYST):
        for root in ("country:CD", "commodity:cobalt", "region:CD-LU", HONDA_PLANTS[0]):
            _same(a, b, lambda s, r=root, v=v: s.downstream(r, v, tiers=4, page=Page(limit=300)))
            _same(a, b, lambda s, r=root, v=v: s.downstream(r, v, tiers=5, filters=flt, page=Page(limit=300)))
        for src, dst in (
            (RCMP, "commodity:cobalt"),
            ("commodity:cobalt", RCMP),
            ("country:CD", "org:apple"),
            (RCMP, "country:CD"),
            (GM, "org:lg-chem"),
        ):
            _same(a, b, lambda s, x=src, y=dst, v=v: s.paths(x, y, v, k=4, max_hops=7))
        _same(a, b, lambda s, v=v: s.upstream(RCMP, v, tiers=6, page=Page(limit=1000)))


@pytest.fixture
def grouped_pair(tmp_path: Path, request: pytest.FixtureRequest):
    """A seeded synthetic graph with commodities and random ownership and operation links (the
    generator makes none), on both stores."""
    from tierwatch.graph.records import EdgeRecord, NodeRecord, Provenance, edge_id
    from tierwatch.graph.synthetic import COMMODITIES, generate

    nodes, edges = generate(2000, seed=5)
    rng = random.Random(5)
    prov = Provenance("syn-groups", "v1", "f", "g", 0.8, "declared")
    brands = [n.id for n in nodes if n.id.startswith("syn:brand:")]
    sites = [n.id for n in nodes if n.id.startswith(("syn:t1:", "syn:t2:"))]
    extra_nodes = [NodeRecord(f"commodity:{c}", "Commodity", {"name": c}, [prov]) for c in COMMODITIES]
    extra_edges = []
    for i in range(300):
        rel = rng.choice(("OWNS", "OWNS", "OPERATES", "OWNERSHIP_CANDIDATE"))
        src = rng.choice(brands if rel != "OWNERSHIP_CANDIDATE" else brands + sites)
        dst = rng.choice(brands + sites if rel != "OPERATES" else sites)
        if src == dst:
            continue
        props = {"score": 0.6, "evidence": "names"} if rel == "OWNERSHIP_CANDIDATE" else {}
        extra_edges.append(EdgeRecord(edge_id(rel, src, dst, str(i)), rel, src, dst, props, [prov]))
    a, b = services_on(tmp_path / "nx", request, nodes + extra_nodes, edges + extra_edges)
    yield a, b
    a.close()
    b.close()


def test_generated_groups_and_places_same_on_both_stores(grouped_pair):
    a, b = grouped_pair
    flts = (TraversalFilter(), TraversalFilter(include_candidates=True))
    for f in flts:
        for root in ("syn:buyer:0", "syn:brand:0", "syn:brand:3", "syn:t1:0"):
            hits = a.upstream(root, ANALYST, tiers=6, filters=f, page=Page(limit=1000)).hits
            assert all(_groups_never_turn(h.path) for h in hits)
            _same(
                a, b, lambda s, r=root, f=f: s.upstream(r, ANALYST, tiers=6, filters=f, page=Page(limit=1000))
            )
        for root in ("syn:country:CD", "commodity:cobalt", "syn:smelter:0", "syn:t2:1"):
            hits = a.downstream(root, ANALYST, tiers=6, filters=f, page=Page(limit=1000)).hits
            assert all(_groups_never_turn(h.path) for h in hits)
            _same(
                a,
                b,
                lambda s, r=root, f=f: s.downstream(r, ANALYST, tiers=6, filters=f, page=Page(limit=1000)),
            )
        for src, dst in (
            ("syn:buyer:0", "commodity:tin"),
            ("syn:country:CD", "syn:buyer:1"),
            ("syn:brand:0", "syn:t2:3"),
        ):
            _same(a, b, lambda s, x=src, y=dst, f=f: s.paths(x, y, ANALYST, k=5, max_hops=7, filters=f))
    assert a.downstream("commodity:cobalt", ANALYST, tiers=6).total > 0
    assert a.downstream("syn:country:CD", ANALYST, tiers=6).total > 0
