"""Cell parsers for the Resource Matters cobalt links: names, ownership shares, places, dates, amounts.

Each parser takes the cell as the file has it and returns what it can read, or None; the caller
keeps the raw text as evidence so nothing read loosely is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry
from tierwatch.graph.names import LEGAL_FORMS, fold, normalise_name

# "LG Energy Solution (LGES)": a trailing parenthesised acronym the file adds to a name.
_ACRONYM = re.compile(r"\s*\(([A-Z0-9][A-Z0-9 &.\-]{0,11})\)\s*$")
_SHARE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_PAREN = re.compile(r"\([^()]*\)")
_MEMBER_SPLIT = re.compile(r"\s*/\s+|\s+/\s*|\s*,\s*(?:and\s+)?|\s+and\s+")
_THROUGH = re.compile(r"\s+(?:through|trhough|via)\s+", re.I)
_PLACE_SPLIT = re.compile(r"_-_|\s+-\s+|[,/;]|_")
_SUBDIVISION_SUFFIXES = (" province", " sheng", " shi", " city", " state", " prefecture", " region")


def clean_name(raw: str) -> tuple[str, str | None]:
    """(name without trailing acronyms, the acronym) -- "Congo Dongfang Mining (CDM)" -> (.., "CDM")."""
    name = " ".join(raw.split())
    acronym = None
    while True:
        match = _ACRONYM.search(name)
        if not match or match.start() == 0:
            break
        acronym = acronym or match.group(1).strip()
        name = name[: match.start()].strip()
    return name, acronym


def is_composition(text: str) -> bool:
    """A cell listing owners ("Glencore plc / Gecamines", "Zijin (72%) and Gecamines (28%)")."""
    return bool(_SHARE.search(text)) or " / " in text


@dataclass(frozen=True)
class Member:
    """One owner named in a composition or parent cell."""

    name: str
    share: float | None
    stated: str  # the text as the file gives it


def parse_members(text: str) -> list[Member]:
    """Owners in "A (51%) / B (49%)", "Huayou (57%), CMOC (30%)", "Nissan, NEC, and Tokin Corporation".

    "Geely group through Shanghai Maple Guorun (49%)" names the direct holder (Shanghai Maple Guorun).
    A piece that is only a legal form ("Ltd.") belongs to the name before it.
    """
    pieces: list[str] = []
    for piece in _MEMBER_SPLIT.split(text.strip()):
        piece = piece.strip()
        if not piece:
            continue
        bare = fold(piece).strip(". ")
        if pieces and (bare in LEGAL_FORMS or not normalise_name(piece)):
            pieces[-1] = f"{pieces[-1]}, {piece}"
        else:
            pieces.append(piece)
    members = []
    for piece in pieces:
        share_match = _SHARE.search(piece)
        share = float(share_match.group(1).replace(",", ".")) / 100 if share_match else None
        name = _PAREN.sub(
            lambda m: "" if "%" in m.group(0) or "subsidiary" in m.group(0) else m.group(0), piece
        )
        name = _SHARE.sub("", name)
        name = _THROUGH.split(name)[-1]
        name = re.sub(r"\(\s*-?\s*\)", "", name).strip(" -,")
        if name:
            members.append(Member(" ".join(name.split()), share, piece))
    return members


def place_parts(place: str) -> list[str]:
    """The pieces of a place cell: "Dilala_-_Kolwezi_-_Lualaba_-_DRC" -> [Dilala, Kolwezi, Lualaba, DRC]."""
    return [p.strip() for p in _PLACE_SPLIT.split(place) if p.strip()]


def readable_place(place: str) -> str:
    return ", ".join(place_parts(place)) if "_" in place else " ".join(place.split())


def region_code(country: str, place: str) -> str | None:
    """ISO 3166-2 code when exactly one piece of the place is a subdivision's name (a province)."""
    names: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions.get(country_code=country) or []:
        base = fold(sub.name)
        keys = {base, base.split(" (")[0]}
        for suffix in _SUBDIVISION_SUFFIXES:
            keys |= {k.removesuffix(suffix) for k in list(keys)}
        for key in keys:
            names.setdefault(key, set()).add(str(sub.code))
    found: set[str] = set()
    for part in place_parts(place):
        found |= names.get(fold(part), set())
    return found.pop() if len(found) == 1 else None


def parse_coordinate(value: str, limit: float) -> float | None:
    try:
        number = float(value.strip().replace(",", "."))
    except ValueError:
        return None
    return number if -limit <= number <= limit and number == number else None


@dataclass(frozen=True)
class Period:
    start: str | None
    end: str | None
    years: tuple[int, ...]


_YEAR_RANGE = re.compile(r"^(?:[A-Za-z]+\s+)?(\d{4})\s*(?:-\s*(?:[A-Za-z]+\s+)?(\d{4})?)?(?:\s*\(.*\))?$")
_DAY_RANGE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2})\s*-\s*(\d{1,2})/(\d{1,2})/(\d{2})$")


def parse_period(text: str) -> Period | None:
    """'2022', '2016-2018', '2019-' (open), 'Spring 2020-2028', '9/4/19-31/12/23' (day/month/2-digit year)."""
    text = text.strip()
    match = _YEAR_RANGE.match(text)
    if match:
        start, end = match.group(1), match.group(2)
        open_ended = end is None and text.rstrip().endswith("-")
        if end is None and not open_ended:
            end = start
        years = tuple(sorted({int(start), *([int(end)] if end else [])}))
        return Period(start, end, years)
    match = _DAY_RANGE.match(text)
    if match:
        d1, m1, y1, d2, m2, y2 = (int(g) for g in match.groups())
        if 1 <= m1 <= 12 and 1 <= m2 <= 12 and 1 <= d1 <= 31 and 1 <= d2 <= 31:
            start = f"{2000 + y1}-{m1:02d}-{d1:02d}"
            end = f"{2000 + y2}-{m2:02d}-{d2:02d}"
            return Period(start, end, (2000 + y1, 2000 + y2))
    return None


_SCALE = {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9}
_AMOUNT = re.compile(r"^\$?\s*([\d][\d\s,.]*?)\s*(thousand|million|billion|bn|m|b)?\s*\$?$", re.I)


def parse_amount(text: str) -> float | None:
    """'$3.1 billion', '2.27B$', '200 million', '222 674 300' -> a number; anything looser -> None."""
    match = _AMOUNT.match(text.strip())
    if not match:
        return None
    digits = match.group(1).replace(" ", "")
    if digits.count(",") and digits.count("."):
        return None
    if "," in digits:
        thousands = re.fullmatch(r"\d{1,3}(,\d{3})+", digits)
        digits = digits.replace(",", "") if thousands else digits.replace(",", ".")
    try:
        value = float(digits)
    except ValueError:
        return None
    return value * _SCALE.get((match.group(2) or "").lower(), 1.0)
