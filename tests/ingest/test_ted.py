"""TED notices on both stores: TED XML R2.0.9 and eForms (converted and SDK examples), one Contract
per notice chain, buyers, winners per lot, CPV categories, updates, skipped EEIG, bad input.

All files are ingested once per module and store (three runs, as the demo manifest loads them);
expected values are read from the committed files with the standard library's XML parser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.records import Provenance
from tierwatch.graph.settings import Settings
from tierwatch.ingest.runner import run_ingest

from tests.conftest import BACKENDS, OPEN_DATA, empty_store

TED = OPEN_DATA / "ted"
R2, CONVERTED, SDK = TED / "ted-xml-r2", TED / "eforms-converted", TED / "eforms-sdk-examples"
RUNS = (("ted-notices-r2", R2), ("ted-notices-eforms", CONVERTED), ("ted-eforms-sdk-examples", SDK))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find_all(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if _local(e.tag) == name]


def _original_form(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    section = next(e for e in root if _local(e.tag) == "FORM_SECTION")
    return next(f for f in section if f.get("CATEGORY") == "ORIGINAL")


def _doc_id(path: Path) -> str:
    """The OJ S publication number of an R2 notice without leading zeros: "091489-2019" -> "91489-2019"."""
    number, year = ET.parse(path).getroot().get("DOC_ID").split("-")
    return f"{int(number)}-{year}"


def _chain_id(path: Path) -> str:
    """The Contract id of an R2 notice: ted: + the earliest OJ number of it and the notices it names."""
    numbers = [tuple(int(x) for x in reversed(_doc_id(path).split("-")))]
    for ref in _find_all(_original_form(path), "NOTICE_NUMBER_OJ"):
        m = re.match(r"(\d{4})/S\s*\d+\s*-\s*0*(\d+)", ref.text or "")
        if m:
            numbers.append((int(m.group(1)), int(m.group(2))))
    year, number = min(numbers)
    return f"ted:{number}-{year}"


def _key(edge: dict) -> str:
    return edge["id"].split("#", 1)[1]


@pytest.fixture(scope="module", params=BACKENDS)
def ted(request, tmp_path_factory):
    """(store, reports by dataset, settings): every committed TED file, ingested once."""
    tmp = tmp_path_factory.mktemp(f"ted-{request.param}")
    settings = Settings(store_dir=tmp / "store", real_data_dir=None)
    store = empty_store(request.param, settings, request)
    reports = {}
    for dataset, folder in RUNS:
        reports[dataset] = run_ingest("ted", sorted(folder.glob("*.xml")), store, settings, dataset=dataset)
    yield store, reports, settings
    store.close()


def _contracts(store) -> dict[str, dict]:
    return {n["id"]: n for n in store.iter_nodes(types=["Contract"])}


def _edges(store, rel: str) -> list[dict]:
    return list(store.iter_edges(types=[rel]))


def test_every_file_is_read_and_counted(ted):
    _, reports, _ = ted
    for dataset, folder in RUNS:
        report = reports[dataset]
        files = sorted(folder.glob("*.xml"))
        assert report.rows_read == len(files)
        for counts in report.counts.values():
            assert counts.read == counts.written + counts.quarantined + counts.duplicate + counts.skipped
        assert report.quarantined == 0
    eeig = [
        p
        for p in SDK.glob("*.xml")
        if _local(ET.parse(p).getroot().tag) == "BusinessRegistrationInformationNotice"
    ]
    assert len(eeig) == 2
    sdk = reports["ted-eforms-sdk-examples"]
    assert sum(c.skipped for c in sdk.counts.values()) == len(eeig)
    assert any("EEIG" in reason for reason in sdk.skip_reasons)


def test_both_formats_of_a_notice_are_one_contract(ted):
    store, _, _ = ted
    contracts = _contracts(store)
    r2_ids = {f"ted:{_doc_id(p)}" for p in R2.glob("*.xml")}
    # every R2 notice is a Contract, unless it follows a notice named in the chain (then the
    # earliest OJ number names it); the converted eForms copies add none
    by_ojs = {
        i: cid for cid, c in contracts.items() for i in c.get("identifiers", []) if i.startswith("TED-OJS:")
    }
    for p in R2.glob("*.xml"):
        assert f"TED-OJS:{_doc_id(p)}" in by_ojs, p.name
    for p in CONVERTED.glob("*.xml"):
        cid = by_ojs[f"TED-OJS:{_doc_id(R2 / p.name)}"]
        assert {"ted-notices-r2", "ted-notices-eforms"} <= set(contracts[cid]["datasets"]), p.name
    assert len({by_ojs[f"TED-OJS:{_doc_id(p)}"] for p in R2.glob("*.xml")}) <= len(r2_ids)


def test_buyer_country_kind_and_contract_facts(ted):
    store, _, _ = ted
    path = R2 / "21-364240-001-EXP.xml"  # Uppsala kommun, a dynamic purchasing system ended
    form = _original_form(path)
    name = _find_all(form, "OFFICIALNAME")[0].text
    country = _find_all(form, "COUNTRY")[0].get("VALUE")
    buyer_id = f"buyer:{country.lower()}:uppsala-kommun"
    buyer = store.get_nodes([buyer_id])[buyer_id]
    assert (buyer["name"], buyer["country"], buyer["kind"]) == (name, "SE", "regional or local authority")
    cid = _chain_id(path)
    assert any(e["src"] == buyer_id and e["dst"] == cid for e in _edges(store, "BUYER_OF"))
    contract = _contracts(store)[cid]
    cpv_codes = {f"CPV:{c.get('CODE')}" for c in _find_all(form, "CPV_CODE")}
    assert set(contract["classifications"]) == cpv_codes
    assert contract["stage"] == "award" and contract["status"] == "not awarded"  # NO_AWARDED_CONTRACT
    assert "SV" in contract["languages"]


def test_winners_per_lot_with_values(ted):
    store, _, _ = ted
    path = R2 / "22-011421-001-EXP.xml"  # the Translation Centre's framework: 86 awards in 8 lots
    form = _original_form(path)
    expected: dict[str, set[str]] = defaultdict(set)
    for award in _find_all(form, "AWARD_CONTRACT"):
        lot = next(e.text for e in award if _local(e.tag) == "LOT_NO")
        for contractor in _find_all(award, "ADDRESS_CONTRACTOR"):
            number = int(re.match(r"\d+", lot).group(0))
            expected[f"lot LOT-{number:04d}"].add(_find_all(contractor, "OFFICIALNAME")[0].text)
    cid = _chain_id(path)  # the award follows a contract notice: the earliest number names the chain
    awarded = [e for e in _edges(store, "AWARDED_TO") if e["src"] == cid]
    names = {n["id"]: n["name"] for n in store.iter_nodes(types=["Company", "Brand"])}
    got: dict[str, set[str]] = defaultdict(set)
    for e in awarded:
        got[_key(e)].add(names[e["dst"]])
    assert set(got) == set(expected) and len(expected) == 8
    for lot, winners in expected.items():
        assert got[lot] <= winners and got[lot], lot  # natural persons are withheld
    assert all(e.get("value_currency") == "EUR" for e in awarded if e.get("value_amount"))
    lots = _contracts(store)[cid]["lots"]
    assert len(lots) == len(
        _find_all(next(e for e in form if _local(e.tag) == "OBJECT_CONTRACT"), "OBJECT_DESCR")
    )


def test_a_sole_trader_winner_is_withheld(ted):
    store, reports, _ = ted
    names = {n["name"] for n in store.iter_nodes(types=["Company"])}
    assert "Francesco Perlasca" not in names  # a natural person, awarded a lot in 22-109282
    assert "SARL Pierre BRUNEL" in names  # a company named after its owner is a company
    assert any("natural person" in note for note in reports["ted-notices-r2"].notes)


def test_contract_categories_come_from_cpv(ted):
    store, _, _ = ted
    path = R2 / "20-162034-001-EXP.xml"  # mobile telephones
    cid = next(
        c["id"] for c in _contracts(store).values() if f"TED-OJS:{_doc_id(path)}" in c.get("identifiers", [])
    )
    contract = _contracts(store)[cid]
    assert "CPV:32250000" in contract["classifications"]
    assert {"ict", "phones"} <= set(contract["categories"])
    works = [
        c
        for c in _contracts(store).values()
        if c["classifications"] and all(x.startswith("CPV:45") for x in c["classifications"])
    ]
    assert works and all(not c.get("categories") for c in works)


def _files(node: dict) -> set[str]:
    return {Provenance.from_json(p).file for p in node["prov"]}


def test_changes_and_modifications_update_never_duplicate(ted):
    store, reports, _ = ted
    contracts = _contracts(store)

    def changed(name: str) -> str:
        root = ET.parse(SDK / name).getroot()
        ref = next(e.text for e in root.iter() if _local(e.tag) == "ChangedNoticeIdentifier")
        return re.sub(r"-\d{2}$", "", ref)

    void = next(
        c
        for c in contracts.values()
        if f"TED-NOTICE:{changed('change-cn_24_void.xml')}" in c.get("identifiers", [])
    )
    assert void["status"] == "cancelled"  # the change notice's reason code is "cancel"
    assert {"cn_24_minimal.xml", "change-cn_24_void.xml"} <= _files(void)
    modified = next(
        c
        for c in contracts.values()
        if f"TED-NOTICE:{changed('can-modif_23.xml')}" in c.get("identifiers", [])
    )
    assert modified["stage"] == "contract" and {"can-modif_23.xml", "can-modif_25.xml"} <= _files(modified)
    sdk = reports["ted-eforms-sdk-examples"]
    notices = sum(c.written for c in sdk.counts.values())
    sdk_contracts = {c["id"] for c in contracts.values() if "ted-eforms-sdk-examples" in c["datasets"]}
    assert len(sdk_contracts) < notices  # changes and modifications joined what they amend


def test_unmapped_elements_are_listed_once_per_format(ted):
    _, reports, _ = ted
    from tierwatch.ingest.runner import load_pipeline

    spec = load_pipeline("ted").spec
    known = set(spec.columns["mapped"]) | set(spec.columns["ignored"])
    r2 = reports["ted-notices-r2"].unmapped
    assert list(r2) == [f"TED XML R2.0.x ({len(list(R2.glob('*.xml')))} files)"]
    listed = next(iter(r2.values()))
    assert "AC_AWARD_CRIT" in listed and not set(listed) & known
    assert "E_MAIL" not in listed and "OFFICIALNAME" not in listed
    eforms = next(iter(reports["ted-notices-eforms"].unmapped.values()))
    assert "cbc:ElectronicMail" not in eforms and "cbc:Name" not in eforms


def test_reingest_is_a_no_op(ted):
    store, _, settings = ted
    before = canonical_hash(store)
    again = run_ingest("ted", sorted(CONVERTED.glob("*.xml")), store, settings, dataset="ted-notices-eforms")
    assert again.nodes_created + again.nodes_updated + again.edges_created + again.edges_updated == 0
    assert canonical_hash(store) == before


def test_brand_named_in_another_language_is_a_low_confidence_mention(ingest, store, tmp_path):
    source = (SDK / "cn_24_multilingual.xml").read_text(encoding="utf-8")
    names = re.findall(r'<cbc:Name languageID="([A-Z]{3})">', source)
    assert len(set(names)) > 1
    lang = names[-1]
    edited = re.sub(
        rf'(<cac:ProcurementProject>.*?<cbc:Name languageID="{lang}">)([^<]*)',
        r"\1Lieferung von Dell Notebooks",
        source,
        count=1,
        flags=re.S,
    )
    path = tmp_path / "notice.xml"
    path.write_text(edited, encoding="utf-8")
    ingest("ted", path)
    covers = _edges(store, "COVERS")
    assert len(covers) == 1 and covers[0]["confidence"] == 0.5 and covers[0]["methods"] == ["text_mention"]
    assert "Dell" in covers[0]["mention"]


def test_bad_files_name_the_file(ingest, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_bytes((R2 / "21-364240-001-EXP.xml").read_bytes()[:3000])
    with pytest.raises(InputFileError, match=r"broken\.xml.*not well-formed"):
        ingest("ted", broken)
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE TED_EXPORT [<!ENTITY a "aaaa">]><TED_EXPORT>&a;</TED_EXPORT>'
    )
    with pytest.raises(InputFileError, match=r"bomb\.xml.*unsafe"):
        ingest("ted", bomb)
    other = tmp_path / "other.xml"
    other.write_text("<Invoice/>")
    with pytest.raises(InputFileError, match="does not fit source 'ted'"):
        ingest("ted", other)


def test_a_buyer_in_ocds_and_ted_is_one_entity(ingest, store, open_data):
    ted = R2 / "20-566267-001-EXP.xml"
    form = _original_form(ted)
    names = [e.text for e in _find_all(form, "OFFICIALNAME")]
    assert "Liverpool City Council" in names
    ingest("ocds", open_data / "ocds/uk_contracts_finder_release_package_2025-01-23.json", dataset="cf")
    ingest("ted", ted, dataset="ted-one")
    buyers = [n for n in store.iter_nodes(types=["PublicBuyer"]) if n["name"] == "Liverpool City Council"]
    assert len(buyers) == 1 and {"cf", "ted-one"} <= set(buyers[0]["datasets"])
    contracts = {e["dst"] for e in _edges(store, "BUYER_OF") if e["src"] == buyers[0]["id"]}
    assert any(c.startswith("ted:") for c in contracts) and any(c.startswith("ocds:") for c in contracts)
