"""Open Supply Hub facility lists on both stores: the committed sample (no OS ID, no contributor),
the download format's other columns, idempotency, bad input. Expected values come from the file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import slug

OSH = "facilities/open_supply_hub_sample_facility_list_15_geocoded.csv"
FILE = "open_supply_hub_sample_facility_list_15_geocoded.csv"


def file_rows(open_data: Path) -> list[dict[str, str]]:
    with (open_data / OSH).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def facility_id(row: dict[str, str], country: str) -> str:
    name, address = " ".join(row["name"].split()), " ".join(row["address"].split())
    return f"osh:facility:{slug(name)}:{country}:{slug(address)}"


def test_osh_sample_list(ingest, store, open_data):
    rows = file_rows(open_data)
    report = ingest("os-facilities", open_data / OSH)
    c = report.counts[FILE]
    assert c.read == len(rows) == report.expected["rows"]
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    assert report.unmapped == {}
    assert any("no OS ID and no contributor" in note for note in report.notes)
    first = rows[0]
    fid = facility_id(first, first["country"])
    facility = store.get_nodes([fid])[fid]
    assert facility["name"] == " ".join(first["name"].split())
    assert (facility["lat"], facility["lon"]) == (float(first["lat"]), float(first["lng"]))
    assert facility["sectors"] == [first["sector"]] and facility["kind"] == "apparel factory"
    assert "no OS ID" in facility["note"] and facility["confidence"] == 0.7
    assert store.get_edges([f"LOCATED_IN:{fid}->country:{first['country']}"])
    multi = next(r for r in rows if "|" in r["sector"])
    mid = facility_id(multi, multi["country"])
    assert store.get_nodes([mid])[mid]["sectors"] == sorted(multi["sector"].split("|"))
    assert sum(1 for n in store.iter_nodes(types=["Facility"]) if n["id"].startswith("osh:")) == c.written


def test_osh_reingest_is_noop(ingest, store, open_data):
    ingest("os-facilities", open_data / OSH)
    before = canonical_hash(store)
    report = ingest("os-facilities", open_data / OSH)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def test_osh_download_format_columns(ingest, store, tmp_path: Path):
    path = tmp_path / "download.csv"
    path.write_text(
        "os_id,contribution_date,name,address,country_code,country_name,lat,lng,sector,contributor,"
        "number_of_workers,parent_company,product_type,facility_type,is_closed,new_column\n"
        'CN2019303BQ3FZP,2023-05-01,Example Garment Co,"1 Road, Dongguan",CN,China,23.0,113.7,Apparel,'
        "Example Brand (Brand/Retailer),1001-5000,Example Holdings,Shirts|Jackets,Final Product Assembly,"
        "False,x\n",
        encoding="utf-8",
    )
    report = ingest("os-facilities", path)
    assert report.unmapped == {"download.csv": ["new_column"]}
    assert not any("no OS ID" in note for note in report.notes)
    fid = "osh:facility:example-garment:CN:1-road-dongguan"
    facility = store.get_nodes([fid])[fid]
    assert facility["identifiers"] == ["OSHUB:CN2019303BQ3FZP"] and facility["workers"] == "1001-5000"
    assert facility["kind"] == "Final Product Assembly" and facility["products"] == ["Jackets", "Shirts"]
    assert "contributed by: Example Brand (Brand/Retailer)" in facility["note"]
    assert facility["confidence"] == 0.9
    assert store.get_edges([f"OWNS:org:example-holdings->{fid}"])


def test_osh_bad_rows(ingest, tmp_path: Path):
    path = tmp_path / "list.csv"
    path.write_text(
        "country,name,address,sector,lat,lng\n"
        'PK,Good Mill,"1 Road, Sialkot",Apparel,32.5,74.5\n'
        'XX,Nowhere Mill,"2 Road",Apparel,1,1\n'
        'PK,,"3 Road",Apparel,1,1\n'
        "PK,No Address,,Apparel,1,1\n"
        'PK,Bad Lat,"4 Road",Apparel,north,74\n'
        'PK,Good Mill,"1 Road, Sialkot",Apparel,32.5,74.5\n',
        encoding="utf-8",
    )
    report = ingest("os-facilities", path)
    c = report.counts["list.csv"]
    assert (c.read, c.written, c.quarantined, c.duplicate) == (6, 1, 4, 1)
    text = Path(report.quarantine_report).read_text()
    assert "country not recognised,country,XX" in text
    assert "facility name is blank,name" in text
    assert "address is blank,address,No Address" in text
    assert "coordinate is not a number,lat,north" in text


def test_osh_file_that_fits_no_role(ingest, tmp_path: Path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("supplier,city\nAcme,Lansing\n")
    with pytest.raises(InputFileError, match="does not fit source 'os-facilities'"):
        ingest("os-facilities", wrong)
    binary = tmp_path / "list.csv"
    binary.write_bytes(b"\x00\x01\x02PK\x03")
    with pytest.raises(InputFileError):
        ingest("os-facilities", binary)
