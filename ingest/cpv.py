"""Contract categories and nature (goods / works / services) from CPV and other classification codes.

The table is ``ingest/vocab/cpv_categories.toml`` (versioned; its header states the rules): the
longest matching code prefix gives a contract's categories ("ict", "phones", "vehicles",
"batteries", "medical_devices" ...), the CPV division gives its nature. Codes are accepted as
written by the sources: ``30213100``, ``30213100-6`` (check digit), ``CPV:30213100`` (the OCDS
pipeline's ``SCHEME:code``), ``CPV-AM:32421300/5`` (a national extension: its first 8 digits) and
``UNSPSC:43211503`` (schemes with their own ``[schemes.*]`` table). Codes of other schemes, and
text that is no code, give nothing and are listed in ``Classification.unrecognised``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tierwatch.graph.errors import ConfigError

TABLE_PATH = Path(__file__).parent / "vocab" / "cpv_categories.toml"
NATURES = ("goods", "works", "services")
_CPV = re.compile(r"^(\d{8})(?:-\d)?$")
_CPV_EXTENSION = re.compile(r"^(\d{8})(?:[-/].*)?$")  # "32421300/5" (CPV-AM): CPV digits first
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Category:
    name: str
    description: str
    chain: str | None  # the coverage chain it expects (graph/query/exposure.py CHAINS), None if none


@dataclass(frozen=True)
class Table:
    version: str
    categories: dict[str, Category]
    prefixes: dict[str, dict[str, tuple[str, ...]]]  # scheme ("CPV", "UNSPSC") -> prefix -> categories
    nature: dict[str, str]  # CPV division -> "works" / "services" (others: goods)


@dataclass
class Classification:
    """What a contract's codes say: categories, natures, and the codes that said nothing."""

    categories: list[str] = field(default_factory=list)
    natures: list[str] = field(default_factory=list)  # of its CPV codes: goods / works / services
    cpv: list[str] = field(default_factory=list)  # normalised 8-digit CPV codes
    unrecognised: list[str] = field(default_factory=list)

    @property
    def is_goods(self) -> bool:
        return "goods" in self.natures


def _categories_of(value: object, where: str, known: dict[str, Category]) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{TABLE_PATH.name}: {where}: a category name or a list of them expected")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(
            f"{TABLE_PATH.name}: {where}: unknown category {unknown[0]!r} (add it to [categories])"
        )
    return tuple(names)


@cache
def table() -> Table:
    """The parsed table (read once); a malformed table raises ConfigError naming the row."""
    data = tomllib.loads(TABLE_PATH.read_text(encoding="utf-8"))
    cats = {
        name: Category(name, str(spec.get("description", "")), str(spec.get("chain") or "") or None)
        for name, spec in data.get("categories", {}).items()
    }
    prefixes: dict[str, dict[str, tuple[str, ...]]] = {"CPV": {}}
    for prefix, value in data.get("cpv", {}).items():
        if not _DIGITS.match(prefix):
            raise ConfigError(f"{TABLE_PATH.name}: [cpv] {prefix!r}: a prefix is digits only")
        prefixes["CPV"][prefix] = _categories_of(value, f"[cpv] {prefix}", cats)
    for scheme, rows in data.get("schemes", {}).items():
        prefixes[scheme.upper()] = {
            p: _categories_of(v, f"[schemes.{scheme}] {p}", cats) for p, v in rows.items()
        }
    nature = {str(k): str(v) for k, v in data.get("nature", {}).items()}
    bad = [v for v in nature.values() if v not in NATURES]
    if bad:
        raise ConfigError(f"{TABLE_PATH.name}: [nature]: {bad[0]!r} is not one of {', '.join(NATURES)}")
    return Table(str(data.get("version", "")), cats, prefixes, nature)


def version() -> str:
    return table().version


def parse(code: str) -> tuple[str, str] | None:
    """(scheme, code) of a code as sources write it: ("CPV", "30213100"); None when it is no code."""
    text = str(code).strip()
    scheme, sep, value = text.partition(":")
    if not sep:
        scheme, value = "CPV", text
    scheme, value = scheme.strip().upper(), value.strip()
    if scheme == "CPV":
        m = _CPV.match(value)
        return ("CPV", m.group(1)) if m else None
    if scheme.startswith("CPV-"):  # a national extension of CPV
        m = _CPV_EXTENSION.match(value)
        return ("CPV", m.group(1)) if m else None
    digits = re.match(r"\d+", value)
    return (scheme, digits.group(0)) if digits and scheme in table().prefixes else None


def normalise(code: str) -> str | None:
    """The 8-digit CPV code of ``code`` ("CPV:30213100-6" -> "30213100"), None if it is no CPV code."""
    parsed = parse(code)
    return parsed[1] if parsed and parsed[0] == "CPV" else None


def nature(code: str) -> str | None:
    """ "goods", "works" or "services" for a CPV code; None for other schemes and non-codes."""
    cpv = normalise(code)
    return table().nature.get(cpv[:2], "goods") if cpv else None


def _lookup(scheme: str, digits: str) -> tuple[str, ...]:
    rows = table().prefixes.get(scheme, {})
    for length in range(len(digits), 0, -1):
        if digits[:length] in rows:
            return rows[digits[:length]]
    return ()


def classify(codes: Iterable[str]) -> Classification:
    out = Classification()
    cats: set[str] = set()
    natures: set[str] = set()
    for code in codes:
        parsed = parse(code)
        if parsed is None:
            out.unrecognised.append(str(code))
            continue
        scheme, digits = parsed
        cats.update(_lookup(scheme, digits))
        if scheme == "CPV":
            out.cpv.append(digits)
            natures.add(table().nature.get(digits[:2], "goods"))
    out.categories = sorted(cats)
    out.natures = [n for n in NATURES if n in natures]
    out.cpv = list(dict.fromkeys(out.cpv))
    return out


def categories_for(codes: Iterable[str]) -> list[str]:
    """Sorted categories of a contract's codes (main and additional); [] when none has one."""
    return classify(codes).categories


def is_goods(codes: Iterable[str]) -> bool:
    """True when any CPV code of the contract is in a goods division (not works 45, not services 50-98)."""
    return classify(codes).is_goods


def chain_for(category: str) -> str | None:
    """The coverage chain a category expects ("phones" -> "ict"), None when the table defines none."""
    cat = table().categories.get(category)
    return cat.chain if cat else None
