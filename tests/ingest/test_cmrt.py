"""Filled CMRT declarations on both stores: Apple -> JX Advanced Metals -> smelters -> origins.

Real declarations are restricted (real_data fixture). Parser tests build small workbooks in
tmp_path in the CMRT layout (declaration sheet, smelter list) and a small RMI look-up.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from openpyxl import Workbook
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError

TEMPLATES = "smelters/rmi_templates"
CMRTS = (
    "cmrt_6.4_central_glass_2024-04.xlsx",
    "cmrt_6.4_honeywell_pmt_2024.xlsx",
    "cmrt_6.4_jx_advanced_metals_2024.xlsx",
    "cmrt_6.4_merck_emd_wf6_2024-04.xlsx",
    "cmrt_6.4_sk_specialty_wf6_2024-05.xlsx",
)
APPLE = "facilities/apple_supplier_list_2012-2022_cwgrouptw.csv"
JX = "org:jx-advanced-metals"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", re.I)


def _cmrts(real_data: Path) -> list[Path]:
    return [real_data / "smelters/cmrt" / name for name in CMRTS]


def _edge(store, edge_id: str) -> dict:
    found = store.get_edges([edge_id])
    assert edge_id in found, f"missing {edge_id}"
    return found[edge_id]


def _link(store, edge_id: str, method: str, confidence: float) -> dict:
    edge = _edge(store, edge_id)
    assert edge["methods"] == [method] and edge["confidence"] == confidence, edge_id
    return edge


@pytest.fixture
def chain(ingest, store, real_data, open_data):
    ingest(
        "rmi-smelters",
        *(
            real_data / TEMPLATES / n
            for n in ("RMI_CMRT_6.4_blank_en.xlsx", "RMI_CMRT_6.5.xlsx", "RMI_EMRT_2.1.xlsx")
        ),
    )
    ingest("apple-suppliers", open_data / APPLE)
    return ingest("cmrt", *_cmrts(real_data))


def test_apple_to_jx_to_smelters_to_origins(chain, store):
    # Apple <- JX Advanced Metals (Apple's list says "JX Nippon Mining & Metals"; the CMRT the new name)
    _link(store, f"SUPPLIES:{JX}->org:apple", "declared", 0.9)
    declared = {e["src"] for e in store.iter_edges(types=["SUPPLIES"]) if e["dst"] == JX}
    assert {"rmi:CID001969", "rmi:CID002082", "rmi:CID002557", "rmi:CID000460"} <= declared
    ulba = _link(store, f"SUPPLIES:rmi:CID001969->{JX}#tantalum", "declared", 0.9)
    assert ulba["commodity"] == "commodity:tantalum" and ulba["granularity"] == "entity"
    answers = orjson.loads(ulba["evidence"])
    assert answers["company"] == "JX Advanced Metals Corporation"
    assert answers["scope"] == "B. Product (or List of Products)"
    assert any(q.startswith("1) Is any 3TG") and a["answer"] == "Yes" for q, a in answers["answers"].items())
    # Ulba's Rwandan mine districts: country links naming each district (ISO 3166-2 has provinces only)
    for district in ("rutsiro", "ngororero", "kamonyi", "rubavu", "muhanga", "nyamasheke"):
        edge = _link(
            store, f"SUPPLIES:country:RW->rmi:CID001969#tantalum:district:{district}", "declared", 0.6
        )
        assert edge["granularity"] == "district" and district in edge["note"].lower()
    assert "RW-04" in _edge(store, "SUPPLIES:country:RW->rmi:CID001969#tantalum:district:rutsiro")["note"]
    # ... and the same row's "Ta scrap": recycled or scrap
    _link(store, "SUPPLIES:origin:r-s->rmi:CID001969#tantalum", "declared", 0.6)
    # Xiamen Tungsten's named mines, located in China; names with a legal form ("Zijin Mining
    # Co.,Ltd") are the mining companies, not mines: Companies, their mines unnamed
    edge = _link(store, "SUPPLIES:cmrt:mine:xianglushan-mine:CN->rmi:CID002082#tungsten", "declared", 0.8)
    assert edge["commodity"] == "commodity:tungsten"
    assert _edge(store, "LOCATED_IN:cmrt:mine:xianglushan-mine:CN->country:CN")
    for company in ("zijin-mining", "luoyang-yulu-mining", "ning-hua-xingluokeng-tungsten-mining"):
        _link(store, f"SUPPLIES:org:{company}->rmi:CID002082#tungsten", "declared", 0.8)
        assert _edge(store, f"LOCATED_IN:org:{company}->country:CN")
        assert not store.get_nodes([f"cmrt:mine:{company}:CN"])
    zijin = store.get_nodes(["org:zijin-mining"])["org:zijin-mining"]
    assert zijin["type"] == "Company" and zijin["name"] == "Zijin Mining Co.,Ltd" and zijin["country"] == "CN"
    # RMI origin code CC (F&X): one weak inferred link from each covered country, no more
    cc = [e for e in store.iter_edges(types=["SUPPLIES"]) if e["id"].endswith("->rmi:CID000460#tantalum:CC")]
    assert {e["src"] for e in cc} == {
        f"country:{c}" for c in ("CD", "AO", "BI", "CF", "CG", "RW", "SS", "TZ", "UG", "ZM")
    }
    for edge in cc:
        assert edge["methods"] == ["inferred"] and edge["confidence"] == 0.1
        assert edge["origin_code"] == "CC" and edge["granularity"] == "category"
    # ... HR and LR as origin categories, never as Croatia or Liberia
    _link(store, "SUPPLIES:origin:hr->rmi:CID000460#tantalum", "declared", 0.6)
    _link(store, "SUPPLIES:origin:lr->rmi:CID000460#tantalum", "declared", 0.6)
    assert not store.get_edges(["SUPPLIES:country:HR->rmi:CID000460#tantalum"])
    # GAM Boyertown: code DRC kept beside its "100% recycled: Yes" answer, both facts
    drc = _link(store, "SUPPLIES:country:CD->rmi:CID002557#tantalum:DRC", "declared", 0.6)
    assert drc["origin_code"] == "DRC" and drc["granularity"] == "country"
    facts = orjson.loads(drc["evidence"])
    assert facts["feedstock_100pct_recycled_or_scrap"] == "Yes" and "DRC" in facts["location_column"]
    _link(store, "SUPPLIES:origin:r-s->rmi:CID002557#tantalum", "declared", 0.6)


def test_counts_countries_and_no_personal_data(chain, store):
    for name in CMRTS:
        c = chain.counts[name]
        assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    assert chain.counts["cmrt_6.4_honeywell_pmt_2024.xlsx"].duplicate == 1  # Yanling Jincheng row repeated
    assert chain.unmapped == {}
    # Honeywell's long country lists, its "RussianF ederation" typo included, and "Recycled/Scrap"
    _link(store, "SUPPLIES:country:RU->rmi:CID000917#tantalum", "declared", 0.6)
    _link(store, "SUPPLIES:origin:r-s->rmi:CID000917#tantalum", "declared", 0.6)
    _link(store, "SUPPLIES:country:CD->rmi:CID000914#tantalum", "declared", 0.6)
    # the other declarers resolve too
    assert _edge(store, "SUPPLIES:rmi:CID002082->org:sk-specialty#tungsten")
    assert _edge(store, "SUPPLIES:rmi:CID002494->org:central-glass#tungsten")
    # contact names and e-mails of declarers and smelter staff are never stored
    text = "\n".join(orjson.dumps(x).decode() for x in [*store.iter_nodes(), *store.iter_edges()]).lower()
    for personal in ("ohnogi", "jx-nmm.com", "morishita", "taniobis.com", "cathy.gallagher"):
        assert personal not in text
    assert not EMAIL.search(text)


def test_reingest_is_noop(chain, ingest, store, real_data):
    before = canonical_hash(store)
    report = ingest("cmrt", *_cmrts(real_data))
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


# -- small workbooks in the CMRT layout ------------------------------------------------------


def build_lookup(path: Path, rows: list[list[object]]) -> Path:
    """A small RMI look-up table (the reference the declarations' names resolve against)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Smelter Look-up"
    sheet.append(
        [
            "Metal",
            "Smelter Look-up (*)",
            "Standard Smelter Names",
            "Smelter Facility Location: Country",
            "Smelter ID",
            "Source of Smelter Identification Number",
            "Smelter Street ",
            "Smelter City",
            "Smelter Facility Location: State / Province",
        ]
    )
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


LIST_HEADER = [
    "Smelter Identification Number Input Column",
    "Metal (*)",
    "Smelter Look-up (*)",
    "Smelter Name (1)",
    "Smelter Country (*)",
    "Smelter Identification",
    "Source of Smelter Identification Number",
    "Smelter Street ",
    "Smelter City",
    "Smelter Facility Location: State / Province",
    "Smelter Contact Name",
    "Smelter Contact Email",
    "Proposed next steps",
    'Name of Mine(s) or if recycled or scrap sourced, enter "recycled" or "scrap"',
    'Location (Country) of Mine(s) or if recycled or scrap sourced, enter "recycled" or "scrap"',
    "Does 100% of the smelter’s feedstock originate from recycled or scrap sources?",
    "Comments",
]


def build_cmrt(path: Path, rows: list[list[object]], company: str = "Example Components Ltd") -> Path:
    book = Workbook()
    decl = book.active
    decl.title = "Declaration"
    decl.append([])
    decl.append(["", "Company Name (*):", "", company])
    decl.append(["", "Declaration Scope or Class (*):", "", "A. Company"])
    decl.append(["", "Contact Name (*):", "", "Jane Example"])
    decl.append(["", "Email – Contact (*):", "", "jane@example.com"])
    decl.append(["", "Effective Date (*):", "", "2024-05-01"])
    decl.append(
        [
            "",
            "1) Is any 3TG intentionally added or used in the product(s)? (*)",
            "",
            "Answer",
            "",
            "",
            "Comments",
        ]
    )
    decl.append(["", "Tin  (*)", "", "Yes", "", "", "solder"])
    smelters = book.create_sheet("Smelter List")
    smelters.append(["", "TO BEGIN:"])
    smelters.append([])
    smelters.append(LIST_HEADER)
    for row in rows:
        smelters.append(row)
    book.save(path)
    return path


def test_cmrt_rows_resolution_and_quarantine(ingest, store, tmp_path: Path):
    ingest(
        "rmi-smelters",
        build_lookup(
            tmp_path / "ref.xlsx",
            [
                [
                    "Tin",
                    "Good Tin Smelter",
                    "Good Tin Smelter",
                    "INDONESIA",
                    "CID009001",
                    "RMI",
                    "",
                    "Pangkal",
                    "Bangka",
                ],
                [
                    "Tin",
                    "Kemuning Tin Refinery",
                    "Kemuning Tin Refinery",
                    "INDONESIA",
                    "CID009004",
                    "RMI",
                    "",
                    "",
                    "",
                ],
            ],
        ),
    )
    no_id = ["", "Tin", "Smelter not listed"]
    report = ingest(
        "cmrt",
        build_cmrt(
            tmp_path / "decl.xlsx",
            [
                [
                    "CID009001",
                    "Tin",
                    "Good Tin Smelter",
                    "",
                    "INDONESIA",
                    "CID009001",
                    "RMI",
                    "",
                    "",
                    "",
                    "A Person",
                    "a.person@example.com",
                    "",
                    "CC, R/S",
                    "CC, R/S",
                    "No",
                    "",
                ],
                [
                    *no_id,
                    "GOOD TIN SMELTER",
                    "INDONESIA",
                    "Unknown",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "Bukit Mine",
                    "Indonesia",
                ],
                [
                    *no_id,
                    "Kemuning Tin Refinery Bangka",
                    "INDONESIA",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "Peru",
                ],
                ["", "Plutonium", "Odd Works", "", "CHINA", "CID009002"],
                ["", "Tin", "Bad Id Works", "", "CHINA", "X-17"],
                [*no_id, "", "CHINA"],
            ],
        ),
    )
    c = report.counts["decl.xlsx"]
    assert (c.read, c.written, c.quarantined) == (6, 3, 3)
    text = Path(report.quarantine_report).read_text(encoding="utf-8")
    assert "metal not recognised,Metal (*),Plutonium" in text
    assert "smelter id is not an RMI id (CIDnnnnnn),Smelter Identification,X-17" in text
    assert "smelter has neither an RMI id nor a name,Smelter Identification" in text
    company = "org:example-components"
    # row 1 by its id, row 2 (no id) by exact normalised name + metal: one link, both ways of knowing
    edge = _edge(store, f"SUPPLIES:rmi:CID009001->{company}#tin")
    assert edge["methods"] == ["declared", "name_match"] and edge["confidence"] == 0.9
    _link(store, "SUPPLIES:cmrt:mine:bukit-mine:ID->rmi:CID009001#tin", "declared", 0.8)
    # no id, no exact name -> a cmrt-local smelter and a scored candidate, never a merge
    local = "cmrt:smelter:tin:kemuning-tin-refinery-bangka"
    _link(store, f"SUPPLIES:{local}->{company}#tin", "declared", 0.9)
    candidates = [e for e in store.iter_edges(types=["SAME_AS_CANDIDATE"]) if local in (e["src"], e["dst"])]
    assert [sorted((e["src"], e["dst"])) for e in candidates] == [sorted((local, "rmi:CID009004"))]
    assert 0.88 <= candidates[0]["score"] <= 1.0
    _link(store, f"SUPPLIES:country:PE->{local}#tin", "declared", 0.6)
    # CC on the first row: ten inferred covered-country links; R/S a category
    assert (
        len([e for e in store.iter_edges(types=["SUPPLIES"]) if e["id"].endswith("CID009001#tin:CC")]) == 10
    )
    _link(store, "SUPPLIES:origin:r-s->rmi:CID009001#tin", "declared", 0.6)
    dump = "\n".join(orjson.dumps(x).decode() for x in [*store.iter_nodes(), *store.iter_edges()])
    assert "Jane Example" not in dump and "A Person" not in dump and not EMAIL.search(dump)
    evidence = orjson.loads(_edge(store, f"SUPPLIES:rmi:CID009001->{company}#tin")["evidence"])
    assert evidence["answers"] == {
        "1) Is any 3TG intentionally added or used in the product(s)?": {"answer": "Yes", "comment": "solder"}
    }


def test_name_match_method(ingest, store, tmp_path: Path):
    ingest(
        "rmi-smelters",
        build_lookup(
            tmp_path / "ref.xlsx",
            [
                ["Tin", "Good Tin Smelter", "Good Tin Smelter", "INDONESIA", "CID009001", "RMI", "", "", ""],
            ],
        ),
    )
    ingest(
        "cmrt",
        build_cmrt(
            tmp_path / "decl.xlsx",
            [
                [
                    "",
                    "Tin",
                    "Smelter not listed",
                    "Good Tin Smelter Ltd.",
                    "INDONESIA",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
            ],
        ),
    )
    _link(store, "SUPPLIES:rmi:CID009001->org:example-components#tin", "name_match", 0.8)


def test_blank_declaring_company_keeps_the_smelter_list(ingest, store, tmp_path: Path):
    """A header that leaves 'Company Name' blank does not throw the smelter list away: an explicit
    placeholder named after the file (or the --declarant name) declares it, with a warning."""
    ingest(
        "rmi-smelters",
        build_lookup(
            tmp_path / "ref.xlsx",
            [["Tin", "Good Tin Smelter", "Good Tin Smelter", "INDONESIA", "CID009001", "RMI", "", "", ""]],
        ),
    )
    rows = [
        ["CID009001", "Tin", "Good Tin Smelter", "Good Tin Smelter", "INDONESIA", "CID009001", "RMI"],
        ["CID009777", "Tin", "Smelter not listed", "Newer Tin Smelter", "INDONESIA", "CID009777", "RMI"],
    ]
    path = build_cmrt(tmp_path / "no_company.xlsx", rows, company="")
    report = ingest("cmrt", path)
    assert report.counts["no_company.xlsx"].written == 2
    newer = store.get_nodes(["rmi:CID009777"])["rmi:CID009777"]  # an id the reference does not know
    assert newer["note"] == "CID not in the RMI reference loaded at ingest" and newer["rmi_id"] == "CID009777"
    assert "note" not in store.get_nodes(["rmi:CID009001"])["rmi:CID009001"] or not store.get_nodes(
        ["rmi:CID009001"]
    )["rmi:CID009001"].get("note")
    placeholder = "cmrt:declarant:no_company"
    node = store.get_nodes([placeholder])[placeholder]
    assert node["name"] == "Undeclared company (no_company.xlsx)" and "placeholder" in node["note"]
    assert [e["dst"] for e in store.iter_edges(types=["SUPPLIES"]) if e["src"] == "rmi:CID009001"] == [
        placeholder
    ]
    assert len(report.warnings) == 1 and "names no company" in report.warnings[0]
    assert "Company Name" in report.warnings[0] and "--declarant" in report.warnings[0]
    source = store.get_nodes([f"source:{report.dataset}"])[f"source:{report.dataset}"]
    assert source["warnings"] == report.warnings
    named = ingest("cmrt", path, declarant="Example Components Ltd", dataset="cmrt-named")
    assert "--declarant" in named.warnings[0]
    edges = [e["dst"] for e in store.iter_edges(types=["SUPPLIES"]) if e["src"] == "rmi:CID009001"]
    assert "org:example-components" in edges


def test_bad_declarations(ingest, tmp_path: Path):
    with pytest.raises(InputFileError, match=r"does not fit source 'cmrt'.*Company Name"):
        ingest("cmrt", build_lookup(tmp_path / "ref.xlsx", []))
    corrupt = tmp_path / "broken.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputFileError, match="does not fit source 'cmrt'"):
        ingest("cmrt", corrupt)
