"""A role without access never sees restricted evidence; licence-restricted facts are withheld and counted.

Canaries (tests/query/conftest.py) are built in the test session with the real pipelines.
"""

from __future__ import annotations

import pytest
from tierwatch.graph.errors import NotFoundError
from tierwatch.graph.query import TraversalFilter, Viewer

from .conftest import ACCESS_ONLY_ORG, ACCESS_TEXTS, LICENCE_ONLY_ORG, LICENCE_TEXTS

RCMP = "canada:dept:rcmp-grc"
PUBLIC = Viewer.public()
OPENED = Viewer.public(open_licence=True)
ANALYST = Viewer.analyst()


def _answers(svc, viewer) -> str:
    """Every query's answer around the canaries, as one JSON text."""
    parts = [
        svc.exposure(RCMP, viewer, tiers=3, hits_per_category=1000),
        svc.exposure("org:dell", viewer, tiers=2, hits_per_category=1000),
        svc.upstream("org:dell", viewer, tiers=2, filters=TraversalFilter(include_candidates=True)),
        svc.entity("org:dell", viewer),
        svc.subgraph("org:dell", viewer, hops=2, max_elements=100_000),
        svc.risk("org:dell", viewer),
        svc.risk_ranking(viewer),
        svc.paths(RCMP, "org:dell", viewer, k=5, max_hops=3),
    ]
    hits = [svc.search(text, viewer).hits for text in ("Qcanaryaccess Widgets", "Qcanarylicence Mining")]
    found = [h.model_dump_json() for group in hits for h in group]  # (the query text is echoed; hits are not)
    return "\n".join([*(p.model_dump_json() for p in parts), *found])


def test_public_never_sees_access_restricted_evidence(demo):
    text = _answers(demo, PUBLIC)
    for canary in ACCESS_TEXTS:
        assert canary not in text
    assert "QPUBLIC-CONTROL" in text  # the public control finding is there
    opened = _answers(demo, OPENED)  # licence opened: access still closed
    for canary in ACCESS_TEXTS:
        assert canary not in opened


def test_analyst_sees_both_kinds(demo):
    text = _answers(demo, ANALYST)
    assert (
        "QCANARY-ACCESS-DELL" in text and "QCANARY-LICENCE-LINK" in text and "QCANARY-LICENCE-FINDING" in text
    )


def test_access_only_entity_is_not_found_like_a_missing_id(demo):
    with pytest.raises(NotFoundError) as hidden:
        demo.entity(ACCESS_ONLY_ORG, PUBLIC)
    with pytest.raises(NotFoundError) as missing:
        demo.entity("org:qcanary-missing", PUBLIC)
    assert str(hidden.value).replace(ACCESS_ONLY_ORG, "X") == str(missing.value).replace(
        "org:qcanary-missing", "X"
    )
    for call in (
        lambda: demo.upstream(ACCESS_ONLY_ORG, PUBLIC),
        lambda: demo.risk(ACCESS_ONLY_ORG, PUBLIC),
        lambda: demo.subgraph(ACCESS_ONLY_ORG, PUBLIC),
        lambda: demo.paths(ACCESS_ONLY_ORG, RCMP, PUBLIC),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert demo.entity(ACCESS_ONLY_ORG, ANALYST).entity.id == ACCESS_ONLY_ORG


def test_access_restricted_findings_are_not_counted(demo):
    public = demo.entity("org:dell", PUBLIC)
    analyst = demo.entity("org:dell", ANALYST)
    assert len(analyst.findings) > len(public.findings)
    # counts for public reflect only what it may see; licence withholding is counted separately
    assert public.withheld.findings >= 1  # the licence canary finding
    assert all(f.finding.access == "public" for f in public.findings)


def test_licence_restricted_facts_are_withheld_and_counted(demo):
    public = demo.upstream("org:dell", PUBLIC, tiers=1)
    assert LICENCE_ONLY_ORG not in {h.entity.id for h in public.hits}
    assert public.withheld.links >= 1 and public.withheld.nodes >= 1
    opened = demo.upstream("org:dell", OPENED, tiers=1)
    assert LICENCE_ONLY_ORG in {h.entity.id for h in opened.hits}
    assert opened.withheld.links == 0
    text = _answers(demo, PUBLIC)
    for canary in LICENCE_TEXTS:
        assert canary not in text
    with pytest.raises(NotFoundError):
        demo.entity(LICENCE_ONLY_ORG, PUBLIC)
