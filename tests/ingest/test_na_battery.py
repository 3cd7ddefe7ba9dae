"""The North American clean-tech facility file on both stores: facilities by stage and technology,
joint ventures and their owners, missing values, same-site candidates with ICMM (both orders),
idempotency, bad input. Expected values are read from the real file."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import slug

BATTERY = "battery/na_ev_supply_chain_investments_cheng2024.csv"
FILE = "na_ev_supply_chain_investments_cheng2024.csv"
ICMM = "mines/icmm_global_mining_dataset_2025-09.xlsx"
APPLE = "facilities/apple_supplier_list_2012-2022_cwgrouptw.csv"
HEADER = (
    "technology,company_name,product,reported_investment,by_amount,reported_jobs,by_jobs,city,state,"
    "country,latitude,longitude,timeline\n"
)

#: The joint ventures the file names with their parents, and the owners the aliases file gives them.
JOINT_VENTURES = {
    "Ultium Cells (GM, LG Energy Solution)": (
        "org:ultium-cells",
        {"org:general-motors", "org:lg-energy-solution"},
    ),
    "BlueOval SK (Ford, SK Innovation)": ("org:blueoval-sk", {"org:ford-motor", "org:sk-on"}),
    "L-H Battery Company (LG / Honda)": ("org:l-h-battery", {"org:lg-energy-solution", "org:honda"}),
    "StarPlus (Samsung SDI, Stellantis)": ("org:starplus-energy", {"org:stellantis", "org:samsung-sdi"}),
    "Ultium CAM JV (GM, POSCO)": ("org:ultium-cam", {"org:general-motors", "org:posco-future-m"}),
}


def file_rows(open_data: Path) -> list[dict[str, str]]:
    with (open_data / BATTERY).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def owners(store, company_id: str) -> dict[str, dict]:
    return {e["src"]: e for e in store.iter_edges(types=["OWNS"]) if e["dst"] == company_id}


def test_battery_counts_and_quarantine(ingest, store, open_data):
    rows = file_rows(open_data)
    exact = Counter(tuple(r.values()) for r in rows)
    report = ingest("na-battery", open_data / BATTERY)
    c = report.counts[FILE]
    assert c.read == len(rows) == report.expected["rows"]
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    assert c.duplicate == sum(n - 1 for n in exact.values()) > 0
    assert report.unmapped == {}
    negative = [i for i, r in enumerate(rows, start=2) if r["reported_investment"].startswith("-")]
    text = Path(report.quarantine_report).read_text()
    for number in negative:
        assert f"{FILE},{number},reported_investment is negative,reported_investment" in text
    # every technology is kept, classed
    facilities = list(store.iter_nodes(types=["Facility"]))
    technologies = {t for n in facilities for t in n.get("technology", "").split("; ")}
    assert {r["technology"] for r in rows} <= technologies


def test_battery_joint_ventures_and_lg_chem(ingest, store, open_data):
    named = {r["company_name"] for r in file_rows(open_data)}
    ingest("apple-suppliers", open_data / APPLE)
    ingest("na-battery", open_data / BATTERY)
    for file_name, (jv, parents) in JOINT_VENTURES.items():
        assert file_name in named
        operated = [e for e in store.iter_edges(types=["OPERATES"]) if e["src"] == jv]
        assert operated, f"{jv} operates no facility"
        found = owners(store, jv)
        assert set(found) == parents
        assert all(e["relation"] == "joint venture" and e["methods"] == ["reviewed"] for e in found.values())
    # GM -> Ultium Cells (co-owned with LG Energy Solution) <- owned by LG Chem, Apple's supplier
    assert owners(store, "org:lg-energy-solution")["org:lg-chem"]["relation"] == "parent"
    assert store.get_edges(["SUPPLIES:org:lg-chem->org:apple"])
    assert store.get_nodes(["org:general-motors"])["org:general-motors"]["type"] == "Brand"
    spring_hill = "nabattery:facility:ultium-cells:spring-hill:US-TN"
    links = [f"OPERATES:org:ultium-cells->{spring_hill}", f"LOCATED_IN:{spring_hill}->region:US-TN"]
    assert len(store.get_edges(links)) == 2
    # BlueOval SK's partner as the file names it (SK Innovation) owns SK On
    assert "org:sk-innovation" in owners(store, "org:sk-on")


def test_battery_facility_fields(ingest, store, open_data):
    rows = file_rows(open_data)
    ingest("na-battery", open_data / BATTERY)
    site = [r for r in rows if r["company_name"] == "Albemarle" and r["city"] == "Kings Mountain"]
    fid = "nabattery:facility:albemarle:kings-mountain:US-NC"
    facility = store.get_nodes([fid])[fid]
    assert facility["stage"] == "minerals" and facility["technology"] == "Batteries"
    assert facility["investment_usd"] == sum(float(r["reported_investment"]) for r in site) * 1e6
    assert facility["jobs"] == sum(int(r["reported_jobs"]) for r in site)
    assert (facility["lat"], facility["lon"]) == (float(site[0]["latitude"]), float(site[0]["longitude"]))
    assert facility["confidence"] == 0.8
    # (0, 0) coordinates are missing values; "TBD" is no state
    unplaced = next(r for r in rows if r["latitude"] == "0" and r["longitude"] == "0" and r["state"] == "TBD")
    fid = f"nabattery:facility:{slug(unplaced['company_name'])}:unknown-city:unknown-state"
    facility = store.get_nodes([fid])[fid]
    assert "lat" not in facility and "lon" not in facility and "state" not in facility
    # a solar row is kept, as a solar facility
    solar = next(r for r in rows if r["technology"] == "Solar" and r["latitude"] != "0")
    kinds = {
        n.get("technology") for n in store.iter_nodes(types=["Facility"]) if n.get("city") == solar["city"]
    }
    assert any("Solar" in (k or "") for k in kinds)


@pytest.mark.parametrize("order", [("icmm-mines", "na-battery"), ("na-battery", "icmm-mines")])
def test_same_site_candidates_either_order(ingest, store, open_data, order):
    files = {"icmm-mines": open_data / ICMM, "na-battery": open_data / BATTERY}
    for source in order:
        ingest(source, files[source])
    pair = sorted(["icmm:ICMM02685", "nabattery:facility:albemarle:kings-mountain:US-NC"])
    edge = store.get_edges([f"SAME_AS_CANDIDATE:{pair[0]}->{pair[1]}"])
    assert edge, "Albemarle's Kings Mountain project and ICMM's Kings Mountain mine are not candidates"
    candidate = next(iter(edge.values()))
    assert candidate["review"] == "open" and 0.5 <= candidate["score"] <= 0.95
    assert "km" in candidate["evidence"] and "kings, mountain" in candidate["evidence"]
    # only close sites sharing a name word: never the whole neighbourhood
    far = [
        e
        for e in store.iter_edges(types=["SAME_AS_CANDIDATE"])
        if e["evidence"].startswith("distance") and float(e["evidence"].split()[1]) > 10
    ]
    assert far == []


def test_battery_reingest_is_noop(ingest, store, open_data):
    ingest("na-battery", open_data / BATTERY)
    before = canonical_hash(store)
    report = ingest("na-battery", open_data / BATTERY)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def test_battery_bad_rows(ingest, store, tmp_path: Path):
    bad = tmp_path / "announcements.csv"
    bad.write_text(
        HEADER
        + "Batteries,Acme Cells,Batteries: Cells,12,,30,,Lansing,Michigan,United States,42.7,-84.7,x,extra\n"
        + "Batteries,Foo,Batteries: Cells,12,,-5,,Lansing,Michigan,United States,42.7,-84.7,x\n"
        + "Batteries,Bar,Batteries: Cells,lots,,5,,Lansing,Michigan,United States,42.7,-84.7,x\n"
        + "Batteries,Baz,Batteries: Cells,1,,5,,Lansing,Michigan,Atlantis,42.7,-84.7,x\n"
        + "Batteries,Qux,Batteries: Cells,1,,5,,Lansing,Michigan,United States,north,-84.7,x\n"
        + "Batteries,,Batteries: Cells,1,,5,,Lansing,Michigan,United States,42.7,-84.7,x\n",
        encoding="utf-8",
    )
    report = ingest("na-battery", bad)
    c = report.counts["announcements.csv"]
    assert (c.read, c.written, c.quarantined) == (6, 1, 5)
    text = Path(report.quarantine_report).read_text()
    assert "reported_jobs is negative,reported_jobs,-5" in text
    assert "reported_investment is not a number,reported_investment,lots" in text
    assert "country not recognised,country,Atlantis" in text
    assert "latitude is not a number,latitude,north" in text
    assert "company name is blank,company_name" in text
    fid = "nabattery:facility:acme-cells:lansing:US-MI"
    assert store.get_nodes([fid])[fid]["investment_usd"] == 12e6


def test_file_that_fits_no_role(ingest, tmp_path: Path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("company,city\nAcme,Lansing\n")
    with pytest.raises(InputFileError, match="does not fit source 'na-battery'"):
        ingest("na-battery", wrong)
