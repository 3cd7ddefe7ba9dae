"""Every explorer page under Streamlit's AppTest, on the demo graph: no exception, and the right
elements for real entities (RCMP's spend chain, Apple's suppliers, a restricted IPIS mine)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from tierwatch.graph.settings import REPO_ROOT

APP = str(REPO_ROOT / "explorer" / "app.py")
RCMP = "canada:dept:rcmp-grc"
APPLE = "org:apple"
ESPO = "buyer:gb:espo"  # a UK buyer with awarded contracts (Contracts Finder)
IPIS_MINE = "ipis:codmine00396"  # Bisie, from IPIS (licence-restricted)


def app(entity: str | None = None, page: str | None = None, role: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if entity:
        at.query_params["id"] = entity
    if role:
        at.session_state["tw_role"] = role
    at.run()
    if page:
        at.switch_page(f"views/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [h.value for h in at.title] + [h.value for h in at.header] + [h.value for h in at.subheader]
    parts += [w.value for w in at.warning] + [e.value for e in at.error] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


def component(at: AppTest, kind: str) -> list:
    return [el for el in at.main if getattr(el, "type", None) == kind] or [
        el for el in _walk(at._tree) if getattr(el, "type", None) == kind
    ]


def _walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _walk(child)


def test_search_finds_a_buyer_and_opens_its_detail(demo_env):
    at = app()
    assert "Type a name" in texts(at), "an empty state explains what to do"
    at.text_input(key="s_text").input("Royal Canadian Mounted Police").run()
    assert not at.exception
    hits = at.dataframe[0].value
    assert RCMP in set(hits["id"])
    at = app(RCMP)
    assert at.header[0].value == "Royal Canadian Mounted Police"
    body = texts(at)
    assert "public buyer" in body and RCMP in body
    assert "No finding applies to it directly" in body, "an empty findings panel says what is unknown"
    assert [b.label for b in at.button if b.key.startswith("detail_")] == [
        "Network",
        "Exposure",
        "Map",
        "Paths",
    ]
    assert at.get("download_button"), "the detail view can be downloaded"


@pytest.mark.usefixtures("real_data")  # restricted datasets (RMI, CMRTs): skips, saying why, without them
def test_detail_of_a_smelter_shows_findings_with_sources(demo_env):
    at = app("rmi:CID004065", role="analyst")
    body = texts(at)
    assert at.header[0].value == "Mining Minerals Resources SARL"
    assert "smelter" in body.lower()
    assert "Source:" in body and "rule:" in body, "findings come with rule and source"


@pytest.mark.usefixtures("real_data")  # restricted datasets (RMI, CMRTs): skips, saying why, without them
def test_public_does_not_see_licence_restricted_entities_and_an_analyst_does(demo_env):
    at = app(IPIS_MINE)
    assert not at.header, "a public session does not open a licence-restricted mine"
    assert "not visible to the `public` role" in texts(at)
    at = app(IPIS_MINE, role="analyst")
    assert at.header and "Bisie" in at.header[0].value


def test_network_of_rcmp_draws_its_suppliers_and_expands_a_node(demo_env):
    at = app(RCMP, "network")
    body = texts(at)
    assert "nodes," in body and "links drawn" in body
    drawn = int(body.split(" nodes, ")[0].rsplit("\n", 1)[-1])
    assert drawn > 50
    assert component(at, "bidi_component") or at.get("bidi_component"), "the network component is mounted"
    assert "Reached per tier" in body
    # a click on General Motors expands it (what the component's click does)
    at.session_state["n_expanded"] = ["org:general-motors"]
    at.session_state["n_clicked"] = "org:general-motors"
    at.run()
    assert not at.exception
    body2 = texts(at)
    assert "General Motors" in body2 and "Centre the network here" in [b.label for b in at.button]
    assert int(body2.split(" nodes, ")[0].rsplit("\n", 1)[-1]) >= drawn


def test_network_filters_and_layers_layout(demo_env):
    at = app(APPLE, "network", role="analyst")
    at.radio(key="n_layout").set_value("layers").run()
    at.multiselect(key="n_comm").set_value(["tin"]).run()
    assert not at.exception
    assert "links drawn" in texts(at)
    at.multiselect(key="n_risk").set_value(["child_labour"]).run()
    assert not at.exception


def test_network_without_links_explains_why(demo_env):
    at = app("org:dell", "network")  # Dell: the graph knows its buyers, not its suppliers
    assert "No upstream link of Dell" in texts(at)


def test_map_shows_sites_upstream_of_rcmp_and_the_highest_risk_sites(demo_env):
    at = app(RCMP, "map")
    assert at.get("deck_gl_json_chart"), "a map is drawn"
    assert "with coordinates on the map" in texts(at)
    spec = at.get("deck_gl_json_chart")[0].proto.json
    assert "cartocdn" not in spec and "mapbox" not in spec, "no remote basemap by default"
    at.radio(key="m_mode").set_value("ranking").run()
    assert not at.exception
    assert "ranked by propagated risk score" in texts(at)


def test_exposure_of_rcmp_has_categories_evidence_and_coverage(demo_env):
    at = app(RCMP, "exposure", role="analyst")
    body = texts(at)
    assert "Exposure of Royal Canadian Mounted Police" in body
    assert "Aggregate" in body
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"), "per-category chart"
    assert any(
        e.label.startswith(("child labour", "freedom of association", "conflict")) for e in at.expander
    )
    assert "Coverage" in body
    assert "Unknown tiers" in body or "no supplier data" in body, "coverage says which tiers are unknown"
    assert at.get("download_button")
    # issue 16: the numbers that do not saturate, the brands ranked, coverage as a headline, the report
    assert "Strongest single piece of evidence 0.73" in body and "Where to act first" in body
    assert "Coverage: of Royal Canadian Mounted Police's 12 goods purchases" in body
    labels = [getattr(b.proto, "label", "") for b in at.get("download_button")]
    assert {"Report (HTML)", "Report (PDF)"} <= set(labels), labels


def test_exposure_of_a_buyer_with_contracts_lists_them(demo_env):
    at = app(ESPO, "exposure")
    assert "contract(s)" in texts(at)
    table = next(df.value for df in at.dataframe if "contract" in df.value.columns)
    assert len(table) >= 1
    at.toggle(key="x_matrix").set_value(True).run()
    assert not at.exception
    matrix = next(df.value for df in at.dataframe if "aggregate" in df.value.columns)
    assert len(matrix) == min(len(table), 25) and "reached" in matrix.columns


@pytest.mark.usefixtures("real_data")  # restricted datasets (RMI, CMRTs): skips, saying why, without them
def test_paths_between_rcmp_and_a_tin_smelter(demo_env):
    at = app(RCMP, "paths", role="analyst")
    assert "Choose two entities" in texts(at)
    at.text_input(key="p_dst_q").input("Mining Minerals Resources SARL").run()
    at.selectbox(key="p_dst_pick").set_value("rmi:CID004065").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) >= 1 and "Mining Minerals Resources SARL" in table["path"].iloc[0]


@pytest.mark.usefixtures("real_data")  # restricted datasets (RMI, CMRTs): skips, saying why, without them
def test_sources_lists_datasets_and_hides_restricted_ones_from_public(demo_env):
    public = app(page="sources")
    analyst = app(page="sources", role="analyst")
    n_public = len(public.dataframe[0].value)
    n_analyst = len(analyst.dataframe[0].value)
    assert n_analyst > n_public >= 5
    assert "licence-restricted dataset(s) are loaded too" in texts(public)
    assert set(public.dataframe[0].value["class"]) <= {"open", ""}
    assert "Quarantine reports" in texts(analyst)


def test_an_api_key_from_the_keys_file_unlocks_the_analyst_role(demo_env):
    from tierwatch.api.auth import KeyStore

    key = KeyStore(demo_env.keys_path).add("analyst", note="explorer test")
    at = app()
    assert "Role: **public**" in texts(at)
    at.sidebar.text_input(key="tw_key").input("tw_wrong_key")
    at.sidebar.button[0].click().run()
    assert "not valid" in texts(at)
    at.sidebar.text_input(key="tw_key").input(key)
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert "Role: **analyst**" in texts(at)


@pytest.mark.parametrize("page", ["network", "map", "exposure", "paths"])
def test_pages_without_a_selection_explain_what_to_do(demo_env, page):
    at = app(page=page)
    assert at.info or "Choose" in texts(at) or "highest-risk" in texts(at)


@pytest.mark.neo4j
def test_every_page_on_the_neo4j_store(demo_env_neo4j):
    """The same pages on Neo4j: the query layer answers the same, so the same elements appear."""
    assert demo_env_neo4j.store == "neo4j"
    at = app(RCMP)
    assert at.header[0].value == "Royal Canadian Mounted Police"
    assert "neo4j" in "\n".join(c.value for c in at.sidebar.caption)
    at = app(RCMP, "network", role="analyst")
    assert "links drawn" in texts(at)
    at = app(RCMP, "exposure", role="analyst")
    assert "Exposure of Royal Canadian Mounted Police" in texts(at)
    at = app(RCMP, "map")
    assert at.get("deck_gl_json_chart")
    at = app(RCMP, "paths", role="analyst")
    assert "Choose two entities" in texts(at)
    at = app(page="sources")
    assert len(at.dataframe[0].value) >= 5


def test_exposure_of_a_brand_draws_its_flow_and_collapses_long_lists(demo_env):
    at = app(APPLE, "exposure", role="analyst")
    body = texts(at)
    assert "Exposure of Apple" in body and "Flow: from the buyer to the risk" in body
    assert "finding hits" in body, "the flow says what its bands count"
    shows = [b.label for b in at.button if b.label.startswith("Show all ")]
    assert shows, "long lists are collapsed behind “show all”"
    at.button(key=next(b.key for b in at.button if b.label.startswith("Show all "))).click().run()
    assert not at.exception


def test_the_address_slash_opens_search_and_pickers_show_the_entity_in_use(demo_env):
    at = app(RCMP)
    assert "Search and entity detail" in [t.value for t in at.title]
    at.switch_page("views/network.py").run()
    assert "In use: **Royal Canadian Mounted Police" in texts(at)
    assert "Royal Canadian Mounted Police" in at.text_input(key="n_root_q").placeholder
