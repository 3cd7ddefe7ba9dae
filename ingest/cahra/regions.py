"""Placing a listed region on an ISO 3166-2 subdivision: by code, checked against the name, or by name.

Names are compared by a transliteration-tolerant skeleton (accents, apostrophes, administrative words
such as "oblast" and vowels dropped; y and j read as i), so "Luhans'k" meets "Luhanska oblast" and
"Kurskaja oblast'" meets "Kurskaya oblast'". A code whose ISO name does not fit the list's name while
another subdivision of the country does ("Kiev" given as UA-35, which ISO names Kirovohradska oblast)
is a conflict: the region is not placed. No coordinates are used: no offline boundary source is
installed, so nothing is placed by point-in-polygon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry
from tierwatch.graph.names import fold

_ADMIN_WORDS = re.compile(
    r"\b(oblast|province|region|state|governorate|department|prefecture|district|"
    r"county|territory|division|wilayah|provincia|departamento|estado)\b"
)


def skeleton(name: str) -> str:
    text = _ADMIN_WORDS.sub(" ", fold(name).replace("'", "").replace("’", ""))
    text = re.sub(r"[^a-z]", "", text).replace("y", "i").replace("j", "i")
    text = re.sub(r"[aeiou]", "", text)
    return re.sub(r"(.)\1+", r"\1", text)


def names_fit(a: str, b: str) -> bool:
    sa, sb = skeleton(a), skeleton(b)
    if not sa or not sb:
        return fold(a) == fold(b)
    return sa == sb or (min(len(sa), len(sb)) >= 2 and (sa.startswith(sb) or sb.startswith(sa)))


@dataclass(frozen=True)
class Placement:
    code: str | None  # the ISO 3166-2 code the region is placed on, or None
    method: str  # identifier_match, name_match or "" when not placed
    note: str
    problem: str | None = None  # why it was not placed


def place_region(country: str, code: str, name: str) -> Placement:
    subs = list(pycountry.subdivisions.get(country_code=country) or [])
    sub = pycountry.subdivisions.get(code=code) if code else None
    if sub is not None and sub.country_code == country:
        if not name or names_fit(name, sub.name):
            return Placement(sub.code, "identifier_match", f"placed by ISO 3166-2 code {sub.code}")
        others = [s for s in subs if s.code != sub.code and names_fit(name, s.name)]
        if others:
            alt = ", ".join(f"{s.code} {s.name}" for s in others)
            return Placement(
                None,
                "",
                "",
                f"code {code} is {sub.name} in ISO 3166-2 but the list's name "
                f"'{name}' fits {alt}: ambiguous, not placed",
            )
        return Placement(
            sub.code,
            "identifier_match",
            f"placed by ISO 3166-2 code {sub.code} (ISO name {sub.name}; the list says '{name}')",
        )
    fits = [s for s in subs if names_fit(name, s.name)] if name else []
    exact = [s for s in fits if skeleton(s.name) == skeleton(name)]
    chosen = exact if len(exact) == 1 else fits
    if len(chosen) == 1:
        found = chosen[0]
        return Placement(
            found.code,
            "name_match",
            f"code {code or '(none)'} is not in ISO 3166-2 "
            f"(pycountry); placed by name on {found.code} {found.name}",
        )
    why = "no subdivision" if not chosen else f"{len(chosen)} subdivisions"
    return Placement(
        None,
        "",
        "",
        f"code {code or '(none)'} is not an ISO 3166-2 code of {country} and the name '{name}' fits {why}",
    )
