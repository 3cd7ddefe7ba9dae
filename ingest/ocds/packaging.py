"""OCDS packagings, streamed with ijson: which one a file is, and its releases and records one by one.

A file is a release package (``{"releases": [...]}``), a record package (``{"records": [...]}``),
a single release (an object with ``ocid``), a single record (``ocid`` with ``releases`` or
``compiledRelease``), a JSON array of releases or records, or JSON Lines (one release, record or
package per line). Packages are never loaded whole: items are read one at a time.

Locators: JSON pointers into the file (``/releases/3``, ``/records/0/compiledRelease``, ``/2``,
``/`` for a single release), or ``line 5`` for JSON Lines (``line 5#/releases/0`` for a package
on a line). Field locators add the path: ``/releases/3/awards/0/suppliers/1``,
``line 5#/awards/0``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson
from tierwatch.graph.errors import InputFileError
from tierwatch.ingest.readers import json_head

OBJECT_ROLES = ("release-package", "record-package", "release", "record")


@dataclass(frozen=True)
class Locator:
    """Where an item sits in its file; ``at(...)`` gives a field's locator."""

    base: str

    def at(self, *parts: str | int) -> str:
        path = "".join(f"/{p}" for p in parts)
        if self.base.startswith("/"):
            return (self.base.rstrip("/") + path) or "/"
        return f"{self.base}#{path}" if path else self.base


@dataclass
class Item:
    """One release or record as read (``data`` None when the item could not be read as an object)."""

    locator: Locator
    data: dict[str, Any] | None
    problem: str | None = None


def item_kind(obj: Any) -> str | None:
    """'release', 'record', 'release-package', 'record-package' or None for a JSON value."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("records"), list):
        return "record-package"
    if "ocid" in obj:
        return "record" if ("compiledRelease" in obj or isinstance(obj.get("releases"), list)) else "release"
    if isinstance(obj.get("releases"), list):
        return "release-package"
    return None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def _is_ocds(obj: Any) -> bool:
    """A release or record, or a package whose first item is one (an empty package counts)."""
    kind = item_kind(obj)
    if kind in ("release-package", "record-package"):
        items = obj["releases" if kind == "release-package" else "records"]
        return not items or item_kind(items[0]) == kind.removesuffix("-package")
    return kind is not None


def top_level_keys(path: Path) -> list[str]:
    """Keys of the top-level JSON object, streamed (the values are not kept)."""
    keys = []
    with path.open("rb") as fh:
        try:
            for prefix, event, value in ijson.parse(fh):
                if prefix == "" and event == "map_key":
                    keys.append(value)
        except ijson.JSONError as exc:
            raise InputFileError(str(path), f"not valid JSON ({_one_line(exc)})") from None
    return keys


def _first(path: Path, prefix: str) -> Any:
    with path.open("rb") as fh:
        try:
            for obj in ijson.items(fh, prefix, use_float=True):
                return obj
        except ijson.JSONError as exc:
            raise InputFileError(str(path), f"not valid JSON ({_one_line(exc)})") from None
    return None


def _first_line(path: Path) -> Any:
    with path.open("rb") as fh:
        for raw in fh:
            if raw.strip():
                try:
                    return json.loads(raw.decode("utf-8-sig"))
                except (ValueError, UnicodeDecodeError):
                    return None
    return None


def recognise(path: Path) -> str | None:
    """The packaging of ``path`` from its content, or None when it is not OCDS."""
    head = json_head(path)
    if head is None:
        return None
    shape = head[0]
    if shape == "lines":
        return "json-lines" if _is_ocds(_first_line(path)) else None
    if shape == "array":
        return "array" if item_kind(_first(path, "item")) in ("release", "record") else None
    keys = set(top_level_keys(path))
    if "records" in keys:
        first = _first(path, "records.item")
        return "record-package" if first is None or item_kind(first) == "record" else None
    if "ocid" in keys:
        return "record" if keys & {"releases", "compiledRelease"} else "release"
    if "releases" in keys:
        first = _first(path, "releases.item")
        return "release-package" if first is None or item_kind(first) == "release" else None
    return None


def iter_items(path: Path, role: str) -> Iterator[Item]:
    """The file's releases or records, one by one, each with its locator."""
    if role == "json-lines":
        yield from _iter_lines(path)
        return
    if role in ("release", "record"):
        obj = _first(path, "")
        yield Item(Locator("/"), obj if isinstance(obj, dict) else None)
        return
    prefix = {"release-package": "releases", "record-package": "records", "array": ""}[role]
    pointer = f"/{prefix}" if prefix else ""
    with path.open("rb") as fh:
        index = -1
        try:
            items = ijson.items(fh, f"{prefix}.item" if prefix else "item", use_float=True)
            for index, obj in enumerate(items):
                loc = Locator(f"{pointer}/{index}")
                yield _item(loc, obj)
        except ijson.JSONError as exc:
            message = f"not valid JSON after item {pointer}/{index} ({_one_line(exc)})"
            raise InputFileError(str(path), message) from None


def _iter_lines(path: Path) -> Iterator[Item]:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            loc = Locator(f"line {number}")
            if not raw.strip():
                yield Item(loc, None, "blank line")
                continue
            try:
                obj = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
            except UnicodeDecodeError:
                yield Item(loc, None, "line is not UTF-8 text")
                continue
            except ValueError as exc:
                yield Item(loc, None, f"line is not valid JSON ({exc})")
                continue
            kind = item_kind(obj)
            if kind in ("release-package", "record-package"):
                key = "releases" if kind == "release-package" else "records"
                for i, entry in enumerate(obj[key]):
                    yield _item(Locator(f"line {number}#/{key}/{i}"), entry)
            else:
                yield _item(loc, obj)


def _item(loc: Locator, obj: Any) -> Item:
    return Item(loc, obj) if isinstance(obj, dict) else Item(loc, None, "not a JSON object")


def package_keys(path: Path, role: str) -> list[str]:
    """Package metadata keys (everything but the releases/records array), as ``package/<key>``."""
    if role not in ("release-package", "record-package"):
        return []
    return [f"package/{k}" for k in top_level_keys(path) if k not in ("releases", "records")]
