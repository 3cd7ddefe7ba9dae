"""OCDS on both stores: every packaging, buyers -> contracts -> suppliers, brand mentions, bad input.

Expected values are read from the real files' content (json), never typed in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.settings import REPO_ROOT
from tierwatch.ingest.ocds.mentions import BrandMatcher
from tierwatch.ingest.resolve import Aliases

PACKAGE = "ocds/uk_contracts_finder_release_package_2025-01-23.json"
EXTRA = "ocds/uk_contracts_finder_releases_extra.jsonl"
SCOTLAND = "ocds/uk_scotland_pcs_releases.jsonl"
ARMENIA = "ocds/armenia_armeps_release_package_p6.json"


def releases_of(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return json.loads(path.read_text(encoding="utf-8"))["releases"]


def contracts(store) -> dict[str, dict]:
    return {n["id"]: n for n in store.iter_nodes(types=["Contract"])}


def edges_from(store, rel: str, src: str) -> list[dict]:
    return [e for e in store.iter_edges(types=[rel]) if e["src"] == src]


def check_counts(report, name: str) -> Any:
    c = report.counts[name]
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    return c


# --- the real files ---------------------------------------------------------------------------


def test_release_package(ingest, store, open_data):
    path = open_data / PACKAGE
    rels = releases_of(path)
    report = ingest("ocds", path)
    c = check_counts(report, path.name)
    assert (c.read, c.written) == (len(rels), len(rels))
    assert report.unmapped == {}
    found = contracts(store)
    assert set(found) == {f"ocds:{r['ocid']}" for r in rels}
    # an ocid with several releases is compiled: its rows' locators and the compiled locator
    by_ocid = defaultdict(list)
    for i, r in enumerate(rels):
        by_ocid[r["ocid"]].append(i)
    ocid, positions = next((o, p) for o, p in by_ocid.items() if len(p) > 1)
    locators = {json.loads(p)["locator"] for p in found[f"ocds:{ocid}"]["prov"]}
    assert f"/releases/{positions[0]}" in locators
    assert "compiled " + ",".join(f"/releases/{i}" for i in positions) in locators
    # every awarded supplier with a Companies House number keeps it as an identifier
    release = next(
        r
        for r in rels
        if any(
            (p.get("identifier") or {}).get("scheme") == "GB-COH" and "supplier" in p["roles"]
            for p in r["parties"]
        )
    )
    party = next(
        p for p in release["parties"] if "supplier" in p["roles"] and p.get("identifier", {}).get("id")
    )
    number = party["identifier"]["id"]
    number = number.zfill(8) if number.isdigit() else number  # Companies House numbers: 8 characters
    awarded = edges_from(store, "AWARDED_TO", f"ocds:{release['ocid']}")
    suppliers = store.get_nodes([e["dst"] for e in awarded])
    assert any(f"GB-COH:{number}" in s.get("identifiers", []) for s in suppliers.values())
    assert all(e["confidence"] == 0.9 and e["methods"] == ["declared"] for e in awarded)
    # buyers are linked with their role, and located in the UK
    buyer_edges = edges_from_any(store, "BUYER_OF", f"ocds:{release['ocid']}")
    assert {e["role"] for e in buyer_edges} == {"buyer"}
    buyer = store.get_nodes([buyer_edges[0]["src"]])[buyer_edges[0]["src"]]
    assert buyer["type"] == "PublicBuyer" and buyer["name"] == release["buyer"]["name"]
    assert store.get_edges([f"LOCATED_IN:{buyer['id']}->country:GB"])


def edges_from_any(store, rel: str, dst: str) -> list[dict]:
    return [e for e in store.iter_edges(types=[rel]) if e["dst"] == dst]


def test_barrister_named_canon_is_not_a_brand(ingest, store, open_data):
    path = open_data / PACKAGE
    release = next(r for r in releases_of(path) if "Josef Canon KC" in r["tender"]["title"])
    ingest("ocds", path)
    contract_id = f"ocds:{release['ocid']}"
    assert contract_id in contracts(store)
    assert edges_from(store, "COVERS", contract_id) == []
    assert "org:canon" not in store.get_nodes(["org:canon"])


def test_brand_matching_rules_on_real_text(open_data):
    aliases = Aliases.load(REPO_ROOT / "data" / "aliases.toml")
    matcher = BrandMatcher.build(aliases.raw, [])
    title = next(
        r["tender"]["title"]
        for r in releases_of(open_data / PACKAGE)
        if "Josef Canon KC" in r["tender"]["title"]
    )
    assert matcher.find(title) == []
    assert [m.brand for m in matcher.find("Supply of Canon multifunction printers")] == ["Canon"]
    assert matcher.find("Services of Canon John Smith, cathedral chapter") == []
    assert matcher.find("canon law advice") == []
    assert [m.brand for m in matcher.find("Microsoft 365 licences")] == ["Microsoft"]
    assert [m.brand for m in matcher.find("MICROSOFT licences")] == ["Microsoft"]
    assert matcher.find("Harrison Ford and apple juice") == []
    assert matcher.find("engine rated 90 hp") == []
    assert matcher.find("3 Tesla MRI scanner") == []
    hpe = matcher.find("Hewlett Packard Enterprise servers")
    assert [m.brand for m in hpe] == ["Hewlett Packard Enterprise"]


def test_graph_brands_are_matched_cautiously():
    graph = [{"id": "org:fairphone", "name": "Fairphone"}, {"id": "org:kirby", "name": "Kirby"}]
    matcher = BrandMatcher.build({}, graph)
    found = matcher.find("Supply of Fairphone handsets")
    assert [(m.brand, m.node_id) for m in found] == [("Fairphone", "org:fairphone")]
    assert matcher.find("fairphone handsets") == []  # graph-only names are case-sensitive
    assert matcher.find("Advice from Laura Kirby") == []  # one-word graph names may be surnames


def test_brand_mention_through_the_pipeline(ingest, store, open_data, tmp_path):
    release = json.loads(json.dumps(releases_of(open_data / PACKAGE)[0]))
    release["tender"]["items"][0]["description"] = "40 Lenovo ThinkPad laptops and 2 Canon printers"
    path = _write(tmp_path, "release.json", release)
    ingest("ocds", path)
    covers = {e["dst"]: e for e in edges_from(store, "COVERS", f"ocds:{release['ocid']}")}
    assert set(covers) == {"org:lenovo", "org:canon"}
    assert json.loads(covers["org:canon"]["prov"][0])["locator"] == "/tender/items/0/description"
    assert store.get_nodes(["org:canon"])["org:canon"]["type"] == "Brand"


def test_json_lines_brand_mentions_and_mojibake(ingest, store, open_data):
    path = open_data / EXTRA
    rels = releases_of(path)
    report = ingest("ocds", path)
    c = check_counts(report, path.name)
    assert c.read == len(rels) and report.unmapped == {}
    number, azure = next((n, r) for n, r in enumerate(rels, start=1) if "Azure" in r["tender"]["title"])
    covers = edges_from(store, "COVERS", f"ocds:{azure['ocid']}")
    assert [e["dst"] for e in covers] == ["org:microsoft"]
    edge = covers[0]
    assert edge["methods"] == ["text_mention"] and edge["confidence"] == 0.5
    assert "Azure" in edge["mention"]
    assert json.loads(edge["prov"][0])["locator"] == f"line {number}#/tender/title"
    assert store.get_nodes(["org:microsoft"])["org:microsoft"]["type"] == "Brand"
    # "Â£" (a pound sign read through the wrong code page) is repaired in stored text
    broken = next(r for r in rels if "Â£" in (r["tender"].get("description") or ""))
    stored = contracts(store)[f"ocds:{broken['ocid']}"]
    assert "£" in stored["description"] and "Â£" not in stored["description"]
    assert any("repaired mojibake" in note for note in report.notes)


def test_contract_categories_follow_classification_prefixes(ingest, store, open_data):
    ingest("ocds", open_data / EXTRA, open_data / PACKAGE)
    found = contracts(store).values()
    ict = [n for n in found if any(c.startswith(("CPV:48", "CPV:72")) for c in n.get("classifications", []))]
    vehicles = [n for n in found if any(c.startswith("CPV:341") for c in n.get("classifications", []))]
    assert ict and vehicles
    assert all("ict" in n["categories"] for n in ict)
    assert all("vehicles" in n["categories"] for n in vehicles)
    # works (CPV 45) and services with no goods code: the nature is the category, no supply chain
    plain = [n for n in found if all(c.startswith("CPV:45") for c in n.get("classifications", ["x"]))]
    assert plain and all(n.get("categories") == ["works"] for n in plain)
    legal = [n for n in found if n.get("classifications") == ["CPV:79100000"]]  # legal services
    assert legal and all(n.get("categories") == ["services"] for n in legal)
    goods = [n for n in found if any(c.startswith("CPV:30") for c in n.get("classifications", []))]
    assert goods and not any({"services", "works"} & set(n.get("categories", [])) for n in goods)


def test_scottish_tenders_have_no_supplier_yet(ingest, store, open_data):
    path = open_data / SCOTLAND
    rels = releases_of(path)
    report = ingest("ocds", path)
    check_counts(report, path.name)
    found = contracts(store)
    assert len(found) == len({r["ocid"] for r in rels})
    assert all(n["stage"] == "tender" and n["note"] == "no supplier yet" for n in found.values())
    assert list(store.iter_edges(types=["AWARDED_TO"])) == []
    # buyer kind only from the TED authority type the party states; NUTS region -> United Kingdom
    release = rels[0]
    party = next(p for p in release["parties"] if p["id"] == release["buyer"]["id"])
    stated = next(c["id"] for c in party["details"]["classifications"] if c["scheme"] == "TED_CA_TYPE")
    buyer_id = next(e["src"] for e in edges_from_any(store, "BUYER_OF", f"ocds:{release['ocid']}"))
    buyer = store.get_nodes([buyer_id])[buyer_id]
    assert buyer["kind"] == stated.lower() and buyer["country"] == "GB"


def test_armenian_package(ingest, store, real_data):
    path = real_data / ARMENIA
    rels = releases_of(path)
    report = ingest("ocds", path, licence_class="restricted")
    c = check_counts(report, path.name)
    assert c.read == len(rels) and report.unmapped == {}
    found = contracts(store)
    assert {n["stage"] for n in found.values()} >= {"planning", "contract"}
    release = next(r for r in rels if r.get("awards"))
    supplier_ref = release["awards"][0]["suppliers"][0]
    party = next(p for p in release["parties"] if p["id"] == supplier_ref["id"])
    edges = edges_from(store, "AWARDED_TO", f"ocds:{release['ocid']}")
    node = store.get_nodes([edges[0]["dst"]])[edges[0]["dst"]]
    assert f"AM-TIN:{party['identifier']['id']}" in node["identifiers"] and node["country"] == "AM"
    assert node["licence_class"] == "restricted"
    # individual entrepreneurs (Ա/Ձ, a person's own name) are withheld: personal data
    people = {
        p["name"].strip()
        for r in rels
        for p in r["parties"]
        if "supplier" in p["roles"] and "A/Dz" in p["name"].split()
    }
    assert people
    names = {n.get("name") for n in store.iter_nodes(types=["Company", "Brand"])}
    assert not people & names


def test_reingest_is_noop(ingest, store, open_data):
    ingest("ocds", open_data / PACKAGE, open_data / EXTRA)
    before = canonical_hash(store)
    report = ingest("ocds", open_data / PACKAGE, open_data / EXTRA)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


# --- every packaging, built from real releases ------------------------------------------------


def _group(open_data: Path) -> tuple[str, list[dict]]:
    """An ocid of the real package with several releases, one of them with an award."""
    by_ocid = defaultdict(list)
    for r in releases_of(open_data / PACKAGE):
        by_ocid[r["ocid"]].append(r)
    return next((o, rs) for o, rs in by_ocid.items() if len(rs) > 1 and any(r.get("awards") for r in rs))


def _write(tmp_path: Path, name: str, content: Any, lines: bool = False) -> Path:
    path = tmp_path / name
    if lines:
        path.write_text("".join(json.dumps(x) + "\n" for x in content), encoding="utf-8")
    else:
        path.write_text(json.dumps(content, indent=1), encoding="utf-8")
    return path


def _compiled(releases: list[dict]) -> dict:
    import ocdsmerge

    rules = {("id",): "omitWhenMerged", ("date",): "omitWhenMerged", ("tag",): "omitWhenMerged"}
    return ocdsmerge.Merger(merge_rules=rules).create_compiled_release(releases)


PACKAGINGS = [
    "record-package",
    "record-package-compiled",
    "release",
    "compiled-release",
    "record",
    "release-array",
    "record-lines",
    "release-package-lines",
]


@pytest.mark.parametrize("packaging", PACKAGINGS)
def test_every_packaging(ingest, store, open_data, tmp_path, packaging):
    ocid, rels = _group(open_data)
    latest = max(rels, key=lambda r: r["date"])
    record = {"ocid": ocid, "releases": rels}
    content: dict[str, Any] = {
        "record-package": ({"records": [record]}, False),
        "record-package-compiled": (
            {
                "records": [
                    {
                        "ocid": ocid,
                        "releases": [
                            {"url": "https://example.org/r1", "date": r["date"], "tag": r["tag"]}
                            for r in rels
                        ],
                        "compiledRelease": _compiled(rels),
                    }
                ]
            },
            False,
        ),
        "release": (latest, False),
        "compiled-release": (_compiled(rels), False),
        "record": (record, False),
        "release-array": (rels, False),
        "record-lines": ([record], True),
        "release-package-lines": ([{"releases": rels}], True),
    }
    data, lines = content[packaging]
    path = _write(tmp_path, "publication.data", data, lines)
    report = ingest("ocds", path)
    check_counts(report, path.name)
    contract = contracts(store)[f"ocds:{ocid}"]
    award_release = next(r for r in rels if r.get("awards"))
    assert contract["stage"] == "award"
    supplier = award_release["awards"][0]["suppliers"][0]["name"]
    awarded = edges_from(store, "AWARDED_TO", contract["id"])
    assert [store.get_nodes([e["dst"]])[e["dst"]]["name"] for e in awarded] == [supplier]
    assert edges_from_any(store, "BUYER_OF", contract["id"])


def test_record_with_linked_releases_only_is_quarantined(ingest, tmp_path, open_data):
    ocid, rels = _group(open_data)
    link = {"url": "https://example.org/1", "date": rels[0]["date"], "tag": rels[0]["tag"]}
    linked = {"records": [{"ocid": ocid, "releases": [link]}]}
    report = ingest("ocds", _write(tmp_path, "records.json", linked))
    c = check_counts(report, "records.json")
    assert (c.read, c.quarantined) == (1, 1)
    assert "only linked releases" in Path(report.quarantine_report).read_text()


# --- bad input --------------------------------------------------------------------------------


def test_bad_lines_are_quarantined(ingest, store, open_data, tmp_path):
    rels = releases_of(open_data / EXTRA)
    no_ocid = {k: v for k, v in rels[0].items() if k != "ocid"}
    bad_value = json.loads(json.dumps(rels[1]))
    bad_value["awards"][0]["value"]["amount"] = "about a million"
    extra_field = json.loads(json.dumps(rels[2]))
    extra_field["tender"]["sparkleRating"] = 5
    text = (
        "\n".join(
            [
                json.dumps(rels[3]),
                json.dumps(no_ocid),
                "",
                json.dumps(bad_value),
                "{not json",
                json.dumps(rels[3]),
                json.dumps(extra_field),
            ]
        )
        + "\n"
    )
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    report = ingest("ocds", path)
    c = check_counts(report, "bad.jsonl")
    got = (c.read, c.written, c.quarantined, c.duplicate, c.skipped)
    assert got == (7, 2, 3, 1, 1)  # read, written, quarantined, duplicate, skipped (the blank line)
    quarantine = Path(report.quarantine_report).read_text()
    assert "line 2,not an OCDS release or record: no 'ocid',ocid" in quarantine
    assert "line 4,value amount is not a number,awards/0/value/amount,about a million" in quarantine
    assert "line 5,line is not valid JSON" in quarantine
    assert report.unmapped == {"bad.jsonl": ["tender/sparkleRating"]}


@pytest.mark.parametrize(
    "content",
    ['{"foo": 1, "bar": [1, 2]}', '[{"a": 1}]', "a,b\n1,2\n", '{"releases": [{"title": "no ocid"}]}'],
)
def test_files_that_are_not_ocds_fail_with_one_line(ingest, tmp_path, content):
    path = tmp_path / "input.json"
    path.write_text(content, encoding="utf-8")
    expected = r"does not fit source 'ocds': expected .*release package"
    with pytest.raises(InputFileError, match=expected) as err:
        ingest("ocds", path)
    assert "\n" not in str(err.value)


def test_truncated_package_fails_with_one_line(ingest, tmp_path, open_data):
    text = (open_data / PACKAGE).read_text(encoding="utf-8")
    path = tmp_path / "truncated.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(InputFileError, match="not valid JSON") as err:
        ingest("ocds", path)
    assert "\n" not in str(err.value) and "truncated.json" in str(err.value)
