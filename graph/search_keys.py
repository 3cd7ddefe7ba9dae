"""What entity search matches on, per stored node: its fields and their keys (docs/QUERY.md "Search").

Shared by the ranking (graph/query/search.py, both stores) and the embedded store's on-disk search
index (graph/sqlite_search.py), so the index holds exactly what the ranking reads:

- ``entries_of(node)``: (field, text) for each identifier, the id, the name and each alias;
- the exact-match keys (graph/sqlite_search.py): an id or identifier lower-cased, a name or alias
  folded and by ``normalise_name`` (the exact and prefix rules look these up);
- ``fuzzy_key(text)``: a name or alias as the fuzzy scorer compares it (folded, then rapidfuzz's
  default processing: lower case, punctuation as spaces); ``grams(key)`` its 3-character runs. A
  fuzzy match needs a run in common with the query (a query shorter than 3 characters: to be
  contained in the key), which an FTS5 trigram index answers without reading every name.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import Any

from rapidfuzz import utils
from tierwatch.graph.names import fold

#: node types search never returns (indicator rows, sources, findings: they are reached from entities)
UNSEARCHED_TYPES = ("Indicator", "Source", "RiskFinding", "Remedy")
FIELDS = ("identifier", "id", "name", "alias")
GRAM = 3


def searchable(node: dict[str, Any]) -> bool:
    return node.get("type") not in UNSEARCHED_TYPES


def entries_of(node: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, original text) of every field search matches on."""
    for ident in node.get("identifiers") or ():
        if isinstance(ident, str):
            yield "identifier", ident
    yield "id", node["id"]
    if isinstance(name := node.get("name"), str) and name:
        yield "name", name
    for alias in node.get("aliases") or ():
        if isinstance(alias, str) and alias:
            yield "alias", alias


def fuzzy_key(text: str) -> str:
    """A name or alias as the fuzzy scorer sees it (and as the trigram index holds it)."""
    return str(utils.default_process(fold(text)))


def grams(key: str) -> set[str]:
    return {key[i : i + GRAM] for i in range(len(key) - GRAM + 1)}


def may_match_fuzzily(query_key: str, query_grams: AbstractSet[str], key: str) -> bool:
    """The fuzzy rule's precondition: a 3-character run in common (or, for a query shorter than 3
    characters, the whole query contained)."""
    if not query_key:
        return False
    if len(query_key) < GRAM:
        return query_key in key
    return any(g in key for g in query_grams)
