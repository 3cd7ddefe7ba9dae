"""Matching rows of a buyer's list to entities: candidates, scores with reasons, status (docs/MATCH.md).

Score of a candidate (0..100):
- an identifier of the row equal to one of the entity's (``scheme:value``, or the value alone when
  the row gives no scheme) or to its id: 100;
- else the entity search score of the row's name against the entity's names and aliases
  (``graph/query/search.py``: exact 100, normalised name 98, prefix 90..98, alias 94/93, fuzzy
  ``WRatio`` x 0.89 from 60);
- then, when both sides give a country: +3 if they agree, -10 if they differ; when both give an
  address: +2 if the folded addresses are similar (token set ratio >= 80). Kept within 0..100.
Each candidate carries one reason per part, with the points it contributed.
Decisions (graph/match/decisions.py) override: a confirmed entity comes first with score 100 and
status ``decided``; a rejected one is dropped (listed in ``rejected``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import pycountry
from rapidfuzz import fuzz
from tierwatch.graph.errors import QueryError
from tierwatch.graph.match.decisions import Decisions, row_key
from tierwatch.graph.match.index import MatchIndex, NameHit, index_for
from tierwatch.graph.match.models import MatchCandidate, MatchReason, MatchRecord, MatchRow
from tierwatch.graph.names import fold
from tierwatch.graph.query.results import entity_ref
from tierwatch.graph.query.service import Viewer, check_types

COUNTRY_AGREES = 3.0
COUNTRY_DIFFERS = -10.0
ADDRESS_SIMILAR = 2.0
ADDRESS_MIN_RATIO = 80.0
_CID = re.compile(r"^CID\d{6}$", re.I)

RULE_TEXT = {
    "exact": "name equal (case, accents ignored)",
    "normalised": "normalised name equal (legal form, punctuation dropped)",
    "prefix": "name begins with the row's name",
    "fuzzy": "similar name (fuzzy, any word order)",
}


@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 of a code or an English name ("CN", "CHN", "China"); None if unknown."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


def _identifier_rows(ix: MatchIndex, identifiers: Sequence[str]) -> dict[int, str]:
    """row -> the identifier that found it: equal as given, a bare RMI CID, or a bare value."""
    found: dict[int, str] = {}
    for raw in identifiers:
        value = raw.strip()
        if not value:
            continue
        tries = [value]
        if ":" not in value:
            tries.append(f"RMI:{value}" if _CID.match(value) else value)
        for t in tries:
            for i in ix.identified(t):
                found.setdefault(i, value)
        if ":" not in value:
            for i in ix.by_value.get(value.lower(), ()):
                found.setdefault(i, value)
    return found


def _name_reason(hit: NameHit, points: float) -> MatchReason:
    text = RULE_TEXT[hit.rule]
    if hit.field == "alias":
        text = text.replace("name", "alias", 1)
    return MatchReason(kind="name", points=points, detail=f"{text}: {hit.value!r}")


def _score(
    row: dict[str, Any],
    record: MatchRecord,
    cc: str | None,
    hit: NameHit | None,
    ident: str | None,
    explain: bool = False,
) -> tuple[float, list[MatchReason]]:
    """The candidate's score, and its reasons when ``explain`` (only the shown candidates need them)."""
    reasons: list[MatchReason] = []
    if ident is not None:
        score = 100.0
        if explain:
            reasons.append(MatchReason(kind="identifier", points=100.0, detail=f"identifier {ident!r} equal"))
            if hit is not None:
                reasons.append(_name_reason(hit, 0.0))
    else:
        assert hit is not None
        score = hit.score
        if explain:
            reasons.append(_name_reason(hit, hit.score))
    theirs = row.get("country")
    if cc and theirs:
        points = COUNTRY_AGREES if cc == theirs else COUNTRY_DIFFERS
        score += points
        if explain:
            how = f"country agrees ({cc})" if cc == theirs else f"country differs ({cc} vs {theirs})"
            reasons.append(MatchReason(kind="country", points=points, detail=how))
    if record.address and row.get("address"):
        ratio = fuzz.token_set_ratio(fold(record.address), fold(str(row["address"])))
        points = ADDRESS_SIMILAR if ratio >= ADDRESS_MIN_RATIO else 0.0
        score += points
        if explain:
            how = "similar" if points else "not similar"
            reasons.append(
                MatchReason(kind="address", points=points, detail=f"address {how} ({ratio:.0f}/100)")
            )
    return round(min(100.0, max(0.0, score)), 2), reasons


def _licensed(row: dict[str, Any], viewer: Viewer) -> bool:
    return viewer.sees_restricted_licence or row.get("licence_class") != "restricted"


def match_one(
    ix: MatchIndex,
    record: MatchRecord,
    viewer: Viewer,
    *,
    number: int,
    limit: int,
    types: frozenset[str],
    decisions: Decisions,
    accept: float,
    margin: float,
) -> MatchRow:
    cc = country_code(record.country)
    key = row_key(record.name, cc or record.country, record.identifiers)
    names = ix.names(record.name, types) if record.name else {}
    idents = {
        i: v
        for i, v in _identifier_rows(ix, record.identifiers).items()
        if not types or ix.rows[i]["type"] in types
    }
    decided = decisions.get(key, {})
    yes = {e for e, d in decided.items() if d.decision == "yes"}
    extra = {i for e in yes for i in ix.identified(e) if ix.rows[i]["id"] == e}
    ranked: list[tuple[float, str, int]] = []  # (-score, id, row) of what this viewer may see
    hidden: set[tuple[float, str]] = set()  # licence-restricted ones: counted where they would rank
    rejected: list[str] = []
    confirmed: MatchCandidate | None = None
    for i in sorted(set(names) | set(idents) | extra):
        row = ix.rows[i]
        hit, ident = names.get(i), idents.get(i)
        score = _score(row, record, cc, hit, ident)[0] if hit is not None or ident is not None else 0.0
        if not _licensed(row, viewer):
            if hit is not None or ident is not None:
                hidden.add((-score, row["id"]))
            continue
        decision = decided.get(row["id"])
        if decision is not None and decision.decision == "no":
            rejected.append(row["id"])
        elif decision is not None and confirmed is None:
            reasons = _score(row, record, cc, hit, ident, explain=True)[1] if score else []
            when = f" on {decision.decided_at[:10]}" if decision.decided_at else ""
            reasons.insert(
                0, MatchReason(kind="decision", points=100.0 - score, detail=f"confirmed by a user{when}")
            )
            confirmed = MatchCandidate(entity=entity_ref(row), score=100.0, reasons=reasons)
        else:
            ranked.append((-score, row["id"], i))
    room = limit - (1 if confirmed else 0)
    ranked.sort()
    candidates = [confirmed] if confirmed else []
    for _, _, i in ranked[:room]:
        row = ix.rows[i]
        score, reasons = _score(row, record, cc, names.get(i), idents.get(i), explain=True)
        candidates.append(MatchCandidate(entity=entity_ref(row), score=score, reasons=reasons))
    # withheld: the restricted candidates that would have been among the shown ones
    shown = sorted([(x[0], x[1]) for x in ranked[:room]] + list(hidden))[:room]
    withheld = sum(1 for x in shown if x in hidden)
    if confirmed is not None:
        status = "decided"
    elif not candidates:
        status = "none"
    else:
        top = candidates[0].score
        second = candidates[1].score if len(candidates) > 1 else None
        clear = second is None or top - second >= margin
        status = "matched" if top >= accept and clear else "review"
    return MatchRow(
        row=number,
        key=key,
        record=record,
        status=status,  # type: ignore[arg-type]
        candidates=candidates,
        rejected=sorted(rejected),
        withheld=withheld,
    )


def match_records(
    service: Any,
    records: Sequence[tuple[int, MatchRecord]],
    viewer: Viewer,
    *,
    limit: int = 3,
    types: Sequence[str] = (),
    decisions: Decisions | None = None,
    accept: float = 93.0,
    margin: float = 3.0,
) -> list[MatchRow]:
    """Each (row number, record) matched against a query service's graph, as ``viewer`` sees it."""
    if not 1 <= limit <= 50:
        raise QueryError("limit (candidates per row) must be between 1 and 50")
    wanted = frozenset(check_types(types))
    ix = index_for(service, viewer.sees_restricted_access)
    return [
        match_one(
            ix,
            record,
            viewer,
            number=n,
            limit=limit,
            types=wanted,
            decisions=decisions or {},
            accept=accept,
            margin=margin,
        )
        for n, record in records
    ]


def status_counts(rows: Sequence[MatchRow]) -> dict[str, int]:
    out = {"decided": 0, "matched": 0, "review": 0, "none": 0}
    for r in rows:
        out[r.status] += 1
    return out
