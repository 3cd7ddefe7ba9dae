"""IPIS mine-site visits on both stores: sites, dated findings, confidence, negatives, bad input.

Expected values are read from the real (restricted) file at test time, never typed in here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.ingest.ipis_mines.pipeline import ROW_KEYS, province_code, visit_date

IPIS = "mines/ipis_drc_asm_mine_visits_2009-2023.csv"
REQUIRED = [
    "pcode",
    "visit_date",
    "visit_onsite",
    "province",
    "longitude",
    "latitude",
    "childunder15",
    "presence",
]


@pytest.fixture(scope="module")
def ipis_rows(real_data: Path) -> list[dict[str, str]]:
    path = real_data / IPIS
    if not path.exists():
        pytest.skip(f"{IPIS} not in the real-data directory")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _unique_visit(rows: list[dict[str, str]], **want: str) -> dict[str, str]:
    """The first row matching ``want`` whose site has no other visit on the same date."""
    per_date: dict[tuple[str, str], int] = {}
    for r in rows:
        per_date[(r["pcode"], r["visit_date"])] = per_date.get((r["pcode"], r["visit_date"]), 0) + 1
    for r in rows:
        if (
            all(r[k] == v for k, v in want.items() if not k.startswith("_"))
            and per_date[(r["pcode"], r["visit_date"])] == 1
            and not r["visit_date"].endswith("-01")
        ):
            return r
    raise AssertionError(f"no row in the file with {want}")


def test_ipis_sites_and_counts(ingest, store, real_data, ipis_rows):
    report = ingest("ipis-mines", real_data / IPIS)
    c = report.counts[Path(IPIS).name]
    assert c.read == len(ipis_rows)
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    header = list(ipis_rows[0])
    contents = [tuple(r[k] for k in header if k not in ROW_KEYS) for r in ipis_rows]
    assert c.duplicate == len(contents) - len(set(contents))
    assert report.unmapped == {}  # every one of the columns is mapped or ignored with a reason
    sites = {r["pcode"] for r in ipis_rows}
    mines = list(store.iter_nodes(types=["Mine"]))
    assert len(mines) == len(sites)
    mine = store.get_nodes([f"ipis:{ipis_rows[0]['pcode']}"])[f"ipis:{ipis_rows[0]['pcode']}"]
    assert mine["mining_type"] == "artisanal" and mine["country"] == "CD"
    assert mine["lat"] == pytest.approx(float(ipis_rows[0]["latitude"]))
    assert mine["region"] == province_code(ipis_rows[0]["province"], {})


def test_ipis_child_labour_observation_on_site(ingest, store, real_data, ipis_rows):
    row = _unique_visit(ipis_rows, childunder15="1", visit_onsite="1", source="IPIS")
    ingest("ipis-mines", real_data / IPIS)
    fid = f"ipis:finding:{row['pcode']}:{row['visit_date']}:child_labour"
    finding = store.get_nodes([fid])[fid]
    assert finding["category"] == "child_labour" and finding["severity"] == "observed"
    assert finding["confidence"] == 0.8
    assert (finding["date"], finding["date_precision"]) == (row["visit_date"], "day")
    observed = orjson.loads(finding["observed"])
    assert observed["children_under_15_present"] == 1
    if row["workers_numb"]:
        assert observed["workers"] == int(float(row["workers_numb"]))
    edge = f"CONCERNS:{fid}->ipis:{row['pcode']}"
    assert store.get_edges([edge])[edge]["confidence"] == 0.8


def test_ipis_third_party_and_negative_observations(ingest, store, real_data, ipis_rows):
    third = _unique_visit(ipis_rows, visit_onsite="0", visit_onsite_novisitreason="Insécurité", presence="1")
    negative = _unique_visit(ipis_rows, childunder15="0", visit_onsite="1", source="IPIS")
    blank = _unique_visit(ipis_rows, childunder15="", visit_onsite="1", source="IPIS")
    ingest("ipis-mines", real_data / IPIS)
    fid = f"ipis:finding:{third['pcode']}:{third['visit_date']}:conflict_and_armed_groups"
    found = store.get_nodes([fid])[fid]
    assert found["confidence"] == 0.5 and "Insécurité" in found["evidence"]
    neg = f"ipis:finding:{negative['pcode']}:{negative['visit_date']}:child_labour"
    assert store.get_nodes([neg])[neg]["severity"] == "none observed"  # evidence of absence, kept
    gap = f"ipis:finding:{blank['pcode']}:{blank['visit_date']}:child_labour"
    assert store.get_nodes([gap]) == {}  # a blank is unknown: no finding


def test_ipis_january_first_is_a_year(ingest, store, real_data, ipis_rows):
    counts: dict[tuple[str, str], int] = {}
    for r in ipis_rows:
        counts[(r["pcode"], r["visit_date"])] = counts.get((r["pcode"], r["visit_date"]), 0) + 1
    row = next(
        r
        for r in ipis_rows
        if r["visit_date"].endswith("-01-01")
        and r["presence"] in ("0", "1")
        and counts[(r["pcode"], r["visit_date"])] == 1
    )
    ingest("ipis-mines", real_data / IPIS)
    fid = f"ipis:finding:{row['pcode']}:{row['visit_date']}:conflict_and_armed_groups"
    finding = store.get_nodes([fid])[fid]
    assert (finding["date"], finding["date_precision"]) == (row["visit_date"][:4], "year")


def test_province_spellings_and_dates():
    variants = {"Haut-Uele": "CD-HU"}
    assert province_code("Haut-Uélé", {}) == province_code("haut uele", variants) == "CD-HU"
    assert province_code("Kasaï-Oriental", {}) == "CD-KE"
    assert province_code("Atlantis", variants) is None
    assert visit_date("2015-07-01") == ("2015-07", "month")
    assert visit_date("13/03/2019") == ("2019-03-13", "day")
    assert visit_date("2019-02-30") is None


def test_ipis_reingest_is_noop(ingest, store, real_data, ipis_rows):
    ingest("ipis-mines", real_data / IPIS)
    before = canonical_hash(store)
    report = ingest("ipis-mines", real_data / IPIS)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def test_ipis_bad_rows_are_quarantined(ingest, store, tmp_path: Path):
    bad = tmp_path / "visits.csv"
    header = ",".join([*REQUIRED, "name", "source", "new_column"])
    bad.write_text(
        f"{header}\n"
        ",2019-05-03,1,Sud-Kivu,28.1,-2.5,1,1,Site A,IPIS,x\n"
        "codmine99901,2019-05-03,1,Atlantis,28.1,-2.5,1,1,Site B,IPIS,x\n"
        "codmine99902,2019-05-03,1,Sud-Kivu,28.1,north,1,1,Site C,IPIS,x\n"
        "codmine99903,someday,1,Sud-Kivu,28.1,-2.5,1,1,Site D,IPIS,x\n"
        "codmine99904,2019-05-03,0,Haut-Uélé,28.1,2.5,,0,Site E,Third-party,x\n",
        encoding="utf-8",
    )
    report = ingest("ipis-mines", bad)
    c = report.counts["visits.csv"]
    assert (c.read, c.written, c.quarantined) == (5, 1, 4)
    text = Path(report.quarantine_report).read_text(encoding="utf-8")
    assert "site id is blank,pcode" in text
    assert "province not recognised as a DR Congo province,province,Atlantis" in text
    assert "latitude is not a coordinate,latitude,north" in text
    assert "visit date is not a date,visit_date,someday" in text
    assert report.unmapped["visits.csv"] == ["new_column"]  # an extra column is tolerated, reported
    conflict = store.get_nodes(["ipis:finding:codmine99904:2019-05-03:conflict_and_armed_groups"])
    assert conflict["ipis:finding:codmine99904:2019-05-03:conflict_and_armed_groups"]["confidence"] == 0.5
    assert store.get_nodes(["ipis:codmine99904"])["ipis:codmine99904"]["region"] == "CD-HU"


def test_ipis_unusable_files(ingest, tmp_path: Path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="does not fit source 'ipis-mines'"):
        ingest("ipis-mines", wrong)
    binary = tmp_path / "visits.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00garbage\xff\xfe")
    with pytest.raises(InputFileError):
        ingest("ipis-mines", binary)
