"""Issue 4's chains across sources, on both stores, each link with its method, status, confidence.

RCMP -> GM -> LG Energy Solution -> Huayou Cobalt -> Congo Dongfang Mining -> artisanal sites in
DR Congo; RCMP -> Motorola Solutions Canada (owned by Motorola Solutions) <- Mining Minerals
Resources SARL (CID004065, tin, DR Congo); four brands <- the Zijin gold refinery (CID002243);
GM -> Ultium Cells <- co-owned by LG Energy Solution <- owned by LG Chem, an Apple supplier.
"""

from __future__ import annotations

import pytest

RMI = ("RMI_CMRT_6.4_blank_en.xlsx", "RMI_CMRT_6.5.xlsx", "RMI_EMRT_2.1.xlsx")
CANADA = (
    "procurement/canada_federal_contracts_brand_vendor_by_department_fy2017-2022.csv",
    "procurement/canada_federal_contracts_brand_vendor_name_variants.csv",
)
RCMP, GM, LGES = "canada:dept:rcmp-grc", "org:general-motors", "org:lg-energy-solution"


@pytest.fixture
def graph(ingest, store, real_data, open_data):
    ingest("rmi-smelters", *(real_data / "smelters/rmi_templates" / n for n in RMI))
    ingest("apple-suppliers", open_data / "facilities/apple_supplier_list_2012-2022_cwgrouptw.csv")
    ingest("canada-spend", *(open_data / p for p in CANADA))
    ingest(
        "sec-smelters",
        real_data / "smelters/sec_form_sd/form_sd_brand_smelter_lists_cy2025_msi_tm_msft_hpe_xrx.csv",
    )
    ingest(
        "cobalt-links",
        real_data / "battery/resourcematters_cobalt_supply_chain_links.tsv",
        real_data / "battery/resourcematters_bhrrc_company_ids.tsv",
    )
    ingest("na-battery", open_data / "battery/na_ev_supply_chain_investments_cheng2024.csv")
    return store


def _in(store, dst, rel="SUPPLIES"):
    return [e for e in store.iter_edges(types=[rel]) if e["dst"] == dst]


def test_rcmp_to_gm_to_artisanal_sites(graph):
    store = graph
    spend = [e for e in store.iter_edges(types=["SPENDS_WITH"]) if e["src"] == RCMP and e["dst"] == GM]
    assert spend and all(not e.get("candidate") and e["currency"] == "CAD" for e in spend)
    lges = [e for e in _in(store, GM) if e["src"] == LGES]
    assert lges and {e["status"] for e in lges} <= {"confirmed", "reported"}
    huayou = [e for e in _in(store, LGES) if e["src"] == "org:huayou-cobalt"]
    assert {e["status"] for e in huayou} >= {"confirmed"}
    for e in huayou:
        assert e["confidence"] == {"confirmed": 0.85, "reported": 0.5, "not_realised": 0.1}[e["status"]]
    cdm = [e for e in _in(store, "org:huayou-cobalt") if "congo-dongfang" in e["src"]]
    assert cdm, "Huayou takes cobalt from Congo Dongfang Mining"
    cdm_id = cdm[0]["src"]
    sites = [store.get_nodes([e["src"]])[e["src"]] for e in _in(store, cdm_id)]
    artisanal = [s for s in sites if s["type"] == "Mine" and s["mining_type"] == "artisanal"]
    assert {s["name"][:4] for s in artisanal} >= {"Kasu", "Kami", "Goma"}
    assert all(s["country"] == "CD" for s in artisanal)


def test_rcmp_to_motorola_to_congolese_tin_smelter(graph):
    store = graph
    paid = {e["dst"] for e in store.iter_edges(types=["SPENDS_WITH"]) if e["src"] == RCMP}
    assert "org:motorola-solutions-canada" in paid
    owns = store.get_edges(["OWNS:org:motorola-solutions->org:motorola-solutions-canada"])
    assert owns["OWNS:org:motorola-solutions->org:motorola-solutions-canada"]["relation"] == "subsidiary"
    mmr = [e for e in _in(store, "org:motorola-solutions") if e["src"] == "rmi:CID004065"]
    assert mmr and mmr[0]["commodity"] == "commodity:tin" and mmr[0]["methods"] == ["declared"]
    smelter = store.get_nodes(["rmi:CID004065"])["rmi:CID004065"]
    assert smelter["country"] == "CD"


def test_four_brands_declare_the_zijin_gold_refinery(graph):
    brands = {e["dst"] for e in graph.iter_edges(types=["SUPPLIES"]) if e["src"] == "rmi:CID002243"}
    names = {n.get("name", "") for n in graph.get_nodes(sorted(brands)).values()}
    for brand in ("Motorola Solutions", "Toyota", "Hewlett Packard Enterprise", "Xerox"):
        assert any(brand.lower() in n.lower() for n in names), (brand, names)


def test_gm_ultium_lges_lg_chem_apple(graph):
    store = graph
    ultium_owners = {e["src"] for e in _in(store, "org:ultium-cells", "OWNS")}
    assert {GM, LGES} <= ultium_owners
    assert "org:lg-chem" in {e["src"] for e in _in(store, LGES, "OWNS")}
    assert "org:lg-chem" in {e["src"] for e in _in(store, "org:apple")}
