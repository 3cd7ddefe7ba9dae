"""Entity search with one ranking shared by both stores (docs/QUERY.md "Search").

Score (0..100) of an entity for a query q, the best over its fields (strings folded: lower case,
accents removed):
- identifier equal to q (case-insensitive), id equal to q, or name equal to q: 100;
- name equal to q after normalise_name (legal forms dropped): 98;
- name beginning with q (2 characters or more) as whole words ("zijin" -> "Zijin Mining Group"):
  94 + 4 x the share of the normalised name q covers (94..98);
- alias equal to q: 94; alias equal after normalise_name: 93;
- name beginning with q inside a word ("zijin" -> "Zijinshan"): 90 + 3 x share (90..93);
- otherwise rapidfuzz ``WRatio`` of the folded strings, x 0.89 (so at most 89), kept when >= 60.
So an exact or prefix name match always outranks an alias, and an alias outranks any fuzzy match.
Aliases of at most SHORT_ALIAS characters ("H", "GRC", "RCMP") and names of at most SHORT_NAME
match only exactly: a one-letter alias never scores against "Huayou".
An empty query with a type filter lists the entities of those types (score 0, by name then id).
Rounded to 2 decimals; ties by field (identifier, id, name, alias), then entity id.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process, utils
from tierwatch.graph.names import fold, normalise_name

FIELDS = ("identifier", "id", "name", "alias")
CUTOFF = 60.0
FUZZY_FACTOR = 0.89
SHORT_ALIAS = 4
SHORT_NAME = 2
MIN_PREFIX = 2  # a one-letter query is no name's prefix worth ranking ("H" -> the alias "H" first)


def _visible(
    row: dict[str, Any], sees_access: bool, sees_licence: bool, hidden: tuple[frozenset[str], frozenset[str]]
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


def _listing(rows: list[dict[str, Any]], wanted: set[str], country: str | None) -> list[tuple]:
    """Every entity of the wanted types (an empty query with a type filter), by name then id."""
    out = [
        (0.0, "name", row.get("name") or row["id"], row)
        for row in rows
        if row["type"] in wanted and (not country or row.get("country") == country)
    ]
    out.sort(key=lambda x: (fold(x[2]), x[3]["id"]))
    return out


def rank(
    rows: list[dict[str, Any]],
    text: str,
    *,
    types: tuple[str, ...],
    country: str | None,
    sees_access: bool,
    sees_licence: bool,
    hidden: tuple[frozenset[str], frozenset[str]],
) -> tuple[list[tuple[float, str, str, dict]], int]:
    """[(score, field, matched text, row)] best first, and the number of licence-withheld matches."""
    q = fold(text)
    wanted = set(types)
    country = country.upper() if country else None
    if not q:
        out = _listing(rows, wanted, country) if wanted else []
        return _split(out, sees_access, sees_licence, hidden)
    qn = normalise_name(text)
    best: dict[str, tuple[float, int, str, dict]] = {}

    def offer(row: dict, score: float, fidx: int, value: str) -> None:
        key = (-score, fidx)
        current = best.get(row["id"])
        if (
            current is None
            or key < (-current[0], current[1])
            or (key == (-current[0], current[1]) and value < current[2])
        ):
            best[row["id"]] = (score, fidx, value, row)

    strings: list[str] = []
    owners: list[tuple[int, str, str]] = []  # (row index, field, original text)
    for i, row in enumerate(rows):
        if wanted and row["type"] not in wanted:
            continue
        if country and row.get("country") != country:
            continue
        for ident in row.get("identifiers") or ():
            if ident.lower() == text.strip().lower():
                offer(row, 100.0, 0, ident)
        if row["id"].lower() == text.strip().lower():
            offer(row, 100.0, 1, row["id"])
        names = ([("name", row["name"])] if row.get("name") else []) + [
            ("alias", a) for a in row.get("aliases") or ()
        ]
        for field, value in names:
            score = rule_score(field, value, q, qn)
            if score is not None:
                offer(row, score, FIELDS.index(field), value)
                continue
            folded = fold(value)
            if len(folded) <= (SHORT_NAME if field == "name" else SHORT_ALIAS):
                continue  # very short names and aliases match only exactly
            strings.append(folded)
            owners.append((i, field, value))
    matches = process.extract(
        q,
        strings,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=CUTOFF / FUZZY_FACTOR,
        limit=None,
    )
    for _, raw, j in matches:
        i, field, value = owners[j]
        offer(rows[i], round(raw * FUZZY_FACTOR, 2), FIELDS.index(field), value)
    out = [(score, FIELDS[fidx], value, row) for score, fidx, value, row in best.values()]
    out.sort(key=lambda x: (-x[0], FIELDS.index(x[1]), x[3]["id"]))
    return _split(out, sees_access, sees_licence, hidden)


def _split(
    out: list[tuple], sees_access: bool, sees_licence: bool, hidden: tuple[frozenset[str], frozenset[str]]
) -> tuple[list[tuple[float, str, str, dict]], int]:
    """What the viewer sees, and how many matches a licence restriction withheld from it."""
    visible = [x for x in out if _visible(x[3], sees_access, sees_licence, hidden)]
    withheld = sum(
        1
        for x in out
        if not _visible(x[3], True, sees_licence, hidden) and _visible(x[3], sees_access, True, hidden)
    )
    return visible, withheld
