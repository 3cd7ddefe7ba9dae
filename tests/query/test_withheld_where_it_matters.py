"""Issue 20, item 1: where a viewer's licence restriction changes an answer, the answer says so at that
place (per risk category, per coverage step, on paths and traversals), on the real demo graph, both stores.

Counts come from the same question asked with the licence mask lifted and the access mask kept, so
access-restricted evidence (the QCANARY-ACCESS canaries) is never counted, hinted at or shown.
"""

from __future__ import annotations

from tierwatch.graph.query import TraversalFilter, Viewer
from tierwatch.graph.query.models import ACCESS_HINT

from .conftest import ACCESS_TEXTS

RCMP = "canada:dept:rcmp-grc"
UK_BUYER = "buyer:gb:cefas"
HUAYOU = "org:huayou-cobalt"
PUBLIC = Viewer.public()
OPENED = Viewer.public(open_licence=True)  # licence opened, access still closed
ANALYST = Viewer.analyst()
SILENT_BEFORE = ("forced_labour", "child_labour", "conflict_and_armed_groups")


def _by_category(result) -> dict:
    return {c.category: c for c in result.categories}


def test_rcmp_public_exposure_says_what_each_category_withholds(demo):
    public = _by_category(demo.exposure(RCMP, PUBLIC, tiers=6, hits_per_category=0))
    opened = _by_category(demo.exposure(RCMP, OPENED, tiers=6, hits_per_category=0))
    analyst = _by_category(demo.exposure(RCMP, ANALYST, tiers=6, hits_per_category=0))
    for name in SILENT_BEFORE:
        pub = public[name]
        # the public score is from public evidence only and says so, with what it withheld
        assert pub.score == 0.0 and analyst[name].score > 0.9, name
        assert pub.withheld_findings > 0 and pub.withheld_entities > 0, name
        assert pub.note and pub.note.startswith("0.00 from the evidence this viewer may see")
        assert f"{pub.withheld_findings} findings on {pub.withheld_entities} entities withheld" in pub.note
        assert ACCESS_HINT in pub.note
        assert analyst[name].note is None and analyst[name].withheld_findings == 0
    for name, pub in public.items():
        # withheld = exactly what opening the licence adds (access-restricted evidence never counted)
        assert pub.findings + pub.withheld_findings == opened[name].findings, name
        assert opened[name].withheld_findings == 0 and opened[name].note is None
        assert (pub.note is None) == (pub.withheld_findings == 0 and pub.withheld_entities == 0)


def test_exposure_totals_say_where_withheld_and_how_to_get_access(demo):
    public = demo.exposure(RCMP, PUBLIC, tiers=6, hits_per_category=0, coverage=False)
    opened = demo.exposure(RCMP, OPENED, tiers=6, hits_per_category=0, coverage=False)
    assert public.withheld.paths == opened.reached - public.reached > 0
    assert public.withheld.note and ACCESS_HINT in public.withheld.note
    assert public.withheld.findings == sum(c.withheld_findings for c in public.categories)
    assert opened.withheld.total == 0 and opened.withheld.note is None


def test_access_restricted_evidence_gets_no_count_and_no_hint(demo):
    """Dell carries an access-restricted forced-labour canary and a licence-restricted child-labour one."""
    public = _by_category(demo.exposure("org:dell", PUBLIC, tiers=2, hits_per_category=1000))
    opened = _by_category(demo.exposure("org:dell", OPENED, tiers=2, hits_per_category=1000))
    analyst = _by_category(demo.exposure("org:dell", ANALYST, tiers=2, hits_per_category=1000))
    assert analyst["forced_labour"].findings == opened["forced_labour"].findings + 1  # the access canary
    assert public["forced_labour"].withheld_findings == (
        opened["forced_labour"].findings - public["forced_labour"].findings
    )
    assert public["child_labour"].withheld_findings >= 1  # the licence canary, counted, not shown
    for viewer in (PUBLIC, OPENED):
        text = "\n".join(
            [
                demo.exposure("org:dell", viewer, tiers=2, hits_per_category=1000).model_dump_json(),
                demo.exposure(RCMP, viewer, tiers=3, hits_per_category=1000).model_dump_json(),
                demo.paths(RCMP, "org:dell", viewer, k=5, max_hops=3).model_dump_json(),
                demo.upstream("org:dell", viewer, tiers=2).model_dump_json(),
            ]
        )
        for canary in ACCESS_TEXTS:
            assert canary not in text


def test_uk_buyer_coverage_says_withheld_not_no_data(demo):
    public = demo.exposure(UK_BUYER, PUBLIC, tiers=6, hits_per_category=0)
    analyst = demo.exposure(UK_BUYER, ANALYST, tiers=6, hits_per_category=0)
    pub = next(c for c in public.coverage.chains if c.anchor.id == "org:microsoft")
    ana = next(c for c in analyst.coverage.chains if c.anchor.id == "org:microsoft")
    steps = {s.step: s for s in pub.steps}
    for step in ("smelter or refiner", "mine"):
        assert steps[step].status == "withheld" and steps[step].withheld > 0 and steps[step].entities == 0
        assert {s.step: s for s in ana.steps}[step].status == "mapped"
    assert {"smelter or refiner", "mine"} <= set(pub.withheld_steps) and ana.withheld_steps == []
    ana_steps = {s.step: s for s in ana.steps}
    for step in pub.withheld_steps:  # withheld means: there, for a viewer who may see it
        assert ana_steps[step].status != "unknown" and steps[step].entities == 0
    assert "withheld for this viewer" in pub.note and "no supplier data" not in pub.note
    notes = " | ".join(public.coverage.notes)
    assert "no supplier data for Microsoft" not in notes and ACCESS_HINT in notes
    assert ACCESS_HINT not in " | ".join(analyst.coverage.notes)


def test_paths_say_how_many_run_through_licence_restricted_links(demo):
    public = demo.paths(RCMP, HUAYOU, PUBLIC, k=3, max_hops=6)
    analyst = demo.paths(RCMP, HUAYOU, ANALYST, k=3, max_hops=6)
    assert public.paths == [] and public.direction == "none"
    assert len(analyst.paths) == 3
    assert public.withheld.paths == 3
    assert public.withheld.note and "3 path(s) run through licence-restricted" in public.withheld.note
    assert ACCESS_HINT in public.withheld.note
    assert analyst.withheld.paths == 0 and analyst.withheld.note is None
    # every analyst path uses a licence-restricted link: that is why the public gets none
    assert all(any(lk.licence_class == "restricted" for lk in p.links) for p in analyst.paths)


def test_traversal_counts_entities_reached_only_through_licence_restricted_links(demo):
    public = demo.upstream(RCMP, PUBLIC, tiers=4)
    opened = demo.upstream(RCMP, OPENED, tiers=4)
    assert public.withheld.paths == opened.total - public.total > 0
    assert public.withheld.note and ACCESS_HINT in public.withheld.note
    flt = TraversalFilter(entity_types=("Mine",))
    mines = demo.upstream(RCMP, PUBLIC, tiers=6, filters=flt)
    assert mines.withheld.paths == demo.upstream(RCMP, OPENED, tiers=6, filters=flt).total - mines.total
    assert demo.upstream(RCMP, ANALYST, tiers=4).withheld.paths == 0
