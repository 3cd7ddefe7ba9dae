"""ITUC Global Rights Index on both stores: ratings as text, the edition year rule, findings for 4..5+."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pycountry
import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.settings import REPO_ROOT

EXCERPT = "risk/ituc_global_rights_index_excerpt.csv"
RATINGS_2026 = "risk/ituc_global_rights_index_2026_ratings.csv"


def _manifest(path: str) -> dict:
    manifest = tomllib.loads((REPO_ROOT / "data" / "manifest.toml").read_text(encoding="utf-8"))
    entry = next(d for d in manifest["dataset"] if any(f["path"] == path for f in d["file"]))
    return {"dataset": entry["dataset"], "licence_class": entry["licence_class"]}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_ituc_excerpt(ingest, store, open_data):
    path = open_data / EXCERPT
    options = _manifest(EXCERPT)
    report = ingest("ituc", path, **options)
    rows = _rows(path)
    c = report.counts[path.name]
    assert (c.read, c.written) == (len(rows), len(rows)) and report.unmapped == {}
    year = int(options["dataset"][-4:])  # the citing plan's year, from the dataset name
    for row in rows:
        found = pycountry.countries.get(alpha_2=row["country_iso2"])
        assert found is not None
        iso3 = found.alpha_3
        node = store.get_nodes([f"ituc:{iso3}:{year}"])[f"ituc:{iso3}:{year}"]
        assert node["rating"] == row["rating"] and node["value"] == float(row["rating"])
        assert node["confidence"] == 0.8 and "Electronics Watch" in node["note"]  # a secondary citation
        finding = store.get_nodes([f"ituc:finding:{iso3}:{year}"]).get(f"ituc:finding:{iso3}:{year}")
        assert (finding is not None) == (row["rating"] in ("4", "5", "5+"))
        assert finding["severity"] == row["rating"] and finding["category"] == "freedom_of_association"
        assert finding["access"] == "public" and finding["date"] == str(year)


def test_ituc_needs_a_year(ingest, open_data):
    with pytest.raises(InputFileError, match="has no year"):
        ingest("ituc", open_data / EXCERPT)


def test_ituc_2026_five_plus_stays_five_plus(ingest, store, real_data):
    path = real_data / RATINGS_2026
    report = ingest("ituc", path, **_manifest(RATINGS_2026))
    rows = _rows(path)
    c = report.counts[path.name]
    assert c.read == len(rows) == c.written + c.quarantined + c.duplicate + c.skipped
    plus = [r for r in rows if r["Rating"] == "5+"]
    assert plus
    for row in plus:
        nodes = [n for n in store.iter_nodes(types=["Indicator"]) if n["country"] == row["Country_Code"]]
        assert len(nodes) == 1 and nodes[0]["rating"] == "5+" and nodes[0].get("value") is None
        assert nodes[0]["year"] == 2026 and nodes[0]["id"].endswith(":2026")
    findings = list(store.iter_nodes(types=["RiskFinding"]))
    assert len(findings) == sum(1 for r in rows if r["Rating"] in ("4", "5", "5+"))
    assert {f["severity"] for f in findings} == {"4", "5", "5+"}
    assert all(f["access"] == "public" and f["licence_class"] == "restricted" for f in findings)
    ones = [r for r in rows if r["Rating"] == "1"]
    assert ones and not any(f["scope_country"] == ones[0]["Country_Code"] for f in findings)


def test_ituc_reingest_is_noop(ingest, store, open_data):
    ingest("ituc", open_data / EXCERPT, **_manifest(EXCERPT))
    before = canonical_hash(store)
    report = ingest("ituc", open_data / EXCERPT, **_manifest(EXCERPT))
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def test_ituc_bad_rows(ingest, store, tmp_path: Path):
    bad = tmp_path / "gri_2025.csv"
    bad.write_text(
        "Country,Country_Code,Rating\nAtlantis,QQ,5\nGhana,GH,6\nFrance,DE,2\nGhana,GH,5 +\nGhana,GH,5\n",
        encoding="utf-8",
    )
    report = ingest("ituc", bad)
    c = report.counts["gri_2025.csv"]
    assert (c.read, c.written, c.quarantined, c.duplicate) == (5, 1, 3, 1)
    text = Path(report.quarantine_report).read_text()
    assert "country not recognised,Country_Code,QQ Atlantis" in text
    assert "rating is not one of" in text and "Rating,6" in text
    assert "code and name name different countries (DE / FR),Country_Code,DE / France" in text
    ghana = store.get_nodes(["ituc:GHA:2025"])["ituc:GHA:2025"]  # year from the file name
    assert ghana["rating"] == "5+"
