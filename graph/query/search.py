"""Entity search with one ranking shared by both stores (docs/QUERY.md "Search").

Score (0..100) of an entity for a query q, the best over its fields:
- identifier equal to q (case-insensitive) or id equal to q: 100;
- name or alias equal to q after folding (lower case, accents removed): 100; equal after
  normalise_name (legal forms dropped): 98;
- otherwise rapidfuzz ``WRatio`` of the folded strings, x 0.95, kept when >= 60.
Rounded to 2 decimals; ties by field (identifier, id, name, alias), then entity id.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process, utils
from tierwatch.graph.names import fold, normalise_name

FIELDS = ("identifier", "id", "name", "alias")
CUTOFF = 60.0


def _visible(
    row: dict[str, Any], sees_access: bool, sees_licence: bool, hidden: tuple[frozenset[str], frozenset[str]]
) -> bool:
    from tierwatch.graph.query.index import node_is_hidden

    if not sees_access and node_is_hidden(row, *hidden):
        return False
    return sees_licence or row.get("licence_class") != "restricted"


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
    if not q:
        return [], 0
    qn = normalise_name(text)
    wanted = set(types)
    country = country.upper() if country else None
    best: dict[str, tuple[float, int, str, dict]] = {}
    strings: list[str] = []
    owners: list[tuple[int, str, str]] = []  # (row index, field, original text)
    for i, row in enumerate(rows):
        if wanted and row["type"] not in wanted:
            continue
        if country and row.get("country") != country:
            continue
        for ident in row.get("identifiers") or ():
            if ident.lower() == text.strip().lower():
                best[row["id"]] = (100.0, 0, ident, row)
        if row["id"].lower() == text.strip().lower():
            best.setdefault(row["id"], (100.0, 1, row["id"], row))
        names = ([("name", row["name"])] if row.get("name") else []) + [
            ("alias", a) for a in row.get("aliases") or ()
        ]
        for field, value in names:
            strings.append(fold(value))
            owners.append((i, field, value))
    matches = process.extract(
        q,
        strings,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=CUTOFF / 0.95,
        limit=None,
    )
    for _, raw, j in matches:
        i, field, value = owners[j]
        folded = strings[j]
        if folded == q:
            score = 100.0
        elif qn and normalise_name(value) == qn:
            score = 98.0
        else:
            score = round(raw * 0.95, 2)
        row = rows[i]
        key = (-score, FIELDS.index(field))
        current = best.get(row["id"])
        if (
            current is None
            or key < (-current[0], current[1])
            or (key == (-current[0], current[1]) and value < current[2])
        ):
            best[row["id"]] = (score, FIELDS.index(field), value, row)
    out = []
    withheld = 0
    for score, fidx, value, row in best.values():
        out.append((score, FIELDS[fidx], value, row))
    out.sort(key=lambda x: (-x[0], FIELDS.index(x[1]), x[3]["id"]))
    visible = [x for x in out if _visible(x[3], sees_access, sees_licence, hidden)]
    withheld = sum(
        1
        for x in out
        if not _visible(x[3], True, sees_licence, hidden) and _visible(x[3], sees_access, True, hidden)
    )
    return visible, withheld
