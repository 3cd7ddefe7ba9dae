"""Files in legacy encodings are read (detected or given with --encoding) for every text source;
an undecodable file fails naming the encoding tried and the byte offset.

The inputs are the committed OCDS file re-encoded the ways real publishers' copies come."""

from __future__ import annotations

import pytest
from tierwatch.graph.errors import InputFileError

SCOTLAND = "ocds/uk_scotland_pcs_releases.jsonl"


def _contracts(store) -> dict[str, tuple]:
    return {n["id"]: (n.get("title"), n.get("value_amount")) for n in store.iter_nodes(types=["Contract"])}


@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-16", b"", "utf-16"),  # Python writes a BOM
        ("utf-16-le", b"", "utf-16-le"),  # no BOM
        ("utf-16-be", b"\xfe\xff", "utf-16"),
        ("cp1252", b"", "cp1252"),
    ],
)
def test_ocds_in_a_legacy_encoding_reads_like_utf8(
    ingest, store, open_data, tmp_path, encoding, bom, detected
):
    # what the file says in characters the encoding has (a cp1252 copy loses e.g. U+202F)
    text = (open_data / SCOTLAND).read_text(encoding="utf-8").encode(encoding, "replace").decode(encoding)
    assert any(ord(c) > 127 for c in text), "the file has non-ASCII text to decode"
    utf8 = tmp_path / "utf8.jsonl"
    utf8.write_text(text, encoding="utf-8")
    ingest("ocds", utf8, dataset="utf8")
    expected = _contracts(store)
    legacy = tmp_path / "scotland.jsonl"
    legacy.write_bytes(bom + text.encode(encoding))
    report = ingest("ocds", legacy, dataset="legacy")
    assert _contracts(store) == expected
    assert report.counts["scotland.jsonl"].written == report.counts["scotland.jsonl"].read == len(expected)
    assert any(f"read as {detected}" in note for note in report.notes), report.notes


def test_encoding_given_on_the_command_line(ingest, store, open_data, tmp_path):
    text = (open_data / SCOTLAND).read_text(encoding="utf-8")
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(text.encode("latin-1", errors="replace"))
    report = ingest("ocds", latin, encoding="latin-1")
    assert report.quarantined == 0 and any("read as iso8859-1" in n for n in report.notes)


def test_undecodable_file_names_encoding_and_offset(ingest, open_data, tmp_path):
    text = (open_data / SCOTLAND).read_text(encoding="utf-8")
    raw = text.encode("cp1252", "replace")
    offset = next(i for i, b in enumerate(raw) if b > 127)
    path = tmp_path / "cp1252.jsonl"
    path.write_bytes(raw)
    with pytest.raises(
        InputFileError, match=rf"cp1252\.jsonl.*cannot be decoded as utf-8 .*byte offset {offset}\b"
    ):
        ingest("ocds", path, encoding="utf-8")
    with pytest.raises(InputFileError, match="unknown encoding 'klingon'"):
        ingest("ocds", path, encoding="klingon")
