"""UFLPA, CBP WRO/Findings and BIS Entity List on both stores.

Expected values are read from the real files at test time (the UFLPA page is open and committed;
the parsed lists are restricted and read from the real-data directory).
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import fold, normalise_name, slug
from tierwatch.ingest.runner import available_sources
from tierwatch.ingest.us_lists.bis_entities import PERSON_SKIP, PersonRule, citations
from tierwatch.ingest.us_lists.common import parse_date, split_listing

LISTS = "risk/forced_labour_lists"
PAGE = f"{LISTS}/dhs_uflpa_entity_list_page_2026-07-09.html"
UFLPA_JSON = f"{LISTS}/dhs_uflpa_entity_list_parsed_2026-07-09.json"
CBP = f"{LISTS}/cbp_wro_findings_parsed_2026-06-23.json"
BIS = f"{LISTS}/bis_entity_list_ecfr_parsed_2026-07.json"
RMI = "smelters/rmi_templates"


def _restricted(real_data: Path, rel: str) -> Path:
    path = real_data / rel
    if not path.exists():
        pytest.skip(f"{rel} not in the real-data directory")
    return path


def _page_rows(open_data: Path) -> list[tuple[str, str]]:
    html = (open_data / PAGE).read_text(encoding="utf-8")
    return [(unescape(a), b) for a, b in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", html)]


# -- UFLPA ------------------------------------------------------------------------------------
def test_uflpa_page_listings(ingest, store, open_data):
    rows = _page_rows(open_data)
    report = ingest("uflpa", open_data / PAGE)
    c = report.counts[Path(PAGE).name]
    assert c.read == len(rows)
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    zijin_text, zijin_date = next(r for r in rows if r[0].startswith("Zijin Mining Group"))
    fid = f"uflpa:finding:{slug(split_listing(zijin_text).name)}:v"
    finding = store.get_nodes([fid])[fid]
    assert finding["category"] == "forced_labour" and finding["list_name"] == "UFLPA Entity List"
    assert finding["date"] == parse_date(zijin_date) and finding["date_precision"] == "day"
    assert finding["list_section"] == "Sec. 2(d)(2)(B)(v)"
    assert zijin_text in finding["evidence"]
    target = finding["scope_entity"]
    assert store.get_edges([f"CONCERNS:{fid}->{target}"])
    haolin = next(r[0] for r in rows if r[0].startswith("Hetian Haolin") and "alias" in r[0])
    company = store.get_nodes([f"org:{slug(split_listing(haolin).name)}"])
    aliases = next(iter(company.values()))["aliases"]
    assert aliases and all(a in haolin for a in aliases)


def test_uflpa_group_offers_ownership_to_units(ingest, store, open_data):
    """Western Gold is listed, and so are its Hami and Karamay gold mines: scored candidates."""
    rows = _page_rows(open_data)
    names = [split_listing(r[0]).name for r in rows]
    group = next(n for n in names if normalise_name(n) == "western gold")
    units = {n for n in names if normalise_name(n).startswith("western gold ")}
    ingest("uflpa", open_data / PAGE)
    edges = [e for e in store.iter_edges(types=["OWNERSHIP_CANDIDATE"]) if e["src"] == f"org:{slug(group)}"]
    assert {e["dst"] for e in edges} == {f"org:{slug(u)}" for u in units}
    assert all(0 < e["score"] < 1 and "not confirmed" in e["evidence"] for e in edges)


def test_uflpa_zijin_reaches_its_gold_smelter(ingest, store, real_data, open_data):
    if "rmi-smelters" not in available_sources():
        pytest.skip("rmi-smelters pipeline not in this tree yet")
    templates = sorted((_restricted(real_data, RMI)).glob("*.xlsx"))
    ingest("rmi-smelters", *templates)
    smelter = store.get_nodes(["rmi:CID002243"])["rmi:CID002243"]
    assert "zijin mining group" in normalise_name(smelter["name"])
    ingest("uflpa", open_data / PAGE)
    edges = store.get_edges(["OWNERSHIP_CANDIDATE:org:zijin-mining-group->rmi:CID002243"])
    edge = edges["OWNERSHIP_CANDIDATE:org:zijin-mining-group->rmi:CID002243"]
    assert 0.5 < edge["score"] < 1 and edge["methods"] == ["name_match"]


def test_uflpa_parsed_json_converges_with_page(ingest, store, real_data, open_data):
    parsed = _restricted(real_data, UFLPA_JSON)
    ingest("uflpa", open_data / PAGE)
    findings = {n["id"] for n in store.iter_nodes(types=["RiskFinding"])}
    report = ingest("uflpa", parsed, dataset="dhs-uflpa-parsed-2026-07-09", licence_class="restricted")
    c = report.counts[parsed.name]
    assert c.read == len(json.loads(parsed.read_text(encoding="utf-8"))["entities"])
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    after = {n["id"] for n in store.iter_nodes(types=["RiskFinding"])}
    assert after == findings  # the parse names the same listings: same ids, no new findings
    zijin = store.get_nodes(["uflpa:finding:zijin-mining-group:v"])["uflpa:finding:zijin-mining-group:v"]
    assert sorted(zijin["datasets"]) == ["dhs-uflpa-entity-list-2026-07-09", "dhs-uflpa-parsed-2026-07-09"]


def test_uflpa_reingest_is_noop(ingest, store, open_data):
    ingest("uflpa", open_data / PAGE)
    before = canonical_hash(store)
    report = ingest("uflpa", open_data / PAGE)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


# -- CBP --------------------------------------------------------------------------------------
def test_cbp_drc_artisanal_gold_is_country_scoped(ingest, store, real_data, open_data):
    path = _restricted(real_data, CBP)
    entries = json.loads(path.read_text(encoding="utf-8"))["entities"]
    drc = next(e for e in entries if "Congo" in e["country"] and "Merchandise: Gold" in e["notes"])
    ingest("uflpa", open_data / PAGE)
    report = ingest("cbp-wro", path)
    c = report.counts[path.name]
    assert c.read == len(entries) and c.read == c.written + c.quarantined + c.duplicate + c.skipped
    assert any("incomplete" in note for note in report.notes)
    scoped = [n for n in store.iter_nodes(types=["RiskFinding"]) if n["id"].startswith("cbp:finding:cd:")]
    assert len(scoped) == 1
    finding = scoped[0]
    assert finding["scope_kind"] == "country" and finding["scope_country"] == "CD"
    assert finding["scope_commodity"] == "commodity:gold" and finding["date"] == drc["effective_date"]
    assert finding["list_status"] == drc["status"] and finding["category"] == "forced_labour"
    assert store.get_edges([f"CONCERNS:{finding['id']}->country:CD"])
    # Hefei Bitland: one company under both lists
    bitland = next(e for e in entries if e["name"].startswith("Hefei Bitland"))
    fid = f"cbp:finding:{slug(bitland['name'])}:{bitland['effective_date']}"
    assert store.get_nodes([fid])[fid]["scope_entity"] == "org:hefei-bitland-information-technology"
    findings = store.iter_nodes(types=["RiskFinding"])
    uflpa = [n for n in findings if n["id"].startswith("uflpa:finding:hefei-bitland")]
    assert uflpa and all(n["scope_entity"] == "org:hefei-bitland-information-technology" for n in uflpa)


def test_cbp_reingest_is_noop(ingest, store, real_data):
    path = _restricted(real_data, CBP)
    ingest("cbp-wro", path)
    before = canonical_hash(store)
    ingest("cbp-wro", path)
    assert canonical_hash(store) == before


# -- BIS --------------------------------------------------------------------------------------
def test_bis_entities_people_skipped_addresses_kept(ingest, store, real_data):
    path = _restricted(real_data, BIS)
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data["entities"]
    rule = PersonRule({}, entries)  # the shape rule without the spec's word list: a superset check below
    report = ingest("bis-entities", path)
    c = report.counts[path.name]
    assert c.read == len(entries) and c.read == c.written + c.quarantined + c.duplicate + c.skipped
    assert report.skip_reasons[PERSON_SKIP] == c.skipped > 0
    # no personal name is stored anywhere: every skipped name is absent from node names and aliases
    # (compared folded, not normalised: "Khalil Zadran Company" is a company's name, kept)
    stored = {fold(n.get("name") or "") for n in store.iter_nodes()}
    stored |= {fold(a) for n in store.iter_nodes() for a in n.get("aliases", [])}
    spec_rule = PersonRule(_spec_persons(), entries)
    skipped = [e for e in entries if spec_rule.is_person(e)]
    assert len(skipped) == c.skipped
    assert not any(fold(e["name"]) in stored for e in skipped)
    assert len(skipped) <= sum(rule.is_person(e) for e in entries)
    hoshine = next(e for e in entries if e["name"].startswith("Hoshine Silicon"))
    fid = f"bis:finding:{slug(split_listing(hoshine['name']).name)}:cn"
    finding = store.get_nodes([fid])[fid]
    assert finding["category"] == "forced_labour"  # added by the June 2021 forced-labour rule
    assert finding["date"] == citations(hoshine["federal_register"])[0][1]
    daqo = next(e for e in entries if e["name"].startswith("Xinjiang Daqo") and e["address"])
    company = store.get_nodes([f"org:{slug(split_listing(daqo['name']).name)}"])
    assert next(iter(company.values()))["address"] == " ".join(daqo["address"].split())
    first_org = next(e for e in entries if not spec_rule.is_person(e))
    oid = f"bis:finding:{slug(split_listing(first_org['name']).name)}:"
    assert any(
        n["id"].startswith(oid) and n["category"] == "export_control"
        for n in store.iter_nodes(types=["RiskFinding"])
    )


def _spec_persons() -> dict:
    import tomllib

    from tierwatch.ingest.us_lists import bis_entities

    spec = Path(bis_entities.__file__).parent / bis_entities.SPEC_FILE
    return tomllib.loads(spec.read_text(encoding="utf-8"))["persons"]


def test_bis_person_rule_on_a_built_file(ingest, store, tmp_path: Path):
    entries = [
        {
            "name": "Ivan Petrovich Sidorov",
            "aliases": ["Ivan Sidorov"],
            "country": "Russia",
            "address": "Moscow",
            "status": None,
            "effective_date": None,
            "federal_register": "89 FR 14388, 2/27/24",
            "notes": "All items",
        },
        {
            "name": "Acme Trading Co., Ltd.",
            "aliases": [],
            "country": "Narnia",
            "address": "x",
            "status": None,
            "effective_date": None,
            "federal_register": None,
            "notes": "All items",
        },
        {
            "name": "Acme Optics LLC",
            "aliases": [],
            "country": "Russia",
            "address": "1 Lenin St, Moscow",
            "status": None,
            "effective_date": None,
            "federal_register": "89 FR 14388, 2/27/24",
            "notes": "All items",
        },
    ]
    path = tmp_path / "entity_list.json"
    path.write_text(json.dumps({"list_id": "bis-entity-list", "entities": entries}), encoding="utf-8")
    report = ingest("bis-entities", path)
    c = report.counts["entity_list.json"]
    assert (c.read, c.skipped, c.quarantined, c.written) == (3, 1, 1, 1)
    assert "Narnia" in Path(report.quarantine_report).read_text(encoding="utf-8")
    assert not any("sidorov" in (n.get("name") or "").lower() for n in store.iter_nodes())
    finding = store.get_nodes(["bis:finding:acme-optics:ru"])["bis:finding:acme-optics:ru"]
    assert (finding["date"], finding["category"]) == ("2024-02-27", "export_control")


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["uflpa", "cbp-wro", "bis-entities"])
def test_lists_reject_files_that_fit_no_role(ingest, tmp_path: Path, source: str):
    other = tmp_path / "list.json"
    other.write_text(json.dumps({"list_id": "somebody-else", "entities": [{"name": "x"}]}), encoding="utf-8")
    with pytest.raises(InputFileError, match=f"does not fit source '{source}'"):
        ingest(source, other)
    broken = tmp_path / "broken.json"
    broken.write_text('{"list_id": "dhs-uflpa", "entities": [', encoding="utf-8")
    with pytest.raises(InputFileError):
        ingest(source, broken)
    page = tmp_path / "page.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>Other</title></head><body><table></table></body></html>"
    )
    with pytest.raises(InputFileError, match="expected"):
        ingest(source, page)
