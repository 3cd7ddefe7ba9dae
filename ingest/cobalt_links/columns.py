"""Columns matched by name, tolerant of the family's spelling variants (case, '_' for ' ', spacing)."""

from __future__ import annotations

import re
from pathlib import Path

from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import fold


def column_key(name: str) -> str:
    return re.sub(r"\s+", " ", fold(name).replace("_", " ")).strip()


class Columns:
    """A file's header, read through the names the source spec uses."""

    def __init__(self, header: list[str], known: list[str]) -> None:
        self.header = header
        self._by_key = {column_key(h): h for h in header if h is not None}
        spec_by_key = {column_key(k): k for k in known}
        # what the context sees: the spec's spelling where a column matches one, else the file's
        self.seen = [spec_by_key.get(column_key(h), h) for h in header if h is not None]

    def has(self, name: str) -> bool:
        return column_key(name) in self._by_key

    def missing(self, names: list[str]) -> list[str]:
        return [n for n in names if not self.has(n)]

    def require(self, path: Path, names: list[str]) -> None:
        missing = self.missing(names)
        if missing:
            raise InputFileError(str(path), f"missing column(s) {', '.join(missing)}", row=1)

    def get(self, row: dict[str, str], name: str) -> str:
        actual = self._by_key.get(column_key(name))
        value = row.get(actual, "") if actual is not None else ""
        return (value or "").strip()
