"""Issue 3's chains, walked link by link on both stores with each link's method and confidence.

1. Apple <- its listed suppliers -> their facilities in China -> ILAB's finding on electronics
   from China (scoped to that good, not to every Chinese good).
2. Apple <- JX Advanced Metals (Apple lists "JX Nippon Mining & Metals") <- its declared smelters
   <- their declared origins (Rwandan districts, named mines, RMI codes CC/DRC, recycled) ->
   ILAB's findings on tantalum and tungsten ore from DR Congo where a DR Congo origin is declared.
"""

from __future__ import annotations

import pytest

RMI = ("RMI_CMRT_6.4_blank_en.xlsx", "RMI_CMRT_6.5.xlsx", "RMI_EMRT_2.1.xlsx")
CMRT = "smelters/cmrt"
APPLE = "facilities/apple_supplier_list_2012-2022_cwgrouptw.csv"
ILAB = "risk/ilab_tvpra_goods_list_dol_app_2021-2023.xml"


@pytest.fixture
def graph(ingest, store, real_data, open_data):
    ingest("rmi-smelters", *(real_data / "smelters/rmi_templates" / n for n in RMI))
    ingest("apple-suppliers", open_data / APPLE)
    ingest("cmrt", *sorted((real_data / CMRT).glob("*.xlsx")))
    ingest("ilab-goods", open_data / ILAB, dataset="ilab-tvpra-goods-2022")
    return store


def _into(store, dst: str, rel: str = "SUPPLIES") -> list[dict]:
    return [e for e in store.iter_edges(types=[rel]) if e["dst"] == dst and not e.get("retired")]


def _country_findings(store, country: str) -> list[dict]:
    ids = [e["src"] for e in store.iter_edges(types=["CONCERNS"]) if e["dst"] == f"country:{country}"]
    return [n for n in store.get_nodes(ids).values() if n["type"] == "RiskFinding"]


def _forms(store, commodity: str) -> set[str]:
    """The commodity and every vocabulary entry that is a form of it (coltan for tantalum)."""
    forms = {commodity}
    for node in store.iter_nodes(types=["Commodity"]):
        if commodity in node.get("parents", []):
            forms.add(node["id"])
    return forms


def test_apple_suppliers_facilities_in_china_meet_ilab_electronics(graph):
    store = graph
    suppliers = _into(store, "org:apple")
    assert len(suppliers) > 300
    assert all(e["methods"] == ["declared"] and e["confidence"] == 0.9 for e in suppliers)
    supplier_ids = {e["src"] for e in suppliers}
    in_china = set()
    for op in store.iter_edges(types=["OPERATES"]):
        if op["src"] in supplier_ids:
            located = store.get_edges([f"LOCATED_IN:{op['dst']}->country:CN"])
            if located:
                in_china.add(op["dst"])
    assert len(in_china) > 500
    china = _country_findings(store, "CN")
    electronics = [f for f in china if f.get("scope_commodity") == "commodity:electronics"]
    assert electronics, "ILAB lists electronics from China"
    assert all(f["category"] in ("forced_labour", "child_labour", "forced_child_labour") for f in electronics)
    # scoped to the good: China's cotton finding is a different finding, about a different commodity
    assert {f["scope_commodity"] for f in china} - {"commodity:electronics"}


def test_apple_to_jx_to_smelters_to_drc_origins_to_ilab_ore_findings(graph):
    store = graph
    jx = store.get_nodes(["org:jx-advanced-metals"])["org:jx-advanced-metals"]
    assert "JX Nippon Mining & Metals Corporation (Eneos Holding)" in jx["aliases"]
    jx_to_apple = store.get_edges(["SUPPLIES:org:jx-advanced-metals->org:apple"])
    assert jx_to_apple["SUPPLIES:org:jx-advanced-metals->org:apple"]["methods"] == ["declared"]
    smelters = {e["src"]: e for e in _into(store, "org:jx-advanced-metals")}
    assert len(smelters) >= 4
    assert all(e["methods"] in (["declared"], ["name_match"]) for e in smelters.values())

    drc_hits = []
    for smelter_id, decl in smelters.items():
        metal = decl["commodity"]
        for origin in _into(store, smelter_id):
            if origin["src"] != "country:CD":
                continue
            # a DR Congo origin: declared (0.6, code DRC) or inferred from RMI's CC code (0.1)
            if origin.get("origin_code") == "CC":
                assert origin["methods"] == ["inferred"] and origin["confidence"] == 0.1
            else:
                assert origin["methods"] == ["declared"] and origin["confidence"] == 0.6
            forms = _forms(store, metal)
            findings = [f for f in _country_findings(store, "CD") if f.get("scope_commodity") in forms]
            assert findings, f"ILAB has a finding on a form of {metal} from DR Congo"
            # never DR Congo's copper or gold for a tantalum or tungsten smelter
            assert all(f["scope_commodity"] in forms for f in findings)
            drc_hits.append(
                (smelter_id, metal, origin.get("origin_code"), sorted(f["category"] for f in findings))
            )
    metals = {m for _, m, _, _ in drc_hits}
    assert {"commodity:tantalum", "commodity:tungsten"} <= metals, drc_hits
    assert {"CC"} <= {code for _, _, code, _ in drc_hits}
