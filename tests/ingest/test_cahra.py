"""The EU CAHRA list on both stores: regions by ISO 3166-2 code, a bad code quarantined, sites flagged."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.settings import REPO_ROOT

CAHRA = "risk/eu_cahra_indicative_list_2026-06.json"
APPLE = "facilities/apple_supplier_list_2012-2022_cwgrouptw.csv"


def _dataset(path: str) -> str:
    manifest = tomllib.loads((REPO_ROOT / "data" / "manifest.toml").read_text(encoding="utf-8"))
    return next(d["dataset"] for d in manifest["dataset"] if any(f["path"] == path for f in d["file"]))


def test_cahra_flags_drc_province_by_code(ingest, store, real_data):
    path = real_data / CAHRA
    report = ingest("cahra", path, dataset=_dataset(CAHRA))
    data = json.loads(path.read_bytes())
    regions = [r for e in data["entries"] for r in e["regions"] or []]
    whole = [e for e in data["entries"] if e["wholeCountry"]]
    c = report.counts[path.name]
    assert c.read == len(regions) + len(whole) == c.written + c.quarantined + c.duplicate + c.skipped
    assert report.unmapped == {}
    drc = next(e for e in data["entries"] if e["iso2"] == "CD")
    province = drc["regions"][0]
    fid = f"cahra:finding:2026-06:{province['code']}"
    finding = store.get_nodes([fid])[fid]
    flags = [
        f for k, f in (("conflictAffected", "conflict-affected"), ("highRisk", "high-risk")) if province[k]
    ]
    assert finding["flags"] == sorted(flags) and finding["scope_region"] == province["code"]
    assert (
        finding["scope_country"] == "CD"
        and finding["date"] == "2026-06"
        and finding["access"] == "public"
        and finding["licence_class"] == "restricted"
    )
    edge = store.get_edges([f"CONCERNS:{fid}->region:{province['code']}"])[
        f"CONCERNS:{fid}->region:{province['code']}"
    ]
    assert edge["methods"] == ["identifier_match"] and province["code"] in edge["note"]
    for entry in whole:
        wid = f"cahra:finding:2026-06:{entry['iso2']}"
        assert store.get_edges([f"CONCERNS:{wid}->country:{entry['iso2']}"])


def test_cahra_contradictory_code_and_renamed_code(ingest, store, real_data):
    report = ingest("cahra", real_data / CAHRA, dataset=_dataset(CAHRA))
    data = json.loads((real_data / CAHRA).read_bytes())
    ukraine = next(e for e in data["entries"] if e["iso2"] == "UA")
    kiev = next(r for r in ukraine["regions"] if r["name"] == "Kiev")
    assert kiev["code"] == "UA-35"  # ISO 3166-2 UA-35 is Kirovohradska oblast
    text = Path(report.quarantine_report).read_text()
    assert "code UA-35 is Kirovohradska oblast" in text and "regions.code" in text
    assert not store.get_nodes(["cahra:finding:2026-06:UA-35"])
    # India's Chhattisgarh is listed under its old code IN-CT; ISO now says IN-CG: placed by name
    india = next(e for e in data["entries"] if e["iso2"] == "IN")
    assert any(r["code"] == "IN-CT" for r in india["regions"])
    edge = store.get_edges(["CONCERNS:cahra:finding:2026-06:IN-CG->region:IN-CG"])
    assert edge["CONCERNS:cahra:finding:2026-06:IN-CG->region:IN-CG"]["methods"] == ["name_match"]


def test_cahra_flags_sites_in_listed_regions(ingest, store, open_data, real_data):
    ingest("apple-suppliers", open_data / APPLE)
    data = json.loads((real_data / CAHRA).read_bytes())
    listed = {r["code"] for e in data["entries"] for r in e["regions"] or []}
    whole = {e["iso2"] for e in data["entries"] if e["wholeCountry"]}
    sites = [
        n
        for n in store.iter_nodes(types=["Facility"])
        if n.get("region") in listed or n.get("country") in whole
    ]
    assert sites, "Apple's list has facilities in listed regions (Mexican states)"
    ingest("cahra", real_data / CAHRA, dataset=_dataset(CAHRA))
    flagged = {e["dst"]: e for e in store.iter_edges(types=["CONCERNS"]) if e["dst"].startswith("apple:")}
    expected = {n["id"] for n in sites if n.get("region") != "UA-35"}
    assert set(flagged) == expected
    edge = next(iter(flagged.values()))
    assert edge["methods"] == ["identifier_match"] and "region code" in edge["note"]
    before = canonical_hash(store)
    report = ingest("cahra", real_data / CAHRA, dataset=_dataset(CAHRA))
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def test_cahra_bad_input(ingest, store, tmp_path: Path):
    bad = tmp_path / "cahra.json"
    bad.write_text(
        json.dumps(
            {
                "meta": {"version": "Report: March 2025"},
                "entries": [
                    {"countryName": "Atlantis", "iso2": "QQ", "wholeCountry": True, "regions": None},
                    {
                        "countryName": "Mali",
                        "iso2": "ML",
                        "wholeCountry": False,
                        "regions": [
                            {"name": "Kidal", "code": "ML-8", "conflictAffected": True, "highRisk": "yes"},
                            {"name": "Nowhere", "code": "ML-99", "conflictAffected": True, "highRisk": False},
                            {"name": "Kidal", "code": "ML-8", "conflictAffected": True, "highRisk": False},
                        ],
                    },
                    {"countryName": "Niger", "iso2": "NE", "wholeCountry": False, "regions": []},
                ],
            }
        ),
        encoding="utf-8",
    )
    report = ingest("cahra", bad)
    c = report.counts["cahra.json"]
    assert (c.read, c.written, c.quarantined) == (5, 1, 4)
    text = Path(report.quarantine_report).read_text()
    assert "country not recognised,iso2" in text
    assert "flag is not true or false,regions.highRisk,yes" in text
    assert "ML-99 is not an ISO 3166-2 code of ML" in text
    assert "neither listed as a whole country nor has regions" in text
    assert (
        store.get_nodes(["cahra:finding:2025-03:ML-8"])["cahra:finding:2025-03:ML-8"]["date_precision"]
        == "month"
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"entries": [', encoding="utf-8")
    with pytest.raises(InputFileError):
        ingest("cahra", broken)
