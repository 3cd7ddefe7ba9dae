"""Entity search with one ranking shared by both stores (docs/QUERY.md "Search").

Score (0..100) of an entity for a query q, the best over its fields (strings folded: lower case,
accents removed):
- identifier equal to q (case-insensitive), id equal to q, or name equal to q: 100;
- name equal to q after normalise_name (legal forms dropped): 98;
- name beginning with q (2 characters or more) as whole words ("zijin" -> "Zijin Mining Group"):
  94 + 4 x the share of the normalised name q covers (94..98);
- alias equal to q: 94; alias equal after normalise_name: 93;
- name beginning with q inside a word ("zijin" -> "Zijinshan"): 90 + 3 x share (90..93);
- otherwise rapidfuzz ``WRatio`` of the folded strings, x 0.89 (so at most 89), kept when >= 60,
  for names and aliases sharing a 3-character run with q (graph/search_keys.py: what a trigram
  index finds; a query shorter than 3 characters: names containing it).
So an exact or prefix name match always outranks an alias, and an alias outranks any fuzzy match.
Aliases of at most SHORT_ALIAS characters ("H", "GRC", "RCMP") and names of at most SHORT_NAME
match only exactly: a one-letter alias never scores against "Huayou".
An empty query with a type filter lists the entities of those types (score 0, by name then id).
Rounded to 2 decimals; ties by field (identifier, id, name, alias), then entity id.

Where the names come from (``Names``): the embedded store answers from its on-disk search index
(graph/sqlite_search.py: exact terms, prefixes and an FTS5 trigram index give the candidates);
Neo4j's searchable rows are ranked in memory (``RowNames``). Both go through ``score`` and ``rank``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rapidfuzz import fuzz, process, utils
from tierwatch.graph.names import fold, normalise_name
from tierwatch.graph.search_keys import (
    FIELDS,
    entries_of,
    fuzzy_key,
    grams,
    may_match_fuzzily,
    searchable,
)

CUTOFF = 60.0
FUZZY_FACTOR = 0.89
SHORT_ALIAS = 4
SHORT_NAME = 2
MIN_PREFIX = 2  # a one-letter query is no name's prefix worth ranking ("H" -> the alias "H" first)

Row = dict[str, Any]
Entry = tuple[str, str, str]  # (entity id, field, original text)


@dataclass(frozen=True)
class Query:
    """A query's folded forms: what the rules compare and what an index looks up."""

    text: str
    q: str  # folded
    qn: str  # normalise_name
    exact: str  # lower-cased, for ids and identifiers
    key: str  # as the fuzzy scorer sees it
    grams: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, text: str) -> Query:
        key = fuzzy_key(text)
        return cls(text, fold(text), normalise_name(text), text.strip().lower(), key, frozenset(grams(key)))

    @property
    def terms(self) -> list[str]:
        """Exact-match keys to look up (ids, identifiers, folded and normalised names and aliases)."""
        return sorted({t for t in (self.exact, self.q, self.qn) if t})

    @property
    def prefixes(self) -> list[str]:
        """Name prefixes to look up (the prefix rules)."""
        if len(self.q) < MIN_PREFIX:
            return []
        return sorted({t for t in (self.q, self.qn) if t})


class Names(Protocol):
    """Where search reads names: candidates (a superset of what can score), rows by id, listings."""

    def candidates(self, query: Query, types: tuple[str, ...]) -> Iterable[Entry]: ...

    def rows(self, ids: Sequence[str]) -> dict[str, Row]: ...

    def listing(self, types: tuple[str, ...]) -> list[Row]: ...


class RowNames:
    """Searchable rows held in memory (the Neo4j source's name rows)."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.by_id = {r["id"]: r for r in rows if searchable(r)}

    def candidates(self, query: Query, types: tuple[str, ...]) -> Iterable[Entry]:
        wanted = set(types)
        for row in self.by_id.values():
            if not wanted or row["type"] in wanted:
                for fname, text in entries_of(row):
                    yield row["id"], fname, text

    def rows(self, ids: Sequence[str]) -> dict[str, Row]:
        return {i: self.by_id[i] for i in ids if i in self.by_id}

    def listing(self, types: tuple[str, ...]) -> list[Row]:
        return [r for r in self.by_id.values() if r["type"] in types]


def _visible(
    row: Row, sees_access: bool, sees_licence: bool, hidden: tuple[frozenset[str], frozenset[str]]
) -> bool:
    from tierwatch.graph.query.index import node_is_hidden

    if not sees_access and node_is_hidden(row, *hidden):
        return False
    return sees_licence or row.get("licence_class") != "restricted"


def _share(q: str, name: str) -> float:
    return min(1.0, len(q) / max(1, len(name)))


def rule_score(field: str, value: str, q: str, qn: str) -> float | None:
    """The score of a name or alias by the exact and prefix rules; None when only fuzzy can match."""
    folded = fold(value)
    if folded == q:
        return 100.0 if field == "name" else 94.0
    norm = normalise_name(value)
    if qn and norm == qn:
        return 98.0 if field == "name" else 93.0
    if field != "name" or not norm or len(q) < MIN_PREFIX:
        return None
    if folded.startswith(q) or (qn and norm.startswith(qn)):
        whole_word = norm == qn or norm.startswith(qn + " ") if qn else False
        whole_word = whole_word or folded[len(q) : len(q) + 1] in ("", " ", ",", ".", "-", "(")
        share = _share(qn or q, norm)
        return round((94.0 + 4.0 * share) if whole_word else (90.0 + 3.0 * share), 2)
    return None


def score(entries: Iterable[Entry], query: Query) -> dict[str, tuple[float, int, str]]:
    """entity id -> (score, field index, matched text): each entity's best field by the rules."""
    q, qn = query.q, query.qn
    best: dict[str, tuple[float, int, str]] = {}

    def offer(eid: str, value: float, fidx: int, text: str) -> None:
        current = best.get(eid)
        if current is None or (-value, fidx, text) < (-current[0], current[1], current[2]):
            best[eid] = (value, fidx, text)

    strings: list[str] = []
    owners: list[tuple[str, int, str]] = []  # (entity id, field index, original text)
    for eid, fname, text in entries:
        if fname in ("identifier", "id"):
            if text.lower() == query.exact:
                offer(eid, 100.0, FIELDS.index(fname), text)
            continue
        value = rule_score(fname, text, q, qn)
        if value is not None:
            offer(eid, value, FIELDS.index(fname), text)
            continue
        folded = fold(text)
        if len(folded) <= (SHORT_NAME if fname == "name" else SHORT_ALIAS):
            continue  # very short names and aliases match only exactly
        if not may_match_fuzzily(query.key, query.grams, fuzzy_key(text)):
            continue
        strings.append(folded)
        owners.append((eid, FIELDS.index(fname), text))
    matches = process.extract(
        q,
        strings,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=CUTOFF / FUZZY_FACTOR,
        limit=None,
    )
    for _, raw, j in matches:
        eid, fidx, text = owners[j]
        offer(eid, round(raw * FUZZY_FACTOR, 2), fidx, text)
    return best


def _listing(rows: list[Row], country: str | None) -> list[tuple]:
    """Every entity of the wanted types (an empty query with a type filter), by name then id."""
    out = [
        (0.0, "name", row.get("name") or row["id"], row)
        for row in rows
        if not country or row.get("country") == country
    ]
    out.sort(key=lambda x: (fold(x[2]), x[3]["id"]))
    return out


def rank(
    names: Names,
    text: str,
    *,
    types: tuple[str, ...],
    country: str | None,
    sees_access: bool,
    sees_licence: bool,
    hidden: tuple[frozenset[str], frozenset[str]],
) -> tuple[list[tuple[float, str, str, Row]], int]:
    """[(score, field, matched text, row)] best first, and the number of licence-withheld matches."""
    query = Query.of(text)
    country = country.upper() if country else None
    if not query.q:
        out = _listing(names.listing(types), country) if types else []
        return _split(out, sees_access, sees_licence, hidden)
    best = score(names.candidates(query, types), query)
    rows = names.rows(sorted(best))
    out = [
        (value, FIELDS[fidx], matched, rows[eid])
        for eid, (value, fidx, matched) in best.items()
        if eid in rows and (not country or rows[eid].get("country") == country)
    ]
    out.sort(key=lambda x: (-x[0], FIELDS.index(x[1]), x[3]["id"]))
    return _split(out, sees_access, sees_licence, hidden)


def _split(
    out: list[tuple], sees_access: bool, sees_licence: bool, hidden: tuple[frozenset[str], frozenset[str]]
) -> tuple[list[tuple[float, str, str, Row]], int]:
    """What the viewer sees, and how many matches a licence restriction withheld from it."""
    visible = [x for x in out if _visible(x[3], sees_access, sees_licence, hidden)]
    withheld = sum(
        1
        for x in out
        if not _visible(x[3], True, sees_licence, hidden) and _visible(x[3], sees_access, True, hidden)
    )
    return visible, withheld
