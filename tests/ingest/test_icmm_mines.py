"""ICMM's global mining dataset on both stores: node types by asset type, commodities, confidence,
quirks, idempotency, bad input. Expected values are read from the real workbook itself."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.ingest.readers import read_sheet

ICMM = "mines/icmm_global_mining_dataset_2025-09.xlsx"
FILE = "icmm_global_mining_dataset_2025-09.xlsx"
HEADER = [
    "ICMMID",
    "Confidence Factor",
    "Mine Name ",
    "Group Names",
    "Latitude",
    "Longitude",
    "Asset Type",
    "Country",
    "Primary Commodity",
    "Secondary Commodity",
    "Other Commodities",
]


def external_rows(open_data: Path) -> list[dict]:
    rows = read_sheet(open_data / ICMM, "External")
    header = [str(h).strip() for h in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def expected_type(asset_type: str) -> str:
    words = {w.strip().lower() for w in asset_type.split(";")}
    if "mine" in words:
        return "Mine"
    if words & {"smelter", "refinery"}:
        return "Smelter"
    return "Facility"


def test_icmm_sites_by_asset_type(ingest, store, open_data):
    rows = external_rows(open_data)
    report = ingest("icmm-mines", open_data / ICMM)
    c = report.counts[FILE]
    assert c.read == len(rows) == report.expected["rows"]
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    assert report.unmapped == {}
    icmm_nodes = [n for n in store.iter_nodes() if n["id"].startswith("icmm:")]
    assert Counter(n["type"] for n in icmm_nodes) == Counter(expected_type(r["Asset Type"]) for r in rows)
    # a smelter without a mine is a Smelter, with ICMM's id
    smelter_row = next(r for r in rows if r["Asset Type"] == "Smelter")
    smelter = store.get_nodes([f"icmm:{smelter_row['ICMMID']}"])[f"icmm:{smelter_row['ICMMID']}"]
    assert smelter["type"] == "Smelter" and smelter["name"] == smelter_row["Mine Name"]
    # every site is located in its country
    located = {e["src"] for e in store.iter_edges(types=["LOCATED_IN"]) if e["dst"].startswith("country:")}
    assert {n["id"] for n in icmm_nodes} <= located


def test_icmm_kings_mountain_mine(ingest, store, open_data):
    row = next(r for r in external_rows(open_data) if "Kings Mountain Plant" in r["Group Names"])
    ingest("icmm-mines", open_data / ICMM)
    nid = f"icmm:{row['ICMMID']}"
    mine = store.get_nodes([nid])[nid]
    assert mine["type"] == "Mine" and mine["asset_type"] == row["Asset Type"]
    assert mine["commodities"] == [f"commodity:{row['Primary Commodity']}"]
    assert "Kings Mountain Plant" in mine["aliases"]
    assert (mine["lat"], mine["lon"]) == (row["Latitude"], row["Longitude"])
    assert store.get_edges([f"LOCATED_IN:{nid}->country:US"])
    # ICMM's confidence factor is the provenance confidence
    assert mine["confidence"] == {"High": 0.9, "Moderate": 0.8, "Very Low": 0.6}[row["Confidence Factor"]]


def test_icmm_file_quirks(ingest, store, open_data):
    rows = external_rows(open_data)
    unicode_minus = next(r for r in rows if isinstance(r["Latitude"], str) and "\u2212" in r["Latitude"])
    misspelt = next(r for r in rows if "bopper" in r["Other Commodities"])
    report = ingest("icmm-mines", open_data / ICMM)
    assert report.counts[FILE].quarantined == 0
    nid = f"icmm:{unicode_minus['ICMMID']}"
    assert store.get_nodes([nid])[nid]["lat"] == -float(unicode_minus["Latitude"].replace("\u2212", ""))
    mid = f"icmm:{misspelt['ICMMID']}"
    assert "commodity:copper" in store.get_nodes([mid])[mid]["commodities"]
    very_low = next(r for r in rows if r["Confidence Factor"] == "Very Low")
    vid = f"icmm:{very_low['ICMMID']}"
    assert store.get_nodes([vid])[vid]["confidence"] == 0.6


def test_icmm_reingest_is_noop(ingest, store, open_data):
    ingest("icmm-mines", open_data / ICMM)
    before = canonical_hash(store)
    report = ingest("icmm-mines", open_data / ICMM)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def _workbook(
    path: Path, rows: list[list], sheet: str = "Sites", extra_header: list[str] | None = None
) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["a workbook with a notes sheet first"])
    ws = book.create_sheet(sheet)
    ws.append(["title line of another version"])
    ws.append(HEADER + (extra_header or []))
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def test_icmm_bad_rows_and_optional_columns(ingest, store, tmp_path: Path):
    good = [
        "ICMM90001",
        "High",
        "Test Pit",
        "",
        10.5,
        20.5,
        "Mine",
        "Chad",
        "gold",
        "",
        "",
        "Acme Mining",
        "Guéra",
    ]
    rows = [
        good,
        ["ICMM90002", "High", "Nowhere", "", 10.0, 20.0, "Mine", "Atlantis", "gold", "", "", "", ""],
        ["ICMM90003", "High", "Far", "", 123.0, 20.0, "Mine", "Chad", "gold", "", "", "", ""],
        ["ICMM90004", "Sort of", "Odd", "", 10.0, 20.0, "Mine", "Chad", "gold", "", "", "", ""],
        ["ICMM90005", "High", "Odd", "", 10.0, 20.0, "Spaceport", "Chad", "gold", "", "", "", ""],
        good,
    ]
    path = _workbook(tmp_path / "sites.xlsx", rows, extra_header=["Operator", "State"])
    report = ingest("icmm-mines", path)
    c = report.counts["sites.xlsx"]
    assert (c.read, c.written, c.quarantined, c.duplicate) == (6, 1, 4, 1)
    text = Path(report.quarantine_report).read_text()
    assert "country not recognised,Country,Atlantis" in text
    assert "latitude is not a number in -90..90,Latitude,123.0" in text
    assert "confidence factor not recognised,Confidence Factor,Sort of" in text
    assert "asset type not recognised,Asset Type,Spaceport" in text
    # optional operator and state columns, mapped when present; rows start under the title line
    assert store.get_edges(["OPERATES:org:acme-mining->icmm:ICMM90001"])
    mine = store.get_nodes(["icmm:ICMM90001"])["icmm:ICMM90001"]
    assert mine["state"] == "Guéra" and mine["region"] == "TD-GR"
    assert any("Sites!R3" in p for p in mine["prov"])


def test_icmm_unusable_files(ingest, tmp_path: Path):
    corrupt = tmp_path / "broken.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(InputFileError, match="does not fit source 'icmm-mines'"):
        ingest("icmm-mines", corrupt)
    from openpyxl import Workbook

    other = tmp_path / "other.xlsx"
    book = Workbook()
    book.active.append(["Mine", "Country"])
    book.save(other)
    with pytest.raises(InputFileError, match="ICMMID"):
        ingest("icmm-mines", other)
