"""Apple's supplier list on both stores: companies, facilities, renames, idempotency, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError

APPLE = "facilities/apple_supplier_list_2012-2022_cwgrouptw.csv"


def test_apple_chain_and_counts(ingest, store, open_data):
    report = ingest("apple-suppliers", open_data / APPLE)
    c = report.counts["apple_supplier_list_2012-2022_cwgrouptw.csv"]
    assert c.read == 7558
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    assert c.duplicate == 2  # two exact duplicate rows in the file
    apple = store.get_nodes(["org:apple"])["org:apple"]
    assert apple["type"] == "Brand"
    # "JX Nippon Mining & Metals Corporation (Eneos Holding)" resolves to JX Advanced Metals
    jx = store.get_nodes(["org:jx-advanced-metals"])["org:jx-advanced-metals"]
    assert "JX Nippon Mining & Metals Corporation (Eneos Holding)" in jx["aliases"]
    supplies = store.get_edges(["SUPPLIES:org:jx-advanced-metals->org:apple"])
    edge = supplies["SUPPLIES:org:jx-advanced-metals->org:apple"]
    assert edge["methods"] == ["declared"] and edge["confidence"] == 0.9
    assert 2022 in edge["years"]
    # JXTG Holdings owns JX: an ownership link from the reviewed aliases file, not an alias
    owns = store.get_edges(["OWNS:org:jxtg-holdings->org:jx-advanced-metals"])
    assert owns and owns["OWNS:org:jxtg-holdings->org:jx-advanced-metals"]["methods"] == ["reviewed"]
    # a Chinese facility of a supplier, located in China
    facilities = [e for e in store.iter_edges(types=["OPERATES"]) if e["src"] == "org:lg-chem"]
    assert any(":CN:" in e["dst"] for e in facilities)


def test_apple_reingest_is_noop(ingest, store, open_data):
    ingest("apple-suppliers", open_data / APPLE)
    before = canonical_hash(store)
    report = ingest("apple-suppliers", open_data / APPLE)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def test_apple_bad_rows_are_quarantined(ingest, store, tmp_path: Path):
    bad = tmp_path / "apple.csv"
    bad.write_text(
        "year,supplier_name,country_area,country,supplier_address\n"
        "2022,Foo Ltd,x,Atlantis,Somewhere\n2022,,x,Japan,Tokyo\nlast,Bar,x,Japan,Tokyo\n"
        "2021,Bar Corp,x,Japan,Tokyo\n",
        encoding="utf-8",
    )
    report = ingest("apple-suppliers", bad)
    c = report.counts["apple.csv"]
    assert (c.read, c.written, c.quarantined) == (4, 1, 3)
    text = Path(report.quarantine_report).read_text()
    assert "country not recognised,country,Atlantis" in text
    assert "supplier name is blank,supplier_name" in text
    assert "year is not a number,year,last" in text


def test_file_that_fits_no_role(ingest, tmp_path: Path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    with pytest.raises(InputFileError, match="does not fit source 'apple-suppliers'"):
        ingest("apple-suppliers", wrong)
