"""A name index for matching many rows at once, scoring names exactly as entity search does.

``graph/query/search.py`` ranks one query by walking every entity's names; a list of 1,000 rows
needs the same scores without 1,000 walks. The index holds, once per store generation and access
level, every searchable name and alias folded and normalised (``graph/names.py``), so a row's
candidates come from dictionary look-ups (exact and normalised names), sorted-key ranges (names
beginning with the row's name) and one rapidfuzz pass (``WRatio``) over the names that share a word,
or a nearly alike word, with the row's name (blocking: ``MatchIndex._block``); each candidate name
is scored by the search's own rules (``search.rule_score``, ``FUZZY_FACTOR``, ``CUTOFF``), so a
name scores here at least what ``tierwatch search`` gives it. Two differences, both for lists: the
fuzzy pass also compares the normalised names (legal forms dropped: "Mining Zijin" vs "Zijin Mining
Co.,Ltd" scores as "zijin mining"), and a fuzzy-only likeness with no word in common with the row
(search scans every name) is not looked for.

The index holds what a viewer *with* licence access would see (access-restricted entities are left
out for viewers without access); licence-restricted rows are dropped per viewer at query time and
counted as withheld.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process, utils
from tierwatch.graph.names import LEGAL_FORMS, fold, normalise_name
from tierwatch.graph.query.index import node_is_hidden
from tierwatch.graph.query.search import CUTOFF, FUZZY_FACTOR, MIN_PREFIX, SHORT_ALIAS, SHORT_NAME, rule_score

Row = dict[str, Any]
NEAR_WORD = 80.0  # a row's word and a name's word this alike (rapidfuzz ratio) bring the name to fuzzing
NEAR_WORDS = 10  # at most this many words of the graph stand in for one unknown word of a row
COMMON_WORD = 1_500  # words in more names than this block only when the row has no rarer word


@dataclass
class NameHit:
    """The best name of one entity for a row: its search score and the rule that gave it."""

    score: float
    field: str  # "name" or "alias"
    value: str
    rule: str  # exact | normalised | prefix | fuzzy


@dataclass
class MatchIndex:
    rows: list[Row]
    entries: list[tuple[int, str, str]] = field(default_factory=list)  # (row, field, original text)
    by_folded: dict[str, list[int]] = field(default_factory=dict)  # folded text -> entries
    by_norm: dict[str, list[int]] = field(default_factory=dict)  # normalised text -> entries
    folded_keys: list[tuple[str, int]] = field(default_factory=list)  # sorted, names only (prefix rule)
    norm_keys: list[tuple[str, int]] = field(default_factory=list)
    fuzzy_texts: list[str] = field(default_factory=list)  # rapidfuzz-processed, long enough to fuzz
    fuzzy_entries: list[int] = field(default_factory=list)
    token_texts: dict[str, list[int]] = field(default_factory=dict)  # word -> fuzzy texts holding it
    words_by_initial: dict[str, list[str]] = field(default_factory=dict)  # first letter -> words
    by_identifier: dict[str, list[int]] = field(default_factory=dict)  # lower-cased identifier or id -> rows
    by_value: dict[str, list[int]] = field(
        default_factory=dict
    )  # an identifier's value without scheme -> rows

    @classmethod
    def build(cls, rows: list[Row]) -> MatchIndex:
        ix = cls(rows=rows)
        for i, row in enumerate(rows):
            for ident in [*(row.get("identifiers") or ()), row["id"]]:
                ix.by_identifier.setdefault(ident.strip().lower(), []).append(i)
            for ident in row.get("identifiers") or ():
                ix.by_value.setdefault(ident.split(":", 1)[-1].strip().lower(), []).append(i)
            names = ([("name", row["name"])] if row.get("name") else []) + [
                ("alias", a) for a in row.get("aliases") or ()
            ]
            for fname, value in names:
                e = len(ix.entries)
                ix.entries.append((i, fname, value))
                folded, norm = fold(value), normalise_name(value)
                ix.by_folded.setdefault(folded, []).append(e)
                if norm:
                    ix.by_norm.setdefault(norm, []).append(e)
                if fname == "name":
                    ix.folded_keys.append((folded, e))
                    if norm:
                        ix.norm_keys.append((norm, e))
                if len(folded) > (SHORT_NAME if fname == "name" else SHORT_ALIAS):
                    # the folded text (as search fuzzes it) and, when it differs, the normalised one
                    for text in dict.fromkeys([utils.default_process(folded), utils.default_process(norm)]):
                        if not text:
                            continue
                        for word in set(text.split()):
                            ix.token_texts.setdefault(word, []).append(len(ix.fuzzy_texts))
                        ix.fuzzy_texts.append(text)
                        ix.fuzzy_entries.append(e)
        for word in ix.token_texts:
            ix.words_by_initial.setdefault(word[0], []).append(word)
        ix.folded_keys.sort()
        ix.norm_keys.sort()
        return ix

    @staticmethod
    def _prefixed(keys: list[tuple[str, int]], prefix: str) -> list[int]:
        start = bisect.bisect_left(keys, (prefix, -1))
        out = []
        for key, e in keys[start:]:
            if not key.startswith(prefix):
                break
            out.append(e)
        return out

    def names(self, text: str, types: frozenset[str]) -> dict[int, NameHit]:
        """row -> the best name hit for ``text`` (scores as ``search.rank`` gives them)."""
        q, qn = fold(text), normalise_name(text)
        if not q:
            return {}
        best: dict[int, NameHit] = {}

        def offer(e: int, score: float, rule: str) -> None:
            i, fname, value = self.entries[e]
            if types and self.rows[i]["type"] not in types:
                return
            cur = best.get(i)
            # ties as in search: name before alias, then the smaller text
            if cur is None or (-score, fname != "name", value) < (-cur.score, cur.field != "name", cur.value):
                best[i] = NameHit(score, fname, value, rule)

        ruled: set[int] = set()
        candidates = set(self.by_folded.get(q, ())) | set(self.by_norm.get(qn, ()) if qn else ())
        if len(q) >= MIN_PREFIX:
            candidates.update(self._prefixed(self.folded_keys, q))
            if qn:
                candidates.update(self._prefixed(self.norm_keys, qn))
        for e in candidates:
            _, fname, value = self.entries[e]
            score = rule_score(fname, value, q, qn)
            if score is not None:
                ruled.add(e)
                offer(e, score, _rule_name(fname, value, q, qn))
        for pq in dict.fromkeys([utils.default_process(q), utils.default_process(qn)]):
            block = self._block(pq) if pq else []
            texts = [self.fuzzy_texts[j] for j in block]
            for _, raw, k in process.extract(
                pq, texts, scorer=fuzz.WRatio, processor=None, score_cutoff=CUTOFF / FUZZY_FACTOR, limit=None
            ):
                e = self.fuzzy_entries[block[k]]
                if e not in ruled:
                    offer(e, round(raw * FUZZY_FACTOR, 2), "fuzzy")
        return best

    def _block(self, pq: str) -> list[int]:
        """The fuzzy texts worth scoring for a processed query: those sharing a word with it, or, for a
        word no name has (misspelt?), one of the NEAR_WORDS words spelt most alike (same first letter,
        ratio >= NEAR_WORD). Words in more than COMMON_WORD texts ("mining", "company") block only
        when the query has no rarer word."""
        near: set[str] = set()
        for word in set(pq.split()) - LEGAL_FORMS:  # "ltd" brings every limited company
            near.add(word)
            if len(word) >= 4 and word not in self.token_texts:  # a word no name has: maybe misspelt
                near.update(
                    w
                    for w, _, _ in process.extract(
                        word,
                        self.words_by_initial.get(word[0], ()),
                        scorer=fuzz.ratio,
                        score_cutoff=NEAR_WORD,
                        limit=NEAR_WORDS,
                    )
                )
        lists = [self.token_texts[w] for w in near if w in self.token_texts]
        rare = [ts for ts in lists if len(ts) <= COMMON_WORD]
        out: set[int] = set()
        for ts in rare or lists:
            out.update(ts)
        return sorted(out)

    def identified(self, identifier: str) -> list[int]:
        return self.by_identifier.get(identifier.strip().lower(), [])


def _rule_name(fname: str, value: str, q: str, qn: str) -> str:
    if fold(value) == q:
        return "exact"
    if qn and normalise_name(value) == qn:
        return "normalised"
    return "prefix"


_CACHE: weakref.WeakKeyDictionary[Any, dict[tuple[str, bool], MatchIndex]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def index_for(service: Any, sees_access: bool) -> MatchIndex:
    """The index of a query service's searchable entities for one access level, built once per store
    generation (``service.source.search_rows()``: the rows entity search ranks, on either store)."""
    key = (service.generation, sees_access)
    with _LOCK:
        per = _CACHE.setdefault(service, {})
        if key not in per:
            hidden = service.source.hidden()
            rows = [r for r in service.source.search_rows() if sees_access or not node_is_hidden(r, *hidden)]
            for old in [k for k in per if k[0] != key[0]]:  # an older generation
                del per[old]
            per[key] = MatchIndex.build(rows)
        return per[key]
