"""Readers for the file formats sources come in, with format sniffing for role recognition.

Each reader fails with :class:`InputFileError` naming the file (and row) rather than a traceback.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tierwatch.graph.errors import InputFileError

csv.field_size_limit(16 * 1024 * 1024)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _sniff_encoding(raw: bytes) -> str:
    """UTF-8/UTF-16 by BOM; UTF-16 without BOM by its zero bytes; else UTF-8 when the bytes decode
    as UTF-8, else Windows-1252 when they decode as that, else Latin-1 (every byte is a character)."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    head = raw[:4096]
    if len(head) >= 4 and head[0] != 0 and head[1] == 0 and head[3] == 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be"
    for name in ("utf-8-sig", "cp1252"):
        try:
            raw.decode(name)
            return name
        except UnicodeDecodeError:
            continue
    return "latin-1"


def detect_encoding(path: Path, given: str | None = None) -> str:
    """The encoding ``given`` (checked to exist), else the one the bytes show (see _sniff_encoding)."""
    if given:
        try:
            return codecs.lookup(given).name
        except LookupError:
            raise InputFileError(str(path), f"unknown encoding {given!r} (--encoding)") from None
    return _sniff_encoding(path.read_bytes())


def decode_file(path: Path, given: str | None = None) -> tuple[str, str]:
    """(text, encoding) of a text file; an undecodable file fails naming the encoding and byte offset."""
    encoding = detect_encoding(path, given)
    raw = path.read_bytes()
    try:
        return raw.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        how = "given with --encoding" if given else "detected"
        raise InputFileError(
            str(path),
            f"cannot be decoded as {encoding} ({how}): byte 0x{raw[exc.start]:02x} at byte offset "
            f"{exc.start} is not valid {encoding}; give the file's encoding with --encoding",
        ) from None


def needs_transcoding(path: Path, given: str | None = None) -> bool:
    """A text file (not a workbook or other binary; not XML, which declares its own encoding) that is
    not UTF-8, or whose encoding the user gave: the runner hands pipelines a UTF-8 copy of it."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # xlsx (zip), old xls
        return False
    encoding = detect_encoding(path, given)
    if not encoding.startswith("utf-16") and b"\x00" in head:
        return False  # binary
    if head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").startswith("<"):
        return False
    return bool(given) or encoding not in ("utf-8", "utf-8-sig")


def _open_text(path: Path) -> io.TextIOWrapper:
    return open(path, encoding=detect_encoding(path), newline="")


def csv_header(path: Path) -> tuple[list[str], str] | None:
    """(header, delimiter) of a delimited text file, or None when it is not one."""
    try:
        with _open_text(path) as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return None
    if not first.strip() or first.lstrip().startswith(("{", "[", "<")):
        return None
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter))
    return [h.strip() for h in header], delimiter


def read_csv(path: Path) -> tuple[list[str], Iterator[dict[str, str]]]:
    """Header and rows (dicts) of a CSV/TSV file; rows that are longer than the header keep extras."""
    sniff = csv_header(path)
    if sniff is None:
        raise InputFileError(str(path), "not a delimited text file with a header row")
    header, delimiter = sniff

    def rows() -> Iterator[dict[str, str]]:
        with _open_text(path) as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            next(reader, None)
            for values in reader:
                if len(values) < len(header):
                    values = values + [""] * (len(header) - len(values))
                row = dict(zip(header, values, strict=False))
                if len(values) > len(header):
                    row["__extra__"] = "|".join(values[len(header) :])
                yield row

    return header, rows()


def xlsx_sheets(path: Path) -> list[str] | None:
    """Sheet names of a workbook, or None when the file is not a readable workbook."""
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return None
    try:
        from python_calamine import CalamineWorkbook

        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception:
        return None


def read_sheet(path: Path, sheet: str) -> list[list[Any]]:
    """All rows of one sheet as lists of cell values (strings, numbers, dates, empty strings)."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        raise InputFileError(str(path), f"cannot read sheet '{sheet}': {exc}") from None


def json_head(path: Path, size: int = 65536) -> tuple[str, str] | None:
    """('object'|'array'|'lines', first characters) of a JSON or JSON Lines file, or None."""
    try:
        with path.open("rb") as fh:
            head = fh.read(size)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text or text[0] not in "{[":
        return None
    if text[0] == "[":
        return "array", text
    first_line = text.split("\n", 1)[0].strip()
    if first_line.startswith("{") and first_line.endswith("}"):
        try:
            json.loads(first_line)
            return "lines", text
        except ValueError:
            pass
    return "object", text


def xml_root(path: Path) -> str | None:
    """The root element's name of an XML file, or None."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return None
    import re

    text = re.sub(r"<\?xml[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>", "", head, flags=re.S)
    text = text.lstrip("\ufeff \t\r\n")
    match = re.match(r"<([A-Za-z_][\w.-]*)", text)
    return match.group(1) if match else None
