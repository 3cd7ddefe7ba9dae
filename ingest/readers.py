"""Readers for the file formats sources come in, with format sniffing for role recognition.

Each reader fails with :class:`InputFileError` naming the file (and row) rather than a traceback.
"""

from __future__ import annotations

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


def detect_encoding(path: Path) -> str:
    """utf-8 (with or without BOM) when the bytes decode as UTF-8, else cp1252 (Latin-1 superset)."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"


def _open_text(path: Path) -> io.TextIOWrapper:
    enc = detect_encoding(path)
    errors = "strict" if enc.startswith("utf") else "replace"
    return open(path, encoding=enc, errors=errors, newline="")


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
