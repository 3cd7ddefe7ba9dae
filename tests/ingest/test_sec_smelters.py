"""SEC Form SD smelter lists on both stores: declared links, junk rows, RMI resolution, the Canada chain."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import IngestError, InputFileError
from tierwatch.graph.names import fold
from tierwatch.ingest.runner import load_pipeline
from tierwatch.ingest.sec_smelters.matching import is_country_name

SEC = "smelters/sec_form_sd/form_sd_brand_smelter_lists_cy2025_msi_tm_msft_hpe_xrx.csv"
RMI_TEMPLATES = "smelters/rmi_templates"
CANADA = (
    "procurement/canada_federal_contracts_brand_vendor_by_department_fy2017-2022.csv",
    "procurement/canada_federal_contracts_brand_vendor_name_variants.csv",
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _quarantine(report) -> dict[str, dict[str, str]]:
    with open(report.quarantine_report, encoding="utf-8", newline="") as fh:
        return {row["row"]: row for row in csv.DictReader(fh)}


def _load_rmi_reference(ingest, real_data: Path) -> None:
    files = sorted((real_data / RMI_TEMPLATES).glob("*.xlsx"))
    try:
        ingest("rmi-smelters", *files)
    except IngestError as exc:
        if "not implemented" in str(exc):
            pytest.skip(
                "the rmi-smelters pipeline (ingest/rmi_smelters/) is not there yet: name resolution "
                "against the RMI reference cannot be tested"
            )
        raise


def test_counts_and_junk_rows(ingest, store, real_data):
    path = real_data / SEC
    report = ingest("sec-smelters", path)
    c = report.counts[path.name]
    rows = _rows(path)
    assert c.read == len(rows) == report.expected["rows"]
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    assert report.unmapped == {}
    junk_words = load_pipeline("sec-smelters").spec.lookups["junk_names"]
    quarantined = _quarantine(report)
    expected = {}
    for number, row in enumerate(rows, start=2):
        name = row["smelter_name"].strip()
        if not name:
            expected[str(number)] = "smelter name is blank"
        elif fold(name) in junk_words:
            expected[str(number)] = "status word"
        elif is_country_name(name):
            expected[str(number)] = "country name"
    assert expected, "the real file has junk rows"
    assert {"smelter name is blank", "status word", "country name"} == set(expected.values())
    # a valid RMI id is enough: such a row links to that smelter by id, its raw name kept in the note
    by_id = {
        n: r
        for n, r in enumerate(rows, start=2)
        if re.fullmatch(r"CID\d{6}", r["smelter_cid"].strip().upper())
    }
    rescued = {n for n in expected if int(n) in by_id}
    assert rescued and set(quarantined) == set(expected) - rescued
    for number in set(expected) - rescued:
        reason = expected[number]
        assert reason in quarantined[number]["reason"] and quarantined[number]["field"] == "smelter_name"
    supplies = list(store.iter_edges(types=["SUPPLIES"]))
    for number in rescued:
        row = by_id[int(number)]
        nid = f"rmi:{row['smelter_cid'].strip().upper()}"
        linked = [e for e in supplies if e["src"] == nid and "linked by RMI id only" in (e.get("note") or "")]
        assert linked, (number, row["smelter_name"])
        assert any(f"declared as '{row['smelter_name'].strip()}'" in e["note"] for e in linked)


def test_declared_links_without_reference(ingest, store, real_data):
    path = real_data / SEC
    ingest("sec-smelters", path)
    rows = [r for r in _rows(path) if r["smelter_cid"] == "CID004065" and r["brand_ticker"] == "MSI"]
    assert rows, "Motorola's list names CID004065"
    row = rows[0]
    smelter = store.get_nodes(["rmi:CID004065"])["rmi:CID004065"]
    assert smelter["type"] == "Smelter" and smelter["name"] == row["smelter_name"]
    assert smelter["country"] == "CD" and "commodity:tin" in smelter["commodities"]
    edge_id = "SUPPLIES:rmi:CID004065->org:motorola-solutions#tin:2025"
    edge = store.get_edges([edge_id])[edge_id]
    assert row["sec_accession"] in edge["evidence"] and row["sec_exhibit_url"] in edge["evidence"]
    assert edge["evidence"].startswith("SEC Form SD") and edge["evidence"].endswith("CY2025")
    assert edge["status"] == "declared" and edge["commodity"] == "commodity:tin" and edge["confidence"] == 0.9
    brands = {n["id"]: n for n in store.iter_nodes(types=["Brand"])}
    for name_id in (
        "org:motorola-solutions",
        "org:toyota-motor",
        "org:hewlett-packard-enterprise",
        "org:xerox-holdings",
        "org:microsoft",
    ):
        assert name_id in brands
    assert f"US-SEC-CIK:{row['filer_cik']}" in brands["org:motorola-solutions"]["identifiers"]
    # name-only rows stay source-local smelters when no reference is loaded
    hpe_rows = [r for r in _rows(path) if r["brand_ticker"] == "HPE" and r["id_type"] == "name-only"]
    hpe_suppliers = [
        e for e in store.iter_edges(types=["SUPPLIES"]) if e["dst"] == "org:hewlett-packard-enterprise"
    ]
    assert hpe_rows and hpe_suppliers and all(e["src"].startswith("sec:smelter:") for e in hpe_suppliers)


def test_reingest_is_noop(ingest, store, real_data):
    ingest("sec-smelters", real_data / SEC)
    before = canonical_hash(store)
    report = ingest("sec-smelters", real_data / SEC)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def test_chain_from_rcmp_to_a_congolese_tin_smelter(ingest, store, real_data, open_data):
    _load_rmi_reference(ingest, real_data)
    report = ingest("sec-smelters", real_data / SEC)
    ingest("canada-spend", *(open_data / p for p in CANADA))
    # RCMP -> Motorola Solutions Canada <- owned by Motorola Solutions
    #   <- Mining Minerals Resources (tin, DR Congo)
    rcmp = [
        e
        for e in store.iter_edges(types=["SPENDS_WITH"])
        if e["src"] == "canada:dept:rcmp-grc" and e["dst"] == "org:motorola-solutions-canada"
    ]
    assert rcmp and not any(e["candidate"] for e in rcmp)
    assert store.get_edges(["OWNS:org:motorola-solutions->org:motorola-solutions-canada"])
    supplies = store.get_edges(["SUPPLIES:rmi:CID004065->org:motorola-solutions#tin:2025"])
    assert supplies
    smelter = store.get_nodes(["rmi:CID004065"])["rmi:CID004065"]
    assert smelter["name"] == "Mining Minerals Resources SARL" and smelter["country"] == "CD"
    # Zijin's gold refinery: declared by CID (Motorola, Toyota) and by name only (HPE, Xerox)
    zijin = {e["dst"]: e for e in store.iter_edges(types=["SUPPLIES"]) if e["src"] == "rmi:CID002243"}
    assert {
        "org:motorola-solutions",
        "org:toyota-motor",
        "org:hewlett-packard-enterprise",
        "org:xerox-holdings",
    } <= set(zijin)
    assert zijin["org:motorola-solutions"]["methods"] == ["declared"]
    assert zijin["org:hewlett-packard-enterprise"]["methods"] == ["name_match"]
    assert store.get_edges(["OWNS:org:xerox-holdings->org:xerox"])
    # HPE's smelters reach Canadian buyers only through candidate spend links (the mixed HP bucket)
    to_hpe = [
        e for e in store.iter_edges(types=["SPENDS_WITH"]) if e["dst"] == "org:hewlett-packard-enterprise"
    ]
    assert to_hpe and all(e["candidate"] and e["confidence"] == 0.5 for e in to_hpe)
    # misaligned names (a CID declared with another smelter's reference name): CID kept, lower confidence
    misaligned = [e for e in store.iter_edges(types=["SUPPLIES"]) if "misaligned" in (e.get("note") or "")]
    assert misaligned and all(e["confidence"] == 0.6 and e["src"].startswith("rmi:") for e in misaligned)
    assert {e["commodity"] for e in misaligned} == {"commodity:tungsten"}  # "a few tungsten names"
    assert any("misaligned" in n for n in report.notes) and any("newer than it" in n for n in report.notes)
    before = canonical_hash(store)
    again = ingest("sec-smelters", real_data / SEC)
    assert again.nodes_updated == again.edges_updated == again.edges_created == 0
    assert canonical_hash(store) == before


FILING = "AB,Acme Corp,1,0001-26-1,https://example.org/x.htm,2026-05-01,2025,"


def test_bad_rows_and_files(ingest, tmp_path: Path):
    bad = tmp_path / "form_sd.csv"
    header = (
        "brand_ticker,brand_name,filer_cik,sec_accession,sec_exhibit_url,filing_date,reporting_year,"
        "smelter_cid,smelter_name,smelter_country,metals,id_type,comment\n"
    )
    bad.write_text(
        header
        + FILING
        + "CID000004,Acme Smelter,japan,Tungsten,rmi-cid,x\n"
        + FILING
        + "12345,Foo Smelter,japan,Gold,rmi-cid,x\n"
        + FILING
        + ",Bar Smelter,japan,Unobtainium,name-only,x\n"
        + FILING
        + ",Active,japan,Gold,name-only,x\n"
        + FILING
        + ",Germany,,Gold,name-only,x\n",
        encoding="utf-8",
    )
    report = ingest("sec-smelters", bad)
    c = report.counts["form_sd.csv"]
    assert (c.read, c.written, c.quarantined) == (5, 1, 4)
    assert report.unmapped == {"form_sd.csv": ["comment"]}
    found = {(q["row"], q["reason"], q["field"], q["value"]) for q in _quarantine(report).values()}
    assert found == {
        ("3", "smelter id is not an RMI id (CID + 6 digits)", "smelter_cid", "12345"),
        ("4", "metal not recognised", "metals", "Unobtainium"),
        (
            "5",
            "smelter name is a status word, not a smelter, and the row has no RMI id",
            "smelter_name",
            "Active",
        ),
        (
            "6",
            "smelter name is a country name, not a smelter, and the row has no RMI id",
            "smelter_name",
            "Germany",
        ),
    }
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("brand,smelter\nx,y\n")
    with pytest.raises(InputFileError, match=r"does not fit source 'sec-smelters'.*smelter_cid"):
        ingest("sec-smelters", wrong)
