"""The three CSV templates (disclosures, links, findings) on both stores: the shipped header-only
templates are recognised and documented; rows built here map, quarantine with the field, and
re-ingest changes nothing."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.settings import REPO_ROOT

TEMPLATES = REPO_ROOT / "data" / "templates"
DOCS = REPO_ROOT / "docs" / "templates.md"
SPECS = REPO_ROOT / "ingest" / "templates"
NAMES = ("disclosures", "links", "findings", "remedy")


def header(name: str) -> list[str]:
    with (TEMPLATES / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def fill(tmp_path: Path, name: str, rows: list[dict[str, str]], file: str | None = None) -> Path:
    """A filled-in copy of the shipped template (the test's own rows)."""
    path = tmp_path / (file or f"my_{name}.csv")
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=header(name))
        out.writeheader()
        out.writerows(rows)
    return path


def quarantine(report) -> list[dict[str, str]]:
    with Path(report.quarantine_report).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_shipped_templates_are_header_only_documented_and_mapped():
    docs = DOCS.read_text(encoding="utf-8")
    for name in NAMES:
        lines = (TEMPLATES / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1, f"{name}.csv must ship without rows"
        spec = tomllib.loads((SPECS / f"{name}.toml").read_text(encoding="utf-8"))
        assert set(header(name)) == set(spec["columns"]["mapped"])
        assert f"## {name}.csv" in docs
        for column in header(name):
            assert f"| `{column}` |" in docs, f"{name}.{column} is not documented"


def test_each_template_is_recognised_by_its_own_source_only(ingest, tmp_path: Path):
    for name in NAMES:
        path = fill(tmp_path, name, [])
        report = ingest(name, path)
        assert report.rows_read == 0 and report.unmapped == {}
        for other in NAMES:
            if other != name:
                with pytest.raises(InputFileError, match=f"does not fit source '{other}'"):
                    ingest(other, path)


DISCLOSURES = [
    {
        "contract": "ICT-2023-114",
        "buyer": "City of Example",
        "buyer_country": "GB",
        "brand": "Dell",
        "product": "laptops",
        "model": "Latitude 5440",
        "quantity": "1200",
        "date": "2024-03",
        "evidence": "affiliate disclosure, p. 3",
    },
    {
        "contract": "ICT-2023-114",
        "buyer": "City of Example",
        "buyer_country": "GB",
        "brand": "org:dell",
        "product": "monitors",
        "quantity": "300",
        "evidence": "affiliate disclosure, p. 4",
    },
    {"contract": "ocds:no-such-contract", "brand": "Dell", "evidence": "x"},
    {"contract": "ICT-9", "brand": "HP Inc.", "evidence": "x"},
    {
        "contract": "ICT-2023-114",
        "buyer": "City of Example",
        "brand": "Dell",
        "quantity": "many",
        "evidence": "x",
    },
    {"contract": "ICT-2023-115", "buyer": "City of Example", "brand": "Dell", "evidence": ""},
    {
        "contract": "ICT-2023-116",
        "buyer": "City of Example",
        "brand": "Dell",
        "evidence": "sent by procurement@example.org",
    },
]


def test_disclosures_map_and_quarantine(ingest, store, tmp_path: Path):
    path = fill(tmp_path, "disclosures", [*DISCLOSURES, DISCLOSURES[0], {}])
    report = ingest("disclosures", path)
    c = report.counts[path.name]
    assert (c.read, c.written, c.quarantined, c.duplicate, c.skipped) == (9, 2, 5, 1, 1)
    reasons = {(q["row"], q["field"]): q["reason"] for q in quarantine(report)}
    assert reasons[("4", "contract")].startswith("unknown entity id")
    assert reasons[("5", "buyer")].startswith("a contract given by the buyer's own reference")
    assert reasons[("6", "quantity")] == "quantity is not a number"
    assert reasons[("7", "evidence")] == "evidence is blank"
    assert reasons[("8", "evidence")].startswith("looks like personal contact data")
    assert "procurement@example.org" not in json.dumps(list(store.iter_nodes()) + list(store.iter_edges()))
    contract = "disclosure:contract:gb:city-of-example:ict-2023-114"
    assert store.get_edges([f"BUYER_OF:buyer:gb:city-of-example->{contract}#buyer"])
    dell = store.get_nodes(["org:dell"])["org:dell"]
    assert dell["type"] == "Brand"
    covers = store.get_edges(
        [f"COVERS:{contract}->org:dell#laptops-latitude-5440", f"COVERS:{contract}->org:dell#monitors"]
    )
    laptops = covers[f"COVERS:{contract}->org:dell#laptops-latitude-5440"]
    assert (laptops["product"], laptops["model"], laptops["quantity"]) == ("laptops", "Latitude 5440", 1200.0)
    assert covers[f"COVERS:{contract}->org:dell#monitors"]["quantity"] == 300.0
    before = canonical_hash(store)
    again = ingest("disclosures", path)
    assert again.nodes_created == again.nodes_updated == again.edges_created == again.edges_updated == 0
    assert canonical_hash(store) == before


LINKS = [
    {
        "upstream": "Alpha Refining",
        "downstream": "Beta Cells",
        "tier": "2",
        "commodity": "cobalt",
        "period_start": "2021",
        "period_end": "2023",
        "status": "reported",
        "evidence": "audit report 2023",
    },
    {
        "upstream": "org:beta-cells",
        "downstream": "Gamma Motors",
        "product": "battery cells",
        "status": "confirmed",
        "confidence": "0.7",
        "evidence": "supplier list 2024",
    },
    {"upstream": "rmi:CID999999", "downstream": "Beta Cells", "commodity": "tin", "evidence": "x"},
    {"upstream": "Beta Cells", "downstream": "org:beta-cells", "commodity": "cobalt", "evidence": "x"},
    {"upstream": "Alpha Refining", "downstream": "Beta Cells", "evidence": "x"},
    {"upstream": "Alpha Refining", "downstream": "Beta Cells", "commodity": "unobtainium", "evidence": "x"},
    {
        "upstream": "Alpha Refining",
        "downstream": "Beta Cells",
        "commodity": "cobalt",
        "status": "maybe",
        "evidence": "x",
    },
    {
        "upstream": "Alpha Refining",
        "downstream": "Beta Cells",
        "commodity": "cobalt",
        "period_start": "2023",
        "period_end": "2021",
        "evidence": "x",
    },
    {
        "upstream": "Alpha Refining",
        "downstream": "Beta Cells",
        "commodity": "cobalt",
        "confidence": "1.5",
        "evidence": "x",
    },
]


def test_links_map_and_quarantine(ingest, store, tmp_path: Path):
    path = fill(tmp_path, "links", LINKS)
    report = ingest("links", path)
    c = report.counts[path.name]
    assert (c.read, c.written, c.quarantined) == (9, 2, 7)
    reasons = {(q["row"], q["field"]): q["reason"] for q in quarantine(report)}
    assert reasons[("4", "upstream")].startswith("unknown entity id")
    assert reasons[("5", "downstream")] == "upstream and downstream are the same entity"
    assert reasons[("6", "commodity")] == "give a commodity or a product"
    assert reasons[("7", "commodity")].startswith("commodity not in the vocabulary")
    assert reasons[("8", "status")].startswith("status is not one of")
    assert reasons[("9", "period_end")] == "period_end is before period_start"
    assert reasons[("10", "confidence")].startswith("confidence is outside")
    first = store.get_edges(["SUPPLIES:org:alpha-refining->org:beta-cells#cobalt-2021"])
    edge = first["SUPPLIES:org:alpha-refining->org:beta-cells#cobalt-2021"]
    assert (edge["status"], edge["confidence"], edge["years"]) == ("reported", 0.5, [2021, 2023])
    assert edge["commodity"] == "commodity:cobalt" and edge["note"] == "tier 2"
    second = store.get_edges(["SUPPLIES:org:beta-cells->org:gamma-motors#battery-cells"])
    edge = second["SUPPLIES:org:beta-cells->org:gamma-motors#battery-cells"]
    assert (edge["status"], edge["confidence"], edge["product"]) == ("confirmed", 0.7, "battery cells")
    before = canonical_hash(store)
    ingest("links", path)
    assert canonical_hash(store) == before


FINDINGS = [
    {
        "finding_ref": "EW-2024-07",
        "entity": "Delta Electronics Assembly",
        "category": "forced labour",
        "date": "2024-05-12",
        "severity": "high",
        "evidence": "worker interviews: passports held by the agency",
        "reported_by": "Example Monitor",
        "access": "restricted",
    },
    {
        "entity": "org:delta-electronics-assembly",
        "category": "health_and_safety",
        "date": "2023",
        "commodity": "cobalt",
        "evidence": "published audit summary",
        "reported_by": "Example Monitor",
        "access": "public",
    },
    {
        "entity": "org:nobody",
        "category": "child_labour",
        "evidence": "x",
        "reported_by": "M",
        "access": "public",
    },
    {
        "entity": "Delta Electronics Assembly",
        "category": "bad working conditions",
        "evidence": "x",
        "reported_by": "M",
        "access": "public",
    },
    {
        "entity": "Delta Electronics Assembly",
        "category": "other",
        "evidence": "x",
        "reported_by": "M",
        "access": "secret",
    },
    {
        "entity": "Delta Electronics Assembly",
        "category": "other",
        "evidence": "call +44 20 7946 0958",
        "reported_by": "M",
        "access": "public",
    },
    {
        "entity": "Delta Electronics Assembly",
        "category": "other",
        "date": "12/05/2024",
        "evidence": "x",
        "reported_by": "M",
        "access": "public",
    },
]


def test_findings_keep_restricted_access(ingest, store, tmp_path: Path):
    path = fill(tmp_path, "findings", FINDINGS)
    report = ingest("findings", path, licence_class="open")
    c = report.counts[path.name]
    assert (c.read, c.written, c.quarantined) == (7, 2, 5)
    reasons = {(q["row"], q["field"]): q["reason"] for q in quarantine(report)}
    assert reasons[("4", "entity")].startswith("unknown entity id")
    assert reasons[("5", "category")].startswith("category is not one of")
    assert reasons[("6", "access")].startswith("access is not one of")
    assert reasons[("7", "evidence")].startswith("looks like personal contact data")
    assert reasons[("8", "date")] == "date is not YYYY, YYYY-MM or YYYY-MM-DD"
    restricted = store.get_nodes(["finding:example-monitor:ew-2024-07"])["finding:example-monitor:ew-2024-07"]
    assert (restricted["access"], restricted["licence_class"]) == ("restricted", "restricted")
    assert (restricted["category"], restricted["date"], restricted["date_precision"]) == (
        "forced_labour",
        "2024-05-12",
        "day",
    )
    assert restricted["scope_entity"] == "org:delta-electronics-assembly"
    finding = "finding:example-monitor:ew-2024-07"
    concerns = store.get_edges([f"CONCERNS:{finding}->org:delta-electronics-assembly"])
    assert next(iter(concerns.values()))["licence_class"] == "restricted"
    public = [n for n in store.iter_nodes(types=["RiskFinding"]) if n["access"] == "public"]
    assert len(public) == 1 and public[0]["licence_class"] == "open"
    assert public[0]["scope_commodity"] == "commodity:cobalt"
    assert store.get_edges([f"ABOUT:{public[0]['id']}->commodity:cobalt"])
    before = canonical_hash(store)
    again = ingest("findings", path, licence_class="open")
    assert again.nodes_created == again.edges_created == 0
    assert canonical_hash(store) == before
