"""Issue 5's risk layers together, on both stores: a dated child-labour observation at an IPIS
site in a province the EU CAHRA list flags (by ISO 3166-2 code), and country indicators with years
for every country their files cover."""

from __future__ import annotations

import csv

import pytest

IPIS = "mines/ipis_drc_asm_mine_visits_2009-2023.csv"
CAHRA = "risk/eu_cahra_indicative_list_2026-06.json"
WGI = "risk/wb_wgi_1996-2019_long.csv"
ITUC = "risk/ituc_global_rights_index_2026_ratings.csv"


@pytest.fixture
def graph(ingest, store, real_data, open_data):
    ingest("ipis-mines", real_data / IPIS, dataset="ipis-drc-asm-2009-2023")
    ingest("cahra", real_data / CAHRA, dataset="eu-cahra-2026-06")
    ingest("wgi", open_data / WGI, dataset="wb-wgi-1996-2019")
    ingest("ituc", real_data / ITUC, dataset="ituc-gri-2026", licence_class="restricted")
    return store


def test_ipis_child_labour_site_in_a_cahra_flagged_province(graph):
    store = graph
    observed = [
        f
        for f in store.iter_nodes(types=["RiskFinding"])
        if f["id"].startswith("ipis:")
        and f["category"] == "child_labour"
        and f.get("severity") != "none observed"
    ]
    assert observed
    finding = min(observed, key=lambda f: f["id"])
    assert finding["date"] and finding["date_precision"] in ("day", "month", "year")
    assert finding["confidence"] in (0.8, 0.5)
    site_id = finding["scope_entity"]
    site = store.get_nodes([site_id])[site_id]
    assert site["type"] == "Mine" and site["mining_type"] == "artisanal" and site["region"].startswith("CD-")
    flags = [
        e
        for e in store.iter_edges(types=["CONCERNS"])
        if e["dst"] in (f"region:{site['region']}", site_id) and e["src"].startswith("cahra:")
    ]
    assert {e["dst"] for e in flags} == {f"region:{site['region']}", site_id}
    assert all(e["methods"] == ["identifier_match"] for e in flags)


def _file_codes(path, column: str) -> set[str]:
    with path.open(encoding="latin-1") as fh:
        return {row[column] for row in csv.DictReader(fh)}


def test_every_country_has_its_indicators_with_years(graph, real_data, open_data):
    store = graph
    measured: dict[str, set[str]] = {}
    for e in store.iter_edges(types=["MEASURES"]):
        measured.setdefault(e["dst"], set()).add(e["src"].split(":")[0])
    indicators = {n["id"]: n for n in store.iter_nodes(types=["Indicator"])}
    assert all(n.get("year") for n in indicators.values())
    countries = {n["id"]: n for n in store.iter_nodes(types=["Country"])}
    wgi_iso3 = _file_codes(open_data / WGI, "Code")
    ituc_iso2 = _file_codes(real_data / ITUC, "Country_Code")
    missing = []
    for cid, country in countries.items():
        if country.get("iso3") in wgi_iso3 and "wgi" not in measured.get(cid, set()):
            missing.append((cid, "wgi"))
        if country["iso2"] in ituc_iso2 and "ituc" not in measured.get(cid, set()):
            missing.append((cid, "ituc"))
    assert not missing
    assert len([c for c in countries if "wgi" in measured.get(c, set())]) > 190
    assert len([c for c in countries if "ituc" in measured.get(c, set())]) >= 140
    five_plus = [n for n in indicators.values() if n["id"].startswith("ituc:") and n.get("rating") == "5+"]
    assert five_plus and all(n.get("value") is None for n in five_plus)
