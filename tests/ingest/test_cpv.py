"""The CPV -> contract category table (ingest/vocab/cpv_categories.toml) on the real codes of the
procurement files: OCDS (committed) and TED (labels as TED publishes them next to each code)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tierwatch.graph.query.exposure import CHAINS
from tierwatch.ingest import cpv

OCDS_FILES = (
    "ocds/uk_contracts_finder_release_package_2025-01-23.json",
    "ocds/uk_contracts_finder_releases_extra.jsonl",
    "ocds/uk_scotland_pcs_releases.jsonl",
)
TED_R2 = "ted/ted-xml-r2"
_LABELLED = re.compile(r'<ORIGINAL_CPV CODE="(\d+)">([^<]*)<')


def _ocds_classifications(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    docs = (
        [json.loads(line) for line in text.splitlines() if line.strip()]
        if path.suffix == ".jsonl"
        else [json.loads(text)]
    )
    out: list[dict] = []

    def walk(value):
        if isinstance(value, dict):
            if "scheme" in value and "id" in value and str(value["scheme"]).upper().startswith("CPV"):
                out.append(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(docs)
    return out


def _ted_labels(base: Path) -> dict[str, str]:
    folder = base / TED_R2
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.xml")):
        found.update(_LABELLED.findall(path.read_text(encoding="utf-8")))
    return found


@pytest.fixture(scope="module")
def ted_labels(open_data: Path) -> dict[str, str]:
    return _ted_labels(open_data)


def test_every_cpv_code_of_the_ocds_files_is_read(open_data):
    classes = [c for name in OCDS_FILES for c in _ocds_classifications(open_data / name)]
    assert len(classes) > 100
    for c in classes:
        code = f"{c['scheme']}:{c['id']}"
        assert cpv.normalise(code) == str(c["id"])[:8], code
        assert cpv.nature(code) in cpv.NATURES


def test_the_forms_sources_write_give_one_answer():
    forms = ["32250000", "32250000-0", "CPV:32250000", "cpv:32250000-0", "CPV-AM:32250000/5", " 32250000 "]
    assert {tuple(cpv.categories_for([f])) for f in forms} == {("ict", "phones")}
    info = cpv.classify(["COFOG:07.3", "not a code", "3225", "UNSPSC:43191501"])
    assert info.unrecognised == ["COFOG:07.3", "not a code", "3225"]
    assert info.categories == ["ict", "phones"] and info.cpv == [] and not info.is_goods


def test_ted_labels_agree_with_categories_and_nature(ted_labels):
    assert len(ted_labels) > 150
    for code, label in ted_labels.items():
        nature = cpv.nature(code)
        if code.startswith("45"):
            assert nature == "works", (code, label)
        elif "services" in label.lower():
            assert nature == "services", (code, label)
        cats = cpv.categories_for([code])
        if label.startswith(("Mobile telephone", "Telephone sets", "GSM telephones")):
            assert "phones" in cats and "ict" in cats, (code, label)
        if label.startswith(("Buses", "Motor vehicles", "Passenger cars")):
            assert cats == ["vehicles"], (code, label)
        if code.startswith("45") or code[:2] in ("71", "79", "80", "85", "90"):
            assert cats == [], (code, label)  # works, architecture, business, education, health services
    by_label = {label: code for code, label in ted_labels.items()}
    assert cpv.categories_for([by_label["Laboratory reagents"]]) == ["pharmaceuticals"]
    assert cpv.categories_for([by_label["Information technology services"]]) == ["ict"]
    assert cpv.is_goods([by_label["Mobile telephones"], by_label["Construction work"]])
    assert not cpv.is_goods([by_label["Construction work"], by_label["Engineering services"]])


def test_longest_prefix_wins_and_lists_keep_both():
    assert cpv.categories_for(["33141420"]) == ["gloves", "medical_devices"]  # surgical gloves
    assert cpv.categories_for(["33141000"]) == ["medical_devices"]
    assert cpv.categories_for(["31434000-8", "34144900"]) == ["batteries", "vehicles"]
    assert cpv.categories_for(["30213100-6", "45000000"]) == ["ict"]
    assert cpv.categories_for([]) == [] and not cpv.is_goods([])


def test_table_is_versioned_and_its_chains_exist():
    table = cpv.table()
    assert table.version
    for name, cat in table.categories.items():
        assert cat.description, name
        assert cat.chain is None or cat.chain in CHAINS, name
    used = {c for rows in table.prefixes.values() for cats in rows.values() for c in cats}
    assert used == set(table.categories), "every category is used, every used category is listed"
    assert cpv.chain_for("phones") == "ict" and cpv.chain_for("medical_devices") is None


def test_coverage_chains_follow_the_table():
    """The query layer's category -> chain map (graph/ cannot import ingest/) is the table's."""
    from tierwatch.graph.query.exposure import CATEGORY_CHAINS

    table = {c: cpv.chain_for(c) for c in cpv.table().categories}
    assert {c: ch for c, ch in table.items() if ch} == CATEGORY_CHAINS
