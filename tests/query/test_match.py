"""Matching a buyer's list on the real demo graph, on both stores (graph/match, docs/MATCH.md).

The fixture tests/match/fixtures/buyer_suppliers.csv holds real names from the demo graph, spelt as
buyers spell them: accents dropped, legal forms swapped (Ltd/Co./AB/SARL), word order changed, names
in Chinese, Japanese and Cyrillic script (the graph has them as aliases), bare identifiers (an RMI
CID, a Companies House number), country names instead of codes, and a blank row.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tierwatch.graph.errors import InputFileError, QueryError
from tierwatch.graph.match import Decision, MatchRecord, load_decisions, match_records, record_decision
from tierwatch.graph.query.service import Page, Viewer
from tierwatch.graph.settings import REPO_ROOT
from tierwatch.ingest.buyer_lists import read_list, write_links

from .conftest import ACCESS_ONLY_ORG, LICENCE_ONLY_ORG

FIXTURE = REPO_ROOT / "tests" / "match" / "fixtures" / "buyer_suppliers.csv"

#: ref -> (the entity that must rank first, the reason kind that must carry the score)
EXPECTED = {
    "S01": ("org:commissariat-a-l-energie-atomique-et-aux-energies-alternatives", "name"),  # accents
    "S02": ("org:granges", "name"),  # Gränges + AB
    "S03": ("org:amplexor-luxembourg", "name"),  # S.à.r.l. -> SARL
    "S04": ("org:zijin-mining-group", "name"),  # Ltd. -> Co Ltd
    "S05": ("org:lion-electric", "name"),  # word order
    "S06": ("rmi:CID002180", "name"),  # Chinese name of the Yunnan Tin smelting branch
    "S07": ("rmi:CID002549", "name"),  # Japanese name of TANIOBIS Japan
    "S08": ("buyer:de:european-central-bank", "name"),  # Bulgarian (Cyrillic) name of the ECB
    "S09": ("rmi:CID002243", "identifier"),  # a bare RMI CID, no name
    "S10": ("org:acuphon", "identifier"),  # a bare Companies House number
    "S11": ("rmi:CID002180", "name"),  # Co., Ltd. -> Company Limited
    "S12": ("buyer:de:european-central-bank", "name"),  # German name, umlaut dropped
    "S13": ("org:xerox", "name"),
    "S14": ("org:hewlett-packard-enterprise", "name"),  # Co. -> Company
    "S16": ("icmm:ICMM08002", "name"),  # Bergsöe
}
RESTRICTED = {"S06", "S07", "S09", "S11"}  # RMI smelters: licence-restricted datasets


def _match(svc, viewer, **kw):
    listed = read_list(FIXTURE, max_rows=100)
    rows = match_records(svc, listed.records, viewer, **kw)
    return listed, {r.record.ref: r for r in rows}


def test_right_entity_ranks_first_with_reasons(demo) -> None:
    listed, by_ref = _match(demo, Viewer.analyst())
    assert [s.row for s in listed.skipped] == [16], "the blank row is skipped, saying why"
    assert listed.total == 16 and listed.left_out == 0
    for ref, (entity, kind) in EXPECTED.items():
        row = by_ref[ref]
        first = row.candidates[0]
        assert first.entity.id == entity, (ref, [c.entity.id for c in row.candidates])
        assert first.reasons and first.reasons[0].kind == kind, (ref, first.reasons)
        assert all(r.detail for r in first.reasons)
        assert row.key.startswith("r") and len(row.key) == 11
    # the script variants score as aliases, exactly equal
    assert by_ref["S06"].candidates[0].reasons[0].detail.startswith("alias equal")
    # a country given by name agrees with the entity's code and adds its points
    s11 = by_ref["S11"].candidates[0]
    assert [(r.kind, r.points) for r in s11.reasons] == [("name", 98.0), ("country", 3.0)]
    assert s11.score == 100.0
    # clear matches are matched; a word-order variant (fuzzy only) waits for review
    assert by_ref["S04"].status == "matched" and by_ref["S05"].status == "review"
    assert by_ref["S09"].candidates[0].score == 100.0


def test_same_answers_on_both_stores(demo_pair) -> None:
    a, b = demo_pair
    _, left = _match(a, Viewer.analyst())
    _, right = _match(b, Viewer.analyst())
    assert {k: v.model_dump() for k, v in left.items()} == {k: v.model_dump() for k, v in right.items()}


def test_names_score_what_search_gives(demo) -> None:
    """Match reuses the search ranking: a name's score equals the search score of that entity."""
    viewer = Viewer.analyst()
    for name in ("Zijin Mining Group Co Ltd", "Yunnan Tin", "Europaische Zentralbank", "Glencore"):
        hits = demo.search(name, viewer, page=Page(limit=5)).hits
        rows = match_records(demo, [(1, MatchRecord(name=name))], viewer, limit=5)
        got = {c.entity.id: c.score for c in rows[0].candidates}
        for hit in hits:
            if hit.entity.id in got:
                assert got[hit.entity.id] == hit.score, (name, hit.entity.id)
        assert rows[0].candidates[0].entity.id == hits[0].entity.id, name


def test_public_sees_only_what_public_search_shows(demo) -> None:
    _, by_ref = _match(demo, Viewer.public())
    for ref in RESTRICTED:
        row = by_ref[ref]
        assert all(not c.entity.id.startswith("rmi:") for c in row.candidates), ref
        assert row.withheld >= 1, f"{ref}: the licence-restricted match is counted as withheld"
    assert by_ref["S08"].candidates[0].entity.id == "buyer:de:european-central-bank"
    records = [
        (1, MatchRecord(name="Qcanaryaccess Widgets Ltd")),
        (2, MatchRecord(name="Qcanarylicence Mining")),
    ]
    public = match_records(demo, records, Viewer.public())
    analyst = match_records(demo, records, Viewer.analyst())
    assert ACCESS_ONLY_ORG not in [c.entity.id for r in public for c in r.candidates]
    assert LICENCE_ONLY_ORG not in [c.entity.id for r in public for c in r.candidates]
    assert public[0].withheld == 0, "access-restricted entities are not even counted"
    assert public[1].withheld >= 1
    assert analyst[0].candidates[0].entity.id == ACCESS_ONLY_ORG
    assert analyst[1].candidates[0].entity.id == LICENCE_ONLY_ORG


def test_decisions_are_remembered_and_reused(demo, tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    _, before = _match(demo, Viewer.analyst())
    s05, s02 = before["S05"], before["S02"]
    record_decision(path, Decision(row_key=s05.key, entity="org:lion-electric", decision="yes"))
    wrong = s02.candidates[0].entity.id
    record_decision(path, Decision(row_key=s02.key, entity=wrong, decision="no"))
    decisions = load_decisions(path)
    _, after = _match(demo, Viewer.analyst(), decisions=decisions)
    assert after["S05"].status == "decided" and after["S05"].candidates[0].score == 100.0
    assert after["S05"].candidates[0].reasons[0].kind == "decision"
    assert wrong in after["S02"].rejected and wrong not in [c.entity.id for c in after["S02"].candidates]
    # the same supplier spelt with another legal form has the same key: the decision is found again
    again = match_records(
        demo,
        [(1, MatchRecord(name="Electric Lion Inc.", country="CA"))],
        Viewer.analyst(),
        decisions=decisions,
    )
    assert again[0].status == "decided"
    # deciding again changes the decision: the last line wins
    record_decision(path, Decision(row_key=s05.key, entity="org:lion-electric", decision="no"))
    _, later = _match(demo, Viewer.analyst(), decisions=load_decisions(path))
    assert later["S05"].status != "decided" and "org:lion-electric" in later["S05"].rejected


def test_types_filter_and_limits(demo) -> None:
    rows = match_records(demo, [(1, MatchRecord(name="Zijin Mining"))], Viewer.analyst(), types=("Smelter",))
    assert rows[0].candidates and all(c.entity.type == "Smelter" for c in rows[0].candidates)
    with pytest.raises(QueryError, match="unknown"):
        match_records(demo, [(1, MatchRecord(name="x"))], Viewer.analyst(), types=("Planet",))
    with pytest.raises(QueryError, match="limit"):
        match_records(demo, [(1, MatchRecord(name="x"))], Viewer.analyst(), limit=0)


# -- files: reading, bad input, the row cap, writing links ----------------------------------------


def test_bad_files_name_the_file_and_column(tmp_path: Path) -> None:
    no_name = tmp_path / "no_name.csv"
    no_name.write_text("supplier_code,amount\n1,2\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"no_name\.csv, row 1: no name column.*'supplier_code'"):
        read_list(no_name, max_rows=10)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"empty\.csv: the file is empty"):
        read_list(empty, max_rows=10)
    header_only = tmp_path / "header.csv"
    header_only.write_text("name,country\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="no data rows"):
        read_list(header_only, max_rows=10)
    with pytest.raises(InputFileError, match="no column 'vendor'"):
        read_list(FIXTURE, max_rows=10, name="vendor")
    with pytest.raises(InputFileError, match="no such file"):
        read_list(tmp_path / "missing.csv", max_rows=10)


def test_row_cap_counts_what_was_left_out(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_text("name\n" + "".join(f"Supplier {i}\n" for i in range(250)), encoding="utf-8")
    listed = read_list(big, max_rows=100)
    assert len(listed.records) == 100 and listed.left_out == 150 and listed.total == 250


def test_windows_1252_and_xlsx_read_alike(tmp_path: Path) -> None:
    from openpyxl import Workbook

    latin = tmp_path / "latin.csv"
    latin.write_bytes("Vendor Name;Pays\nGränges AB;SE\n".replace(";", ",").encode("cp1252"))
    assert read_list(latin, max_rows=10).records[0][1].name == "Gränges AB"
    book = Workbook()
    sheet = book.active
    sheet.append(["Supplier", "Country", "LEI"])
    sheet.append(["Zijin Mining Group Co Ltd", "CN", "5299000XRN2OBZ3QWY38"])
    book.save(tmp_path / "list.xlsx")
    listed = read_list(tmp_path / "list.xlsx", max_rows=10)
    record = listed.records[0][1]
    assert (record.name, record.country, record.identifiers) == (
        "Zijin Mining Group Co Ltd",
        "CN",
        ["LEI:5299000XRN2OBZ3QWY38"],
    )


def test_written_links_file_ingests(demo_dir: Path, tmp_path: Path) -> None:
    """The confirmed matches, written as a links file, are read by the real links pipeline."""
    from tierwatch.graph.query import open_query_service
    from tierwatch.graph.settings import Settings
    from tierwatch.graph.sqlite_ops import copy_store
    from tierwatch.graph.sqlite_store import SQLiteStore
    from tierwatch.ingest.runner import run_ingest

    copy_store(demo_dir, tmp_path / "store")
    settings = Settings(store_dir=tmp_path / "store")
    svc = open_query_service(settings, "embedded")
    try:
        listed = read_list(FIXTURE, max_rows=100)
        rows = match_records(svc, listed.records, Viewer.analyst())
    finally:
        svc.close()
    out = write_links(
        tmp_path / "links.csv",
        rows,
        kind="links",
        source=FIXTURE,
        downstream="org:dell",
        product="components",
    )
    confirmed = [r for r in rows if r.status in ("decided", "matched")]
    upstream = [r for r in confirmed if r.candidates[0].entity.type != "PublicBuyer"]
    assert out.rows == len(upstream) >= 8 and len(out.not_written) == len(rows) - len(upstream)
    assert any("PublicBuyer cannot be the upstream" in s.reason for s in out.not_written)
    header = (REPO_ROOT / "data" / "templates" / "links.csv").read_text(encoding="utf-8").strip()
    assert out.path.read_text(encoding="utf-8").splitlines()[0] == header
    store = SQLiteStore(tmp_path / "store")
    report = run_ingest("links", [out.path], store, settings, dataset="buyer-list-links")
    assert sum(c.written for c in report.counts.values()) == out.rows and report.quarantined == 0, report
    with pytest.raises(InputFileError, match="--downstream"):
        write_links(tmp_path / "x.csv", rows, kind="links", source=FIXTURE, product="p")
