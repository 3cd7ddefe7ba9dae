"""Reading RMI reporting templates (CMRT, EMRT, CRT) whatever their interface language.

Sheet names, header labels and question texts are localised (the template switches language
with a drop-down), so nothing here trusts a sheet name or a cell position. Every template carries
its own translation table: a sheet whose first rows name "English" beside other languages, one row
per label. Localised labels are mapped back to English through it, then matched by pattern.
Header rows are found by what they say; columns the header cannot name (a broken header cell) are
found by what they hold (CIDs, country names).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import fold

CID = re.compile(r"^CID\d{6}$")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
HEADER_SCAN_ROWS = 20


def cell_text(value: Any) -> str:
    """A cell as clean text: blank for empty cells and for the 0 that formula leftovers show."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        if value == 0:
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, int):
        return "" if value == 0 else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).replace("\u3000", " ").split())


def label_key(text: str) -> str:
    """A header label reduced for matching: folded, no '(*)' marks, no trailing colon."""
    key = fold(text).replace("–", "-").replace("(*)", " ").replace("*", " ")
    return " ".join(key.split()).rstrip(":：").strip()


@dataclass(frozen=True)
class FieldSpec:
    """A column a table needs: its canonical English label and the pattern its label matches."""

    name: str
    label: str
    pattern: str
    content: Callable[[str], bool] | None = None  # recognises the column by its values instead

    def matches(self, key: str) -> bool:
        return re.search(self.pattern, key) is not None


@dataclass
class Table:
    """A located table: sheet, header row (0-based), field -> column index, the header's labels."""

    sheet: str
    header_index: int
    columns: dict[str, int]
    labels: list[str]
    rows: list[list[Any]] = field(repr=False, default_factory=list)

    def value(self, row: list[Any], name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(row):
            return ""
        return cell_text(row[index])

    def data(self) -> list[tuple[int, list[Any]]]:
        """(spreadsheet row number, cells) for every row under the header."""
        return [(i + 1, r) for i, r in enumerate(self.rows) if i > self.header_index]


class Template:
    """One RMI template workbook, with its translation table."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            from python_calamine import CalamineWorkbook

            self.book = CalamineWorkbook.from_path(str(path))
            self.sheet_names = list(self.book.sheet_names)
        except Exception as exc:  # calamine raises its own error types for corrupt files
            raise InputFileError(str(path), f"not a readable workbook ({type(exc).__name__})") from None
        self._rows: dict[str, list[list[Any]]] = {}
        self.english = self._translations()

    @classmethod
    def open_or_none(cls, path: Path) -> Template | None:
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            return None
        try:
            return cls(path)
        except InputFileError:
            return None

    def rows(self, sheet: str) -> list[list[Any]]:
        if sheet not in self._rows:
            try:
                self._rows[sheet] = self.book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception as exc:
                raise InputFileError(
                    str(self.path), f"cannot read sheet '{sheet}' ({type(exc).__name__})"
                ) from None
        return self._rows[sheet]

    def _translations(self) -> dict[str, str]:
        """Localised label -> English label, from the template's own translation sheet."""
        out: dict[str, str] = {}
        for sheet in self.sheet_names:
            try:
                rows = self.rows(sheet)
            except InputFileError:
                continue
            for head_index, head in enumerate(rows[:3]):
                texts = [cell_text(c) for c in head]
                if "English" not in texts or len([t for t in texts if t]) < 3:
                    continue
                english = texts.index("English")
                languages = [i for i, t in enumerate(texts) if t and i > english]
                for row in rows[head_index + 1 :]:
                    if english >= len(row):
                        continue
                    en = cell_text(row[english])
                    if not en:
                        continue
                    for i in languages:
                        local = cell_text(row[i]) if i < len(row) else ""
                        if local and local != en:
                            out.setdefault(local, en)
                return out
        return out

    def in_english(self, value: Any) -> str:
        text = cell_text(value)
        return self.english.get(text, text)

    def find_table(
        self,
        specs: list[FieldSpec],
        required: set[str],
        forbidden: frozenset[str] = frozenset(),
        content_rows: int = 60,
    ) -> Table | None:
        """The first sheet whose header row names the required fields (and none of the forbidden)."""
        best: Table | None = None
        for sheet in self.sheet_names:
            rows = self.rows(sheet)
            for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
                labels = [self.in_english(c) for c in row]
                columns = match_columns(labels, specs)
                if forbidden & set(columns):
                    continue
                below = rows[index + 1 : index + 1 + content_rows]
                _fill_by_content(columns, specs, below, len(labels))
                if not required <= set(columns):
                    continue
                table = Table(sheet, index, columns, labels, rows)
                if best is None or len(columns) > len(best.columns):
                    best = table
            if best is not None:
                return best
        return None


def match_columns(labels: list[str], specs: list[FieldSpec]) -> dict[str, int]:
    """Field -> column for header labels: the first spec a label matches, the first column a field takes."""
    columns: dict[str, int] = {}
    for index, label in enumerate(labels):
        key = label_key(label)
        if not key:
            continue
        for spec in specs:
            if spec.matches(key):
                columns.setdefault(spec.name, index)
                break
    return columns


def _fill_by_content(
    columns: dict[str, int], specs: list[FieldSpec], rows: list[list[Any]], width: int
) -> None:
    """Columns the header does not name but whose values say what they are (a broken header cell)."""
    taken = set(columns.values())
    for spec in specs:
        if spec.name in columns or spec.content is None:
            continue
        best, best_hits = None, 0
        for index in range(width):
            if index in taken:
                continue
            values = [cell_text(r[index]) for r in rows if index < len(r) and cell_text(r[index])]
            hits = sum(1 for v in values if spec.content(v))
            if values and hits >= max(3, len(values) // 2) and hits > best_hits:
                best, best_hits = index, hits
        if best is not None:
            columns[spec.name] = best
            taken.add(best)


def is_cid(value: str) -> bool:
    return CID.match(value) is not None
