"""The ingest framework: a declarative spec per source, a pipeline that maps rows, and a context.

A source folder holds ``source.toml`` (publisher, licence, file roles, expected counts, columns
and value lookups) and ``pipeline.py`` with a ``Pipeline`` subclass. The pipeline maps rows to
schema models through :class:`IngestContext`, which attaches provenance, counts every row as
written, quarantined or duplicate, and records which columns were consumed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from tierwatch.graph.errors import InputFileError, SchemaError
from tierwatch.graph.records import EdgeRecord, NodeRecord, Provenance, combine_edges, combine_nodes
from tierwatch.graph.schema import EdgeModel, LicenceClass, Method, NodeModel

#: Default confidence by method, unless a pipeline says otherwise.
DEFAULT_CONFIDENCE = {
    Method.DECLARED: 0.9,
    Method.IDENTIFIER_MATCH: 0.95,
    Method.NAME_MATCH: 0.8,
    Method.TEXT_MENTION: 0.5,
    Method.INFERRED: 0.4,
    Method.REVIEWED: 0.95,
}


@dataclass(frozen=True)
class SourceSpec:
    """What ``source.toml`` declares."""

    source: str
    dataset: str
    title: str
    publisher: str
    licence: str
    licence_class: str
    origin: str
    roles: dict[str, dict[str, Any]]
    expected: dict[str, Any]
    columns: dict[str, Any]
    lookups: dict[str, dict[str, Any]]
    raw: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> SourceSpec:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        try:
            return cls(
                source=data["source"],
                dataset=data["dataset"],
                title=data.get("title", data["dataset"]),
                publisher=data.get("publisher", ""),
                licence=data.get("licence", ""),
                licence_class=LicenceClass(data.get("licence_class", "open")).value,
                origin=data.get("origin", ""),
                roles=data.get("roles", {}),
                expected=data.get("expected", {}),
                columns=data.get("columns", {}),
                lookups=data.get("lookups", {}),
                raw=data,
            )
        except (KeyError, ValueError) as exc:
            raise SchemaError(f"{path}: bad source spec ({exc})") from None

    def lookup(self, table: str, value: str, default: Any = None) -> Any:
        return self.lookups.get(table, {}).get(value, default)


@dataclass(frozen=True)
class DatasetInfo:
    """Provenance of the files of one run (from the spec, overridable on the command line)."""

    dataset: str
    publisher: str
    licence: str
    licence_class: str
    origin: str
    version: str  # sha256 over the run's files
    files: tuple[str, ...]
    file_hashes: tuple[str, ...]


@dataclass
class QuarantineEntry:
    file: str
    locator: str
    reason: str
    field: str | None = None
    value: str | None = None


@dataclass
class RowCounts:
    read: int = 0
    written: int = 0
    quarantined: int = 0
    duplicate: int = 0
    skipped: int = 0  # rows that are not data (headers repeated, notes), counted with a reason


class IngestContext:
    """Collects one run's records, quarantine and counts."""

    def __init__(self, spec: SourceSpec, info: DatasetInfo, reference: Any, resolver: Any) -> None:
        self.spec = spec
        self.info = info
        self.ref = reference
        self.resolver = resolver
        self.nodes: dict[str, NodeRecord] = {}
        self.edges: dict[str, EdgeRecord] = {}
        self.quarantine: list[QuarantineEntry] = []
        self.counts: dict[str, RowCounts] = {}
        self.columns_seen: dict[str, list[str]] = {}
        self.skip_reasons: dict[str, int] = {}
        self.notes: list[str] = []
        #: a file used as far as it can be despite a gap (blank header field, placeholder entity):
        #: said in the summary and kept in the Source's provenance
        self.warnings: list[str] = []
        #: run options from the command line (``encoding``, ``declarant``)
        self.options: dict[str, Any] = {}
        self._file = ""
        #: how files are named in counts and provenance: the file name, with its folder when two
        #: files of one run share a name (TED's R2 and eForms copies of one notice)
        self.file_names: dict[Path, str] = {}
        self._row: str | None = None
        self._row_emitted = False
        self._row_closed = True

    # -- rows --------------------------------------------------------------------------------
    def open_file(self, path: Path) -> None:
        self._close_row()
        self._file = self.file_names.get(path, path.name)
        self.counts.setdefault(self._file, RowCounts())

    @property
    def file(self) -> str:
        return self._file

    def begin_row(self, locator: str | int) -> None:
        """Start a source row; it must end written, quarantined, duplicate or skipped."""
        self._close_row()
        self._row = str(locator)
        self._row_emitted = False
        self._row_closed = False
        self.counts[self._file].read += 1

    def _close_row(self) -> None:
        if self._row is not None and not self._row_closed:
            if not self._row_emitted:
                raise SchemaError(
                    f"{self._file} row {self._row}: the pipeline neither wrote nor quarantined it (a bug)"
                )
            self.counts[self._file].written += 1
        self._row_closed = True

    def finish(self) -> None:
        self._close_row()

    def reject(self, reason: str, field: str | None = None, value: Any = None) -> None:
        """Quarantine the current row with a reason (and the field and value at fault)."""
        self.quarantine.append(
            QuarantineEntry(
                self._file, self._row or "?", reason, field, None if value is None else str(value)[:200]
            )
        )
        self.counts[self._file].quarantined += 1
        self._row_closed = True

    def duplicate(self) -> None:
        self.counts[self._file].duplicate += 1
        self._row_closed = True

    def skip(self, reason: str) -> None:
        """A row that is not data (a repeated header, a note line): counted, with its reason."""
        self.counts[self._file].skipped += 1
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1
        self._row_closed = True

    def warn(self, message: str, field: str | None = None) -> None:
        """Record a gap the run worked around (the file is still used): summary and Source provenance."""
        text = f"{self._file}: {message}" + (f" (field '{field}')" if field else "")
        if text not in self.warnings:
            self.warnings.append(text)
            self.notes.append(f"warning: {text}")

    def see_columns(self, columns: Iterable[str]) -> None:
        self.columns_seen[self._file] = [c for c in columns if c is not None]

    # -- records -----------------------------------------------------------------------------
    def prov(
        self, at: str | None = None, confidence: float | None = None, method: Method | str = Method.DECLARED
    ) -> Provenance:
        method = Method(method)
        conf = DEFAULT_CONFIDENCE[method] if confidence is None else confidence
        return Provenance(
            dataset=self.info.dataset,
            version=self.info.version,
            file=self._file,
            locator=at or (f"row {self._row}" if self._row and self._row.isdigit() else self._row or ""),
            confidence=conf,
            method=method.value,
            licence_class=self.info.licence_class,
        )

    def node(
        self,
        model: NodeModel,
        *,
        at: str | None = None,
        confidence: float | None = None,
        method: Method | str = Method.DECLARED,
        prov: Provenance | None = None,
    ) -> str:
        rec = NodeRecord.of(model, prov or self.prov(at, confidence, method))
        self.add_node_record(rec)
        return rec.id

    def add_node_record(self, rec: NodeRecord) -> None:
        old = self.nodes.get(rec.id)
        self.nodes[rec.id] = combine_nodes(old, rec) if old else rec
        self._row_emitted = True

    def edge(
        self,
        model: EdgeModel,
        *,
        at: str | None = None,
        confidence: float | None = None,
        method: Method | str = Method.DECLARED,
        prov: Provenance | None = None,
    ) -> str:
        rec = EdgeRecord.of(model, prov or self.prov(at, confidence, method))
        old = self.edges.get(rec.id)
        self.edges[rec.id] = combine_edges(old, rec) if old else rec
        self._row_emitted = True
        return rec.id

    def unmapped_columns(self) -> dict[str, list[str]]:
        """Columns seen in a file that the spec neither maps nor ignores with a reason."""
        mapped = set(self.spec.columns.get("mapped", []))
        ignored = set(self.spec.columns.get("ignored", {}))
        out = {}
        for file, cols in self.columns_seen.items():
            rest = [c for c in cols if c not in mapped and c not in ignored]
            if rest:
                out[file] = rest
        return out


class Pipeline:
    """Base of every source pipeline. Subclasses set ``source`` and implement ``recognise``/``run``."""

    spec_file: ClassVar[str] = "source.toml"

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec

    def recognise(self, path: Path) -> str | None:
        """The role this file plays for the source, from its content, or None."""
        raise NotImplementedError

    def order(self, files: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
        """Files in the order they must be read (e.g. a lookup file before the data file)."""
        return files

    def run(self, ctx: IngestContext, files: list[tuple[Path, str]]) -> None:
        for path, role in self.order(files):
            ctx.open_file(path)
            self.read(ctx, path, role)
            ctx.finish()

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        raise NotImplementedError

    def expected_roles(self) -> str:
        parts = []
        for name, role in self.spec.roles.items():
            parts.append(f"{name} ({role.get('describe', role.get('kind', ''))})")
        return "; ".join(parts)


def require_columns(path: Path, header: list[str], required: Iterable[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise InputFileError(str(path), f"missing column(s) {', '.join(missing)}", row=1)


def rows_with_numbers(rows: Iterable[dict[str, Any]], first: int = 2) -> Iterator[tuple[int, dict[str, Any]]]:
    """Data rows numbered as a spreadsheet user sees them (header is row 1)."""
    yield from enumerate(rows, start=first)


@dataclass
class IngestReport:
    source: str
    dataset: str
    version: str
    files: list[str]
    counts: dict[str, RowCounts]
    nodes: int
    edges: int
    nodes_created: int
    nodes_updated: int
    nodes_unchanged: int
    edges_created: int
    edges_updated: int
    edges_unchanged: int
    retired: int
    quarantined: int
    unmapped: dict[str, list[str]]
    quarantine_report: str | None
    skip_reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    expected: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(c.read for c in self.counts.values())
