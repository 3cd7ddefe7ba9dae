"""Brand and manufacturer names mentioned in OCDS free text (titles, descriptions, item descriptions).

Where the names come from: the graph's Brand nodes (their ``name``, as other sources wrote them)
and the ``[[brand]]`` entries of data/aliases.toml with their reviewed ``aliases`` (product names
that mean that brand in free text, e.g. "Azure" -> Microsoft). Matching rule:

1. Whole words only, the full reviewed name or alias ("Hewlett Packard Enterprise", never
   "Hewlett"); where two names overlap the longer wins.
2. Case: case-sensitive as written ("Canon", "Apple", "Ford", "HP": canon law, apple juice,
   horsepower), unless the aliases entry sets ``any_case = true`` for a coined name ("Microsoft",
   "Lenovo"). Aliases are always case-sensitive. Graph-only brands are case-sensitive.
3. Not a personal name: rejected when the word before is an honorific (Mr, Dr, Sir, Cllr ...) or
   a reviewed given name (given_names.toml: "Josef Canon", "Michael Dell"), or when the word
   after is a post-nominal or legal title (KC, QC, MP, OBE ...) or a given name ("Canon John
   Smith", a clergy title).
4. Names that are also common surnames (``personal_name_risk = true`` in the aliases entry, and
   every one-word graph-only brand) are further rejected after any capitalised word that is not
   a function word ("Professional fees of Josef Canon KC": "Josef"), and before a street word
   ("Ford Road"). ``reject_after_number = true`` rejects a name used as a unit ("3 Tesla MRI").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tierwatch.graph.names import normalise_name
from tierwatch.ingest.ocds.text import given_names

HONORIFICS = frozenset(
    (
        "Mr",
        "Mrs",
        "Ms",
        "Miss",
        "Mx",
        "Dr",
        "Prof",
        "Professor",
        "Sir",
        "Dame",
        "Lord",
        "Lady",
        "Judge",
        "Justice",
        "Rev",
        "Revd",
        "Cllr",
        "Councillor",
        "Captain",
        "Capt",
    )
)
POST_NOMINALS = frozenset(
    (
        "KC",
        "QC",
        "K.C.",
        "Q.C.",
        "MP",
        "MSP",
        "MS",
        "AM",
        "JP",
        "Esq",
        "Esq.",
        "OBE",
        "MBE",
        "CBE",
        "DBE",
        "KBE",
        "FRS",
        "PhD",
        "Jr",
        "Jr.",
        "Snr",
        "Jnr",
        "Sr",
        "Sr.",
    )
)
FUNCTION_WORDS = frozenset(
    (
        "A",
        "An",
        "And",
        "As",
        "At",
        "By",
        "For",
        "From",
        "In",
        "Into",
        "Of",
        "On",
        "Or",
        "The",
        "To",
        "With",
        "Via",
        "Supply",
        "Provision",
        "Purchase",
        "Procurement",
        "Replacement",
        "Renewal",
        "Lease",
        "Hire",
        "Maintenance",
        "Support",
    )
)
STREET_WORDS = frozenset(
    (
        "Road",
        "Rd",
        "Street",
        "St",
        "Lane",
        "Avenue",
        "Close",
        "Drive",
        "Way",
        "Place",
        "Crescent",
        "Court",
        "Grove",
        "Gardens",
        "Terrace",
        "Hill",
        "Park",
        "Estate",
        "Farm",
        "Green",
        "Square",
    )
)
_TOKEN_BEFORE = re.compile(r"([A-Za-z][\w.'-]*)[\s,]*$")
_TOKEN_AFTER = re.compile(r"^[\s,]*([A-Za-z][\w.'-]*)")
_NUMBER_BEFORE = re.compile(r"\d(?:[.,]\d+)?\s*$")


@dataclass(frozen=True)
class BrandTerm:
    text: str  # the words to find
    brand: str  # the brand's display name
    node_id: str | None  # the graph node when the brand came from the graph
    any_case: bool = False
    personal_name_risk: bool = False
    reject_after_number: bool = False


@dataclass(frozen=True)
class Mention:
    brand: str
    node_id: str | None
    matched: str
    snippet: str


class BrandMatcher:
    def __init__(self, terms: Iterable[BrandTerm]) -> None:
        self.terms = sorted(set(terms), key=lambda t: (-len(t.text), t.text, t.brand))
        self._patterns = [
            (
                term,
                re.compile(
                    r"(?<!\w)" + r"\s+".join(re.escape(w) for w in term.text.split()) + r"(?!\w)",
                    re.IGNORECASE if term.any_case else 0,
                ),
            )
            for term in self.terms
        ]

    @classmethod
    def build(cls, aliases_raw: dict[str, Any], graph_brands: Iterable[dict[str, Any]]) -> BrandMatcher:
        terms: list[BrandTerm] = []
        reviewed: set[str] = set()
        for entry in aliases_raw.get("brand", []):
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip():
                continue
            reviewed.add(normalise_name(name))
            risk = bool(entry.get("personal_name_risk", False))
            after_number = bool(entry.get("reject_after_number", False))
            terms.append(BrandTerm(name, name, None, bool(entry.get("any_case", False)), risk, after_number))
            for alias in entry.get("aliases", []):
                terms.append(BrandTerm(alias, name, None, False, risk, after_number))
        for node in graph_brands:
            name = node.get("name")
            if not isinstance(name, str) or not name.strip() or normalise_name(name) in reviewed:
                continue
            terms.append(BrandTerm(name.strip(), name.strip(), node["id"], False, len(name.split()) == 1))
        return cls(terms)

    def find(self, text: str) -> list[Mention]:
        """Accepted mentions in ``text``, left to right, overlaps resolved in favour of the longer name."""
        spans: list[tuple[int, int, BrandTerm]] = []
        for term, pattern in self._patterns:
            for match in pattern.finditer(text):
                if self._accepted(text, match.start(), match.end(), term):
                    spans.append((match.start(), match.end(), term))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        out: list[Mention] = []
        last_end = -1
        for start, end, term in spans:
            if start < last_end:
                continue
            last_end = end
            out.append(Mention(term.brand, term.node_id, text[start:end], _snippet(text, start, end)))
        return out

    @staticmethod
    def _accepted(text: str, start: int, end: int, term: BrandTerm) -> bool:
        before_match = _TOKEN_BEFORE.search(text[:start])
        after_match = _TOKEN_AFTER.match(text[end:])
        before = before_match.group(1) if before_match else ""
        after = after_match.group(1) if after_match else ""
        names = given_names()
        if before.rstrip(".") in HONORIFICS or before in names:
            return False
        if after in POST_NOMINALS or after.rstrip(",") in POST_NOMINALS or after in names:
            return False
        if term.reject_after_number and _NUMBER_BEFORE.search(text[:start]):
            return False
        if term.personal_name_risk:
            adjacent = text[before_match.end(1) : start] if before_match else ""
            capitalised = before[:1].isupper() and not before.isupper() and before not in FUNCTION_WORDS
            if capitalised and "," not in adjacent and "\n" not in adjacent:
                return False
            if after in STREET_WORDS:
                return False
        return True


def _snippet(text: str, start: int, end: int, width: int = 40) -> str:
    left = " ".join(text[max(0, start - width) : start].split())
    right = " ".join(text[end : end + width].split())
    lead = "…" if start > width else ""
    tail = "…" if end + width < len(text) else ""
    return f"{lead}{left} {text[start:end]} {right}{tail}".strip()
