"""Exposure reports: one model (``model.build_report``), two renderers (HTML, PDF), atomic files.

``render(report, fmt)`` gives the bytes; ``write_report(path, data)`` writes them whole or not at all.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tierwatch.graph.errors import QueryError
from tierwatch.graph.report.model import ReportModel, build_report

#: format -> media type
FORMATS: dict[str, str] = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}

__all__ = ["FORMATS", "ReportModel", "build_report", "check_target", "format_of", "render", "write_report"]


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise QueryError(f"unknown report format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return fmt


def format_of(path: Path) -> str:
    """The format a report path asks for, by its suffix (.html, .htm, .pdf)."""
    suffix = path.suffix.lower().lstrip(".")
    suffix = "html" if suffix == "htm" else suffix
    if suffix not in FORMATS:
        raise QueryError(f"report path {str(path)!r}: name a .html or .pdf file")
    return suffix


def render(report: ReportModel, fmt: str) -> bytes:
    check_format(fmt)
    if fmt == "pdf":
        from tierwatch.graph.report.pdf import render_pdf

        return render_pdf(report)
    from tierwatch.graph.report.html import render_html

    return render_html(report)


def check_target(path: Path) -> str:
    """The format of a report path, or a ``QueryError`` naming what is wrong with it (before any work)."""
    path = Path(path)
    fmt = format_of(path)
    folder = path.parent
    if not folder.is_dir():
        raise QueryError(f"report path {str(path)!r}: the folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise QueryError(f"report path {str(path)!r} is a folder: name a file")
    if not os.access(folder, os.W_OK):
        raise QueryError(f"report path {str(path)!r}: the folder {str(folder)!r} is not writable")
    return fmt


def write_report(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file beside it, then a rename), so the file
    appears whole or not at all. A path that cannot be written is a ``QueryError`` naming it."""
    path = Path(path)
    check_target(path)
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise QueryError(f"report path {str(path)!r} cannot be written: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise QueryError(f"report path {str(path)!r} cannot be written: {exc.strerror}") from None
