"""Canadian federal spend on both stores: buyers, spend per fiscal year, the bucket traps, spellings."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError

SPEND = "procurement/canada_federal_contracts_brand_vendor_by_department_fy2017-2022.csv"
VARIANTS = "procurement/canada_federal_contracts_brand_vendor_name_variants.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _spend_edges(store, dst: str) -> list[dict]:
    return [e for e in store.iter_edges(types=["SPENDS_WITH"]) if e["dst"] == dst]


@pytest.fixture
def both(ingest, open_data):
    return ingest("canada-spend", open_data / SPEND, open_data / VARIANTS)


def test_counts_add_up_and_buyers(both, store, open_data):
    spend_rows = _rows(open_data / SPEND)
    for name, c in both.counts.items():
        assert c.read == c.written + c.quarantined + c.duplicate + c.skipped, name
    assert both.counts[Path(SPEND).name].read == len(spend_rows)
    assert both.counts[Path(VARIANTS).name].read == len(_rows(open_data / VARIANTS))
    assert both.unmapped == {}
    buyers = {n["id"]: n for n in store.iter_nodes(types=["PublicBuyer"])}
    assert set(buyers) == {f"canada:dept:{r['owner_org']}" for r in spend_rows}
    rcmp = buyers["canada:dept:rcmp-grc"]
    assert rcmp["name"] == "Royal Canadian Mounted Police" and rcmp["country"] == "CA"
    # one SPENDS_WITH per spend row, two per row of the mixed HP bucket; no contracts invented
    hp_rows = sum(1 for r in spend_rows if r["vendor_slug"] == "hewlett_packard")
    assert len(list(store.iter_edges(types=["SPENDS_WITH"]))) == len(spend_rows) + hp_rows
    assert not list(store.iter_nodes(types=["Contract"]))


def test_rcmp_pays_motorola_through_its_canadian_subsidiary(both, store, open_data):
    rows = [
        r
        for r in _rows(open_data / SPEND)
        if r["owner_org"] == "rcmp-grc" and r["vendor_slug"] == "motorola_solutions_canada"
    ]
    assert rows, "the real file has RCMP spend with Motorola Solutions Canada"
    edges = {
        e["fiscal_year"]: e
        for e in _spend_edges(store, "org:motorola-solutions-canada")
        if e["src"] == "canada:dept:rcmp-grc"
    }
    for row in rows:
        edge = edges[row["fiscal_year"]]
        assert edge["amount"] == float(row["total_cad"]) and edge["currency"] == "CAD"
        assert edge["amount_constant"] == float(row["total_constant_2019_cad"])
        assert edge["candidate"] is False and edge["confidence"] == 0.9
    nodes = store.get_nodes(["org:motorola-solutions-canada", "org:motorola-solutions"])
    assert nodes["org:motorola-solutions-canada"]["type"] == "Company"
    assert nodes["org:motorola-solutions"]["type"] == "Brand"
    owns = store.get_edges(["OWNS:org:motorola-solutions->org:motorola-solutions-canada"])
    edge = owns["OWNS:org:motorola-solutions->org:motorola-solutions-canada"]
    assert edge["relation"] == "subsidiary" and edge["methods"] == ["reviewed"]
    assert "MOTOROLA SOLUTIONS CANADA INC." in nodes["org:motorola-solutions-canada"]["aliases"]


def test_gm_developpement_is_not_general_motors(both, store, open_data):
    rows = [r for r in _rows(open_data / SPEND) if r["vendor_slug"] == "gm_developpement"]
    assert rows
    gm_dev = _spend_edges(store, "org:gm-developpement")
    assert {(e["src"], e["fiscal_year"]) for e in gm_dev} == {
        (f"canada:dept:{r['owner_org']}", r["fiscal_year"]) for r in rows
    }
    gm_spend = {(e["src"], e["fiscal_year"], e["amount"]) for e in _spend_edges(store, "org:general-motors")}
    for r in rows:
        assert (f"canada:dept:{r['owner_org']}", r["fiscal_year"], float(r["total_cad"])) not in gm_spend
    nodes = store.get_nodes(["org:gm-developpement", "org:general-motors"])
    assert nodes["org:gm-developpement"]["type"] == "Company"
    spellings = {
        r["original_vendor_name"]
        for r in _rows(open_data / VARIANTS)
        if r["vendor_slug"] == "gm_developpement"
    }
    assert spellings <= set(nodes["org:gm-developpement"]["aliases"])
    assert not spellings & set(nodes["org:general-motors"].get("aliases", []))
    assert not [e for e in store.iter_edges(types=["OWNS"]) if "gm-developpement" in e["src"] + e["dst"]]


def test_hp_bucket_stays_ambiguous(both, store, open_data):
    rows = [r for r in _rows(open_data / SPEND) if r["vendor_slug"] == "hewlett_packard"]
    hp, hpe = _spend_edges(store, "org:hp"), _spend_edges(store, "org:hewlett-packard-enterprise")
    assert len(hp) == len(hpe) == len(rows)
    for edge in hp + hpe:
        assert edge["candidate"] is True and edge["confidence"] == 0.5
    assert {(e["src"], e["fiscal_year"]) for e in hpe} == {
        (f"canada:dept:{r['owner_org']}", r["fiscal_year"]) for r in rows
    }
    nodes = store.get_nodes(["org:hp", "org:hewlett-packard-enterprise"])
    assert "HP Canada Co." in nodes["org:hp"]["aliases"]
    assert "Hewlett Packard Enterprise Canada Co." in nodes["org:hewlett-packard-enterprise"]["aliases"]
    assert not store.get_edges(["OWNS:org:hp->org:hewlett-packard-enterprise"])


def test_gm_financial_is_gms_leasing_arm(both, store):
    node = store.get_nodes(["org:gm-financial"])["org:gm-financial"]
    assert "GM Financial Canada Leasing Ltd." in node["aliases"]
    owns = store.get_edges(["OWNS:org:general-motors->org:gm-financial"])
    assert owns["OWNS:org:general-motors->org:gm-financial"]["relation"] == "leasing arm"
    assert "GM Financial" not in store.get_nodes(["org:general-motors"])["org:general-motors"].get(
        "aliases", []
    )


def test_every_spelling_is_placed_or_quarantined(both, store, open_data):
    aliases = {a for n in store.iter_nodes(types=["Company", "Brand"]) for a in n.get("aliases", [])}
    names = {n.get("name") for n in store.iter_nodes(types=["Company", "Brand"])}
    with open(both.quarantine_report, encoding="utf-8", newline="") as fh:
        quarantined = {row["row"]: row for row in csv.DictReader(fh) if row["file"] == Path(VARIANTS).name}
    contact = re.compile(r"\batt(n)?\b\s*[:.]", re.I)
    for number, row in enumerate(_rows(open_data / VARIANTS), start=2):
        spelling = " ".join(row["original_vendor_name"].split())
        if str(number) in quarantined:
            assert (
                quarantined[str(number)]["reason"]
                and quarantined[str(number)]["field"] == "original_vendor_name"
            )
            assert spelling not in aliases
        else:
            assert spelling in aliases or spelling in names, (number, spelling)
        if contact.search(spelling):  # a contact person's name is never stored, not even in quarantine
            assert str(number) in quarantined and quarantined[str(number)]["value"] == ""


def test_dealers_and_resellers_are_not_the_brand(both, store):
    text = Path(both.quarantine_report).read_text(encoding="utf-8")
    assert "a GM dealership" in text and "ROY'S CHEVROLET BUICK GMC INC" in text
    assert "reseller" in text and "HP RESELLER: MICROAGE" in text
    gm = store.get_nodes(["org:general-motors"])["org:general-motors"]
    assert not [a for a in gm.get("aliases", []) if "BUICK" in a.upper()]


def test_reingest_is_noop(ingest, store, open_data):
    ingest("canada-spend", open_data / SPEND, open_data / VARIANTS)
    before = canonical_hash(store)
    report = ingest("canada-spend", open_data / SPEND, open_data / VARIANTS)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def test_bad_rows_are_quarantined(ingest, tmp_path: Path):
    bad = tmp_path / "spend.csv"
    bad.write_text(
        "vendor_slug,normalized_vendor_name,owner_org,owner_org_name_en,fiscal_year,total_cad,"
        "total_constant_2019_cad,extra_column\n"
        "acme_widgets,ACME,dnd-mdn,National Defence,2019-2020,10.00,10.00,x\n"
        "dell_computer,DELL COMPUTER,,National Defence,2019-2020,10.00,10.00,x\n"
        "dell_computer,DELL COMPUTER,dnd-mdn,National Defence,2019/20,10.00,10.00,x\n"
        "dell_computer,DELL COMPUTER,dnd-mdn,National Defence,2019-2020,lots,10.00,x\n"
        'dell_computer,DELL COMPUTER,dnd-mdn,National Defence,2020-2021,"1,234.50",1200.00,x\n'
        'dell_computer,DELL COMPUTER,dnd-mdn,National Defence,2020-2021,"1,234.50",1200.00,x\n',
        encoding="utf-8",
    )
    report = ingest("canada-spend", bad)
    c = report.counts["spend.csv"]
    assert (c.read, c.written, c.quarantined, c.duplicate) == (6, 1, 4, 1)
    assert report.unmapped == {"spend.csv": ["extra_column"]}
    text = Path(report.quarantine_report).read_text()
    assert "vendor slug not in the reviewed aliases file ([[vendor_slug]]),vendor_slug,acme_widgets" in text
    assert "department code is blank,owner_org" in text
    assert "fiscal year is not of the form YYYY-YYYY,fiscal_year,2019/20" in text
    assert "total is not a number,total_cad,lots" in text


def test_files_that_fit_no_role(ingest, tmp_path: Path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("vendor_slug,amount\nx,1\n")
    with pytest.raises(InputFileError, match=r"does not fit source 'canada-spend'.*vendor_slug, owner_org"):
        ingest("canada-spend", wrong)
    binary = tmp_path / "spend.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00garbage\xff\xfe")
    with pytest.raises(InputFileError, match="does not fit source 'canada-spend'"):
        ingest("canada-spend", binary)
