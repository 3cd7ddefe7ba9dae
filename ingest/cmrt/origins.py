"""What a smelter row's origin cells honestly say, token by token.

The mine-name and mine-location columns hold, in practice: country names (one or a long list),
RMI's origin codes (DRC; CC, the Covered Countries; HR, high-risk; LR, low-risk; R/S, recycled or
scrap), recycled/scrap phrases in any spelling ("Recyled or Scrap", "Ta scrap"), district names
(Rwanda's Rutsiro, Ngororero ...), mine or mining-company names, and remarks that are no origin at
all ("Please see RCOI-List", "listted as conformant Smelter", "Ta concentrate"). Codes are checked
before country names: "CC", "HR" and "LR" are also ISO codes (Cocos Islands, Croatia, Liberia).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pycountry
from tierwatch.graph.names import LEGAL_FORMS, fold
from tierwatch.ingest.reference import country_code

_SEPARATORS = re.compile(r"(\s*[,;\n]\s*)")


@dataclass(frozen=True)
class Origin:
    kind: str  # country, code, recycled, district, mine, remark
    text: str
    country: str | None = None  # ISO alpha-2 (country, district, DRC)
    code: str | None = None  # RMI origin code, upper case
    region: str | None = None  # ISO 3166-2 of a district's province


def split_tokens(text: str, *, rejoin_legal_forms: bool) -> list[str]:
    """Comma/semicolon/newline separated parts; 'Mining Co., Ltd.' stays one part for names."""
    pieces = _SEPARATORS.split(text)
    parts: list[str] = []
    for i in range(0, len(pieces), 2):
        part = pieces[i].strip()
        if not part:
            continue
        words = [w for w in re.split(r"[^\w]+", fold(part)) if w]
        if rejoin_legal_forms and parts and words and all(w in LEGAL_FORMS for w in words):
            parts[-1] = parts[-1] + pieces[i - 1].replace("\n", " ") + part
            continue
        parts.append(part)
    return parts


def lenient_country(text: str) -> str | None:
    """ISO alpha-2 for a country name, tolerating a misplaced space ('RussianF ederation')."""
    found = country_code(text)
    if found or len(text) <= 3:
        return found
    squeezed = re.sub(r"\s+", "", fold(text))
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name and re.sub(r"\s+", "", fold(name)) == squeezed:
                return str(country.alpha_2)
    return None


class OriginReader:
    """Classifies origin tokens with the source's lookups (codes, districts, remark words)."""

    def __init__(self, lookups: dict[str, dict[str, Any]]) -> None:
        self.codes = {k.upper(): v for k, v in lookups.get("origin_codes", {}).items()}
        words = lookups.get("origin_words", {})
        self.recycled = _word_pattern(words.get("recycled", []), prefix=True)
        self.remark = _word_pattern(words.get("remark", []), prefix=False)
        self.districts = {fold(k): v for k, v in lookups.get("districts", {}).items()}

    def classify(self, token: str, *, mine_column: bool) -> Origin:
        text = token.strip()
        code = self.codes.get(text.upper())
        if code is not None:
            return Origin("code", text, country=code.get("country"), code=text.upper())
        folded = fold(text)
        if self.recycled and self.recycled.search(folded):
            return Origin("recycled", text, code="R/S")
        if self.remark and self.remark.search(folded):
            return Origin("remark", text)
        country = lenient_country(text)
        if country:
            return Origin("country", text, country=country)
        district = self.districts.get(folded)
        if district:
            return Origin("district", text, country=district[:2], region=district)
        if mine_column and any(ch.isalpha() for ch in text):
            return Origin("mine", text)
        return Origin("remark", text)

    def read(self, mine_text: str, location_text: str) -> list[Origin]:
        out: list[Origin] = []
        for token in split_tokens(mine_text, rejoin_legal_forms=True):
            out.append(self.classify(token, mine_column=True))
        for token in split_tokens(location_text, rejoin_legal_forms=False):
            out.append(self.classify(token, mine_column=False))
        return out


def _word_pattern(words: list[str], *, prefix: bool) -> re.Pattern[str] | None:
    """Words matched at a word start (prefix=True: 'recycl' matches 'recycled') or as whole words."""
    if not words:
        return None
    tail = "" if prefix else r"(?![\w])"
    alternatives = "|".join(re.escape(fold(w)) for w in words)
    return re.compile(rf"(?:(?<![\w])|(?<=[^\x00-\x7f]))(?:{alternatives}){tail}")
