"""RMI smelter reference (Smelter Look-up of CMRT/EMRT templates) on both stores.

Real files are restricted (real_data fixture); parser tests build small workbooks in tmp_path in
the templates' layout: a localised look-up sheet plus the translation sheet templates carry.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from openpyxl import Workbook
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError

TEMPLATES = "smelters/rmi_templates"
FILES = ("RMI_CMRT_6.4_blank_en.xlsx", "RMI_CMRT_6.5.xlsx", "RMI_EMRT_2.1.xlsx")


def _files(real_data: Path) -> list[Path]:
    return [real_data / TEMPLATES / name for name in FILES]


def _prov_files(element: dict) -> set[str]:
    return {orjson.loads(p)["file"] for p in element["prov"]}


def test_reference_from_three_templates(ingest, store, real_data):
    report = ingest("rmi-smelters", *_files(real_data))
    for name in FILES:
        c = report.counts[name]
        assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
        assert c.quarantined == 0
    # each metal's two drop-down placeholders are skipped, with the reason: 4 metals + 4 + 6
    assert sum(report.skip_reasons.values()) == 8 + 8 + 12
    assert report.unmapped == {}
    perth = store.get_nodes(["rmi:CID002030"])["rmi:CID002030"]
    assert perth["name"] == "Western Australian Mint (T/a The Perth Mint)"
    assert {"AGR Mathey", "Perth Mint"} <= set(perth["aliases"])  # every known-as name is kept
    assert perth["country"] == "AU" and perth["commodities"] == ["commodity:gold"]
    assert store.get_edges(["LOCATED_IN:rmi:CID002030->country:AU"])
    # the English 6.4 and the Chinese-interface 6.5 both list Ulba: one node, both files in provenance
    ulba = store.get_nodes(["rmi:CID001969"])["rmi:CID001969"]
    assert ulba["country"] == "KZ" and ulba["metal"] == "tantalum"
    assert {"RMI_CMRT_6.4_blank_en.xlsx", "RMI_CMRT_6.5.xlsx"} <= _prov_files(ulba)
    # EMRT 2.1's country header cell is broken (a stray 0): the column is found by its values
    chemaf = store.get_nodes(["rmi:CID003264"])["rmi:CID003264"]
    assert chemaf["country"] == "CD" and chemaf["commodities"] == ["commodity:cobalt"]
    # "BOLIVIA (PLURINATIONAL STATE OF)" resolves
    assert store.get_nodes(["rmi:CID000438"])["rmi:CID000438"]["country"] == "BO"


def test_chinese_interface_template_alone(ingest, store, real_data):
    report = ingest("rmi-smelters", real_data / TEMPLATES / "RMI_CMRT_6.5.xlsx")
    c = report.counts["RMI_CMRT_6.5.xlsx"]
    assert c.written > 600 and c.quarantined == 0
    assert report.unmapped == {}  # Chinese headers were mapped back to English through the template
    node = store.get_nodes(["rmi:CID002082"])["rmi:CID002082"]
    assert node["name"] == "Xiamen Tungsten Co., Ltd." and node["country"] == "CN"


def test_reingest_is_noop(ingest, store, real_data):
    ingest("rmi-smelters", *_files(real_data))
    before = canonical_hash(store)
    report = ingest("rmi-smelters", *_files(real_data))
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


# -- small workbooks in the template layout ---------------------------------------------------

ZH_HEADER = [
    "金属",
    "冶炼厂查找 (*)",
    "标准冶炼厂名称",
    "冶炼厂地址：国家或地区",
    "冶炼厂 ID",
    "冶炼厂出处识别号",
    "冶炼厂所在街道",
    "冶炼厂所在城市",
    "冶炼厂地址：州/省",
    "METAL+Alias",
]
EN_HEADER = [
    "Metal",
    "Smelter Look-up (*)",
    "Standard Smelter Names",
    "Smelter Facility Location: Country",
    "Smelter ID",
    "Source of Smelter Identification Number",
    "Smelter Street ",
    "Smelter City",
    "Smelter Facility Location: State / Province",
    "METAL+Alias",
]


def build_lookup(
    path: Path, rows: list[list[object]], *, chinese: bool = True, extra_column: bool = False
) -> Path:
    """A workbook laid out like an RMI template's look-up sheet (localised sheet name and header)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "冶炼厂查找" if chinese else "Lookup"
    sheet.append(["说明 / notes"])
    sheet.append([])
    header = (ZH_HEADER if chinese else EN_HEADER) + (["Extra"] if extra_column else [])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if chinese:
        lang = book.create_sheet("L")
        lang.append(["", "Sheets", "Cells", "English", "中文 Chinese"])
        for en, zh in zip(EN_HEADER, ZH_HEADER, strict=True):
            lang.append(["x", "Smelter Look-up", "", en, zh])
    book.save(path)
    return path


def test_localised_lookup_rows(ingest, store, tmp_path: Path):
    path = build_lookup(
        tmp_path / "lookup.xlsx",
        [
            [
                "Tin",
                "Alias Tin Works",
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
                "Gold",
                "Good Tin Smelter",
                "Good Tin Smelter",
                "INDONESIA",
                "CID009001",
                "RMI",
                "",
                "Pangkal",
                "Bangka",
            ],
            ["Tin", "Smelter not listed", "", "", "", "", "", "", ""],
            ["Tin", "Nameless Id Works", "Nameless Id Works", "CHINA", "", "RMI", "", "", ""],
            ["Tin", "Bad Id Works", "Bad Id Works", "CHINA", "X-17", "RMI", "", "", ""],
            ["Plutonium", "Odd Works", "Odd Works", "CHINA", "CID009002", "RMI", "", "", ""],
        ],
    )
    report = ingest("rmi-smelters", path)
    c = report.counts["lookup.xlsx"]
    assert (c.read, c.written, c.duplicate, c.skipped, c.quarantined) == (8, 3, 1, 1, 3)
    text = Path(report.quarantine_report).read_text(encoding="utf-8")
    assert "no smelter id (CID),Smelter ID,Nameless Id Works" in text
    assert "smelter id is not an RMI id (CIDnnnnnn),Smelter ID,X-17" in text
    assert "metal not recognised,Metal,Plutonium" in text
    node = store.get_nodes(["rmi:CID009001"])["rmi:CID009001"]
    assert node["name"] == "Good Tin Smelter" and node["aliases"] == ["Alias Tin Works", "Good Tin Smelter"]
    assert node["commodities"] == ["commodity:gold", "commodity:tin"]  # one id, two metals: merged
    assert node["country"] == "ID" and node["city"] == "Pangkal"


def test_extra_column_is_reported_unmapped(ingest, tmp_path: Path):
    path = build_lookup(
        tmp_path / "lookup_en.xlsx",
        [
            [
                "Gold",
                "Some Refinery",
                "Some Refinery",
                "JAPAN",
                "CID009003",
                "RMI",
                "",
                "Tokyo",
                "Tokyo",
                "",
                "x",
            ],
        ],
        chinese=False,
        extra_column=True,
    )
    report = ingest("rmi-smelters", path)
    assert report.counts["lookup_en.xlsx"].written == 1
    assert report.unmapped == {"lookup_en.xlsx": ["Extra"]}


def test_files_that_fit_no_role(ingest, tmp_path: Path):
    corrupt = tmp_path / "broken.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputFileError, match=r"does not fit source 'rmi-smelters'.*Smelter ID"):
        ingest("rmi-smelters", corrupt)
    other = tmp_path / "other.xlsx"
    book = Workbook()
    book.active.append(["Name", "Country"])
    book.active.append(["Foo", "Japan"])
    book.save(other)
    with pytest.raises(InputFileError, match="does not fit source 'rmi-smelters'"):
        ingest("rmi-smelters", other)
