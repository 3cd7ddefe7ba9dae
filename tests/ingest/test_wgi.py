"""World Bank WGI on both stores: estimate and percentile-rank indicators, missing values, non-countries."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.ingest.reference import country_code

WGI = "risk/wb_wgi_1996-2019_long.csv"
CODES = {
    "RuleofLaw": "RL",
    "ControlofCorruption": "CC",
    "VoiceandAccountability": "VA",
    "PoliticalStability": "PV",
    "GovernmentEffectiveness": "GE",
    "RegulatoryQuality": "RQ",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="latin-1", newline="") as fh:
        return list(csv.DictReader(fh))


def test_wgi_values_from_the_file(ingest, store, open_data):
    path = open_data / WGI
    report = ingest("wgi", path)
    rows = _rows(path)
    c = report.counts[path.name]
    assert c.read == len(rows)
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    assert c.quarantined == 0 and report.unmapped == {}
    # DR Congo's 2019 rule of law, under the World Bank's legacy code ZAR, read from the file
    row = next(
        r for r in rows if r["Code"] == "ZAR" and r["Year"] == "2019" and r["Indicator"] == "RuleofLaw"
    )
    nodes = store.get_nodes(["wgi:COD:RL.EST:2019", "wgi:COD:RL.PER.RNK:2019"])
    est, rank = nodes["wgi:COD:RL.EST:2019"], nodes["wgi:COD:RL.PER.RNK:2019"]
    assert est["value"] == pytest.approx(float(row["Estimate"])) and est["unit"] == "estimate"
    assert est["std_error"] == pytest.approx(float(row["StdErr"])) and est["source_count"] == int(
        row["NumSrc"]
    )
    assert rank["value"] == pytest.approx(float(row["Rank"])) and rank["unit"] == "percentile rank"
    assert rank["lower"] == pytest.approx(float(row["Lower"])) and rank["upper"] == pytest.approx(
        float(row["Upper"])
    )
    assert est["indicator_name"] == "Rule of Law" and est["year"] == 2019 and est["country"] == "CD"
    edges = store.get_edges(["MEASURES:wgi:COD:RL.EST:2019->country:CD"])
    assert edges["MEASURES:wgi:COD:RL.EST:2019->country:CD"]["confidence"] == 0.9

    # missing values are unknown, not zero; a former territory is no country
    missing = [r for r in rows if r["Estimate"] == "NA" and r["Rank"] == "NA"]
    former = [r for r in rows if r["Code"] == "ANT"]
    assert missing and former
    assert c.skipped == len({id(r) for r in missing + former})
    row = next(r for r in missing if r["Code"] != "ANT")
    iso2 = country_code(row["Code"]) or country_code(row["Country/Territory"])
    code = CODES[row["Indicator"]]
    same = [
        n
        for n in store.iter_nodes(types=["Indicator"])
        if n["country"] == iso2 and n["year"] == int(row["Year"]) and n["indicator"].startswith(f"{code}.")
    ]
    assert iso2 and same == []  # no node, rather than a value of 0, for a missing value
    assert not any(n["id"].startswith("wgi:ANT:") for n in store.iter_nodes(types=["Indicator"]))
    assert all(n.get("value") is not None for n in store.iter_nodes(types=["Indicator"]))


def test_wgi_reingest_is_noop(ingest, store, open_data):
    ingest("wgi", open_data / WGI)
    before = canonical_hash(store)
    report = ingest("wgi", open_data / WGI)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def test_wgi_variant_header_and_bad_rows(ingest, store, tmp_path: Path):
    bad = tmp_path / "wgi.csv"
    bad.write_text(
        "Country Name,Country Code,Time,Series,Estimate,Extra\n"
        "Atlantis,ATL,2019,Rule of Law,0.5,x\n"
        "Ghana,GHA,2019,Happiness,0.5,x\n"
        "Ghana,GHA,last,Rule of Law,0.5,x\n"
        "Ghana,GHA,2019,Rule of Law,#N/A,x\n"
        "Ghana,GHA,2019,Rule of Law,zero,x\n"
        "World,WLD,2019,Rule of Law,0.1,x\n"
        "Ghana,GHA,2019,Rule of Law,0.12,x\n",
        encoding="utf-8",
    )
    report = ingest("wgi", bad)
    c = report.counts["wgi.csv"]
    assert (c.read, c.written, c.quarantined, c.skipped) == (7, 1, 4, 2)
    assert report.unmapped == {"wgi.csv": ["Country Name", "Country Code", "Time", "Series", "Extra"]}
    text = Path(report.quarantine_report).read_text()
    assert "country not recognised,Country Code,ATL Atlantis" in text
    assert "indicator not in [lookups.indicator_code],Series,Happiness" in text
    assert "year is not a number,Time,last" in text
    assert "value is not a number,Estimate,zero" in text
    ghana = store.get_nodes(["wgi:GHA:RL.EST:2019"])["wgi:GHA:RL.EST:2019"]
    assert ghana["value"] == 0.12


def test_wgi_file_that_fits_no_role(ingest, tmp_path: Path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("country,score\nGhana,1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="does not fit source 'wgi'"):
        ingest("wgi", wrong)
