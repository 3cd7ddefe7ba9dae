"""Resource Matters' cobalt links on both stores: the GM -> ... -> artisanal mine chain, link by link,
with each link's confirmation status read from the file's own rows; ownership, self-links, BHRRC ids,
idempotency and bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import slug

LINKS = "battery/resourcematters_cobalt_supply_chain_links.tsv"
BHRRC = "battery/resourcematters_bhrrc_company_ids.tsv"
LINKS_NAME, BHRRC_NAME = Path(LINKS).name, Path(BHRRC).name
# The documented reading of "Transaction realised?" (source.toml [lookups.status]).
STATUS = {"Yes": ("confirmed", 0.85), "": ("reported", 0.5), "No": ("not_realised", 0.1)}
SPEC_COLUMNS = [
    "ID",
    "Link in the chain",
    "Input chain step",
    "Supplier company",
    "Supplier facility name",
    "Supplier_facility_clean",
    "Place of supplier",
    "Country of Supplier",
    "Lat supplier",
    "Long supplier",
    "Output chain step",
    "Buyer company",
    "Buyer facility name",
    "Buyer facility type clean",
    "Place of buyer",
    "Country of Buyer",
    "Lat buyer",
    "Long buyer",
    "Transaction realised?",
    "Source",
]


def file_rows(real_data: Path, rel: str) -> list[dict[str, str]]:
    with (real_data / rel).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def key(row: dict[str, str]) -> str:
    return "_".join(row["ID"].split())


def supplies_of(store, row: dict[str, str]) -> dict:
    """The one SUPPLIES edge a file row became (edges are keyed by the row's ID)."""
    found = [e for e in store.iter_edges(types=["SUPPLIES"]) if e["id"].endswith("#" + key(row))]
    assert len(found) == 1, f"row {row['ID']!r}: {len(found)} SUPPLIES edges"
    return found[0]


def assert_status(edge: dict, row: dict[str, str]) -> None:
    status, confidence = STATUS[row["Transaction realised?"].strip()]
    assert (edge["status"], edge["confidence"]) == (status, confidence), row["ID"]


@pytest.fixture
def cobalt(ingest, real_data):
    return ingest("cobalt-links", real_data / LINKS, real_data / BHRRC)


def test_gm_chain_to_artisanal_mines_link_by_link(cobalt, store, real_data):
    rows = file_rows(real_data, LINKS)

    def link_rows(supplier: str, buyer: str) -> list[dict[str, str]]:
        found = [
            r
            for r in rows
            if r["Supplier company"].startswith(supplier) and r["Buyer company"].startswith(buyer)
        ]
        assert found, f"the file has no {supplier} -> {buyer} row"
        return found

    chain = [
        ("LG Energy Solution", "General Motors", "org:lg-energy-solution", "org:general-motors"),
        ("Huayou Cobalt", "LG Energy Solution", "org:huayou-cobalt", "org:lg-energy-solution"),
        ("Congo Dongfang Mining", "Huayou Cobalt", "org:congo-dongfang-mining", "org:huayou-cobalt"),
    ]
    for supplier, buyer, src, dst in chain:
        for row in link_rows(supplier, buyer):
            edge = supplies_of(store, row)
            assert (edge["src"], edge["dst"]) == (src, dst)
            assert_status(edge, row)
            assert row["ID"].strip() in edge["evidence"]
    assert store.get_nodes(["org:general-motors"])["org:general-motors"]["type"] == "Brand"

    artisanal = [
        r
        for r in rows
        if r["Input chain step"] == "Artisanal mining"
        and r["Buyer company"].startswith("Congo Dongfang Mining")
    ]
    assert {r["Supplier company"].split()[0][:4] for r in artisanal} >= {"Kasu", "Kami", "Goma"}
    for row in artisanal:
        edge = supplies_of(store, row)
        assert edge["dst"] == "org:congo-dongfang-mining"
        assert_status(edge, row)
        mine = store.get_nodes([edge["src"]])[edge["src"]]
        assert (mine["type"], mine["mining_type"], mine["country"]) == ("Mine", "artisanal", "CD")
        assert mine["lat"] == pytest.approx(float(row["Lat supplier"]))
        located = store.get_edges([f"LOCATED_IN:{edge['src']}->country:CD"])
        assert located, "an artisanal site is located in DR Congo"
        if "Lualaba" in row["Place of supplier"]:
            assert mine["region"] == "CD-LU"

    # the file's BHRRC id for CDM is an identifier on the company
    bhrrc = {r["RM name"]: r["ID"] for r in file_rows(real_data, BHRRC)}
    cdm = store.get_nodes(["org:congo-dongfang-mining"])["org:congo-dongfang-mining"]
    assert f"BHRRC:{bhrrc['Congo Dongfang Mining (CDM)']}" in cdm["identifiers"]
    assert "Congo Dongfang Mining (CDM)" in cdm["aliases"]


def test_counts_and_statuses_add_up(cobalt, store, real_data):
    rows = file_rows(real_data, LINKS)
    links = cobalt.counts[LINKS_NAME]
    assert links.read == len(rows) == 509
    assert links.read == links.written + links.quarantined + links.duplicate + links.skipped
    ids = cobalt.counts[BHRRC_NAME]
    bhrrc_rows = file_rows(real_data, BHRRC)
    assert ids.read == len(bhrrc_rows)
    assert ids.read == ids.written + ids.quarantined + ids.duplicate + ids.skipped
    assert ids.skipped == sum(1 for r in bhrrc_rows if not r["ID"].strip())
    assert cobalt.unmapped == {}
    # every deal the file says did not happen is kept, as not_realised, never as supply
    supplies = list(store.iter_edges(types=["SUPPLIES"]))
    not_realised = {e["id"].rsplit("#", 1)[1] for e in supplies if e["status"] == "not_realised"}
    no_rows = {key(r) for r in rows if r["Transaction realised?"].strip() == "No"}
    assert not_realised and not_realised <= no_rows
    assert all(e["confidence"] == 0.1 for e in supplies if e["status"] == "not_realised")
    assert all(e["src"] != e["dst"] for e in supplies)


def test_self_links_are_between_facilities_and_ventures_are_ownership(cobalt, store, real_data):
    rows = file_rows(real_data, LINKS)
    lges = "LG Energy Solution (LGES)"
    self_links = [
        r
        for r in rows
        if r["Supplier company"] == r["Buyer company"] == lges
        and r["Supplier facility name"] != r["Buyer facility name"]
    ]
    assert self_links
    for row in self_links:
        edge = supplies_of(store, row)
        assert edge["granularity"] == "facility"
        assert edge["src"] == f"rm:facility:lg-energy-solution:{slug(row['Supplier facility name'])}"
        assert edge["dst"] == f"rm:facility:lg-energy-solution:{slug(row['Buyer facility name'])}"
        assert_status(edge, row)
    # Ultium Cells: the file's composition "General Motors / LGES" becomes two ownership links
    ultium = next(
        r for r in rows if r["Buyer company"] == "Ultium Cells LLC" and r["Buyer joint venture composition"]
    )
    assert ultium["Buyer joint venture composition"].startswith("General Motors")
    owns = store.get_edges(
        ["OWNS:org:general-motors->org:ultium-cells", "OWNS:org:lg-energy-solution->org:ultium-cells"]
    )
    assert len(owns) == 2
    # CDM's parent as the file states it
    cdm_row = next(r for r in rows if r["Supplier company"] == "Congo Dongfang Mining (CDM)")
    parent = slug(cdm_row["Supplier parent company(ies)"])
    assert store.get_edges([f"OWNS:org:{parent}->org:congo-dongfang-mining"])


def test_reingest_is_noop(cobalt, ingest, store, real_data):
    before = canonical_hash(store)
    report = ingest("cobalt-links", real_data / LINKS, real_data / BHRRC)
    assert report.nodes_created == report.nodes_updated == report.edges_created == report.edges_updated == 0
    assert canonical_hash(store) == before


def _links_file(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter="\t")
        out.writerow([*SPEC_COLUMNS, "Some new column"])
        out.writerows(rows)
    return path


def _row(link_id: str, supplier: str, buyer: str, realised: str, supplier_country: str = "DRC") -> list[str]:
    return [
        link_id,
        "Mining to Smelting",
        "Mining",
        supplier,
        "Mine",
        "Mine",
        "Kolwezi, Lualaba",
        supplier_country,
        "-10.7",
        "25.4",
        "Smelting",
        buyer,
        "Smelter",
        "Smelter",
        "Likasi, Haut-Katanga",
        "Democratic Republic of the Congo",
        "-10.98",
        "26.73",
        realised,
        "field research",
        "extra",
    ]


def test_bad_rows_are_quarantined_with_the_field(ingest, store, tmp_path: Path):
    good = _row("1MINAAA", "Alpha Mining (AM)", "Beta Smelting", "Yes")
    path = _links_file(
        tmp_path / "links.tsv",
        [
            good,
            good,
            _row("2MINBBB", "Alpha Mining", "Beta Smelting", "Maybe"),
            _row("3MINCCC", "Alpha Mining", "Beta Smelting", "", supplier_country="Atlantis"),
            _row(" ", "Alpha Mining", "Beta Smelting", "No"),
            _row("1MINAAA", "Gamma", "Beta Smelting", "No"),
            _row("6MINDDD", "", "Beta Smelting", "No"),
        ],
    )
    report = ingest("cobalt-links", path)
    c = report.counts["links.tsv"]
    assert (c.read, c.written, c.duplicate, c.quarantined) == (7, 1, 1, 5)
    text = Path(report.quarantine_report).read_text(encoding="utf-8")
    assert 'is not Yes, No or blank",Transaction realised?,Maybe' in text
    assert "country not recognised,Country of Supplier,Atlantis" in text
    assert "link ID is blank,ID" in text
    assert "already used by row 2" in text
    assert "supplier company is blank,Supplier company" in text
    assert report.unmapped == {"links.tsv": ["Some new column"]}
    edge = store.get_edges(["SUPPLIES:org:alpha-mining->org:beta-smelting#1MINAAA"])
    assert edge["SUPPLIES:org:alpha-mining->org:beta-smelting#1MINAAA"]["status"] == "confirmed"
    mine = store.get_nodes(["rm:mine:alpha-mining:mine"])["rm:mine:alpha-mining:mine"]
    assert (mine["mining_type"], mine["region"]) == ("industrial", "CD-LU")


def test_files_that_fit_no_role_or_are_unreadable(ingest, tmp_path: Path):
    wrong = tmp_path / "wrong.tsv"
    wrong.write_text("a\tb\n1\t2\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"does not fit source 'cobalt-links'.*RM name"):
        ingest("cobalt-links", wrong)
    binary = tmp_path / "links.tsv"
    binary.write_bytes(b"PK\x03\x04\x00\x00garbage\xff\xfe")
    with pytest.raises(InputFileError, match="does not fit source 'cobalt-links'"):
        ingest("cobalt-links", binary)
