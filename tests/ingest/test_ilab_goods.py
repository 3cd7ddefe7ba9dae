"""ILAB's goods list on both stores: country x good findings, forms and parents, the derived tier-n entry."""

from __future__ import annotations

import tomllib
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.settings import REPO_ROOT

ILAB = "risk/ilab_tvpra_goods_list_dol_app_2021-2023.xml"
FLAGS = {
    "Child_Labor": "child_labour",
    "Forced_Labor": "forced_labour",
    "Forced_Child_Labor": "forced_child_labour",
}


def _dataset(path: str) -> str:
    manifest = tomllib.loads((REPO_ROOT / "data" / "manifest.toml").read_text(encoding="utf-8"))
    return next(d["dataset"] for d in manifest["dataset"] if any(f["path"] == path for f in d["file"]))


def _entries(path: Path) -> list[tuple[str, dict[str, str]]]:
    root = ET.parse(str(path)).getroot()
    return [
        (g.findtext("Good_Name"), {e.tag: (e.text or "") for e in c})
        for g in root
        for c in g.find("Countries")
    ]


def _findings(store, **match):
    return [
        n for n in store.iter_nodes(types=["RiskFinding"]) if all(n.get(k) == v for k, v in match.items())
    ]


def test_ilab_counts_and_coltan_finding(ingest, store, open_data):
    path = open_data / ILAB
    report = ingest("ilab-goods", path, dataset=_dataset(ILAB))
    entries = _entries(path)
    c = report.counts[path.name]
    assert c.read == len(entries)
    assert c.read == c.written + c.quarantined + c.duplicate + c.skipped
    assert report.unmapped == {}
    flagged = sum(1 for _, e in entries for tag in FLAGS if e[tag] == "Yes")
    derived = [(g, e) for g, e in entries if e["Derived_Labor_Exploitation"] == "Yes"]
    findings = _findings(store)
    assert len([f for f in findings if ":derived:" not in f["id"]]) == flagged
    # coltan from DR Congo: each category the file flags, scoped to coltan, never to copper
    coltan = next(
        e for g, e in entries if g.startswith("Tantalum ore") and e["Country_Name"].startswith("Congo, Dem")
    )
    expected = sorted(cat for tag, cat in FLAGS.items() if coltan[tag] == "Yes")
    got = _findings(store, scope_country="CD", scope_commodity="commodity:coltan")
    assert sorted(f["category"] for f in got) == expected and expected
    assert all(f["date"] == "2022" and f["date_precision"] == "year" and f["access"] == "public" for f in got)
    assert all("Tantalum ore (coltan)" in f["evidence"] for f in got)
    about = [e for e in store.iter_edges(types=["ABOUT"]) if e["src"] == got[0]["id"]]
    assert [e["dst"] for e in about] == ["commodity:coltan"]
    concerns = [e for e in store.iter_edges(types=["CONCERNS"]) if e["src"] == got[0]["id"]]
    assert [e["dst"] for e in concerns] == ["country:CD"]
    assert "commodity:tantalum" in store.get_nodes(["commodity:coltan"])["commodity:coltan"]["parents"]
    copper = _findings(store, scope_country="CD", scope_commodity="commodity:copper")
    assert copper and not {f["id"] for f in copper} & {f["id"] for f in got}
    assert len(derived) == len({(g, e["Country_Name"]) for g, e in derived}) > 0


def test_ilab_derived_lithium_ion_batteries(ingest, store, open_data):
    path = open_data / ILAB
    ingest("ilab-goods", path, dataset=_dataset(ILAB))
    entry = next(e for g, e in _entries(path) if g == "Lithium-Ion Batteries")
    assert entry["Derived_Labor_Exploitation"] == "Yes"
    cobalt = next(
        e
        for g, e in _entries(path)
        if g.startswith("Cobalt ore") and e["Country_Name"] == entry["Derived_Country"]
    )
    derived = _findings(store, scope_commodity="commodity:lithium-ion-batteries")
    assert derived, "the derived entry became no finding"
    for f in derived:
        assert f["scope_country"] == "CN" and f["derived_from_country"] == "CD"
        assert f["derived_from_commodity"] == "commodity:cobalt-ore"
        assert f["category"] in [cat for tag, cat in FLAGS.items() if cobalt[tag] == "Yes"]
        assert entry["Derived_Country"] in f["evidence"] and f["confidence"] == 0.8
        targets = sorted(e["dst"] for e in store.iter_edges(types=["CONCERNS"]) if e["src"] == f["id"])
        assert targets == ["country:CD", "country:CN"]
    # no entity is invented for a country-level tier-n fact
    assert not list(store.iter_edges(types=["SUPPLIES"]))
    assert not list(store.iter_nodes(types=["Company", "Facility", "Mine", "Smelter"]))


def test_ilab_reingest_is_noop(ingest, store, open_data):
    ingest("ilab-goods", open_data / ILAB, dataset=_dataset(ILAB))
    before = canonical_hash(store)
    report = ingest("ilab-goods", open_data / ILAB, dataset=_dataset(ILAB))
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def _good(name: str, country: str, child: str = "Yes", derived: str = "No", dcountry: str = "No") -> str:
    return (
        f"<Good><Good_Name>{name}</Good_Name><Good_Sector>Mining</Good_Sector><Countries><Country>"
        f"<Country_Name>{country}</Country_Name><Country_Region>x</Country_Region>"
        f"<Child_Labor>{child}</Child_Labor><Forced_Labor>No</Forced_Labor>"
        f"<Forced_Child_Labor>No</Forced_Child_Labor><Derived_Labor_Exploitation>{derived}"
        f"</Derived_Labor_Exploitation><Derived_Country>{dcountry}</Derived_Country></Country></Countries></Good>"
    )


def test_ilab_bad_entries_are_quarantined(ingest, store, tmp_path: Path):
    bad = tmp_path / "goods.xml"
    bad.write_text(
        "<?xml version='1.0'?><Goods>"
        + _good("Gold", "Atlantis")
        + _good("Unobtainium", "Ghana")
        + _good("Gold", "Ghana", child="Maybe")
        + _good("Gold", "Mali", child="No")
        + _good("Gold", "Ghana")
        + _good("Gold", "Ghana")
        + _good("Electronics", "China", child="No", derived="Yes", dcountry="Atlantis")
        + "</Goods>",
        encoding="utf-8",
    )
    report = ingest("ilab-goods", bad)
    c = report.counts["goods.xml"]
    assert (c.read, c.written, c.quarantined, c.duplicate, c.skipped) == (7, 1, 4, 1, 1)
    text = Path(report.quarantine_report).read_text()
    assert "country not recognised,Country_Name,Atlantis" in text
    assert "good not in the commodity vocabulary" in text and "Good_Name,Unobtainium" in text
    assert "flag is neither Yes nor No,Child_Labor,Maybe" in text
    assert "derived country not recognised,Derived_Country,Atlantis" in text


def test_ilab_unusable_files(ingest, tmp_path: Path):
    broken = tmp_path / "goods.xml"
    broken.write_text(
        "<Goods><Good><Good_Name>Gold</Good_Name><Countries><Country><Country_Name>Mali", encoding="utf-8"
    )
    with pytest.raises(InputFileError, match="not readable XML"):
        ingest("ilab-goods", broken)
    other = tmp_path / "other.xml"
    other.write_text("<Products><Product/></Products>", encoding="utf-8")
    with pytest.raises(InputFileError, match="does not fit source 'ilab-goods'"):
        ingest("ilab-goods", other)
