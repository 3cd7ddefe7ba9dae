"""Shared by the US government lists (UFLPA, CBP WRO/Findings, BIS Entity List).

- Reading the parsed-list JSON files (``{"list_id": ..., "entities": [...]}``), recognised by
  their keys and ``list_id``.
- Splitting a listed name into the entity's name and its aliases: parentheses that start with
  "also known as", "formerly known as", "including/and N alias(es):" hold aliases; a parenthesised
  acronym of 3+ letters ("(XPCC)") is an alias; other parentheses ("(Shanshan)", "(Group)", "(HK)")
  belong to the name.
  A trailing "and (its) subsidiaries / subordinate and affiliated entities" is kept as a note.
- :class:`ListedEntities`: after mapping, listed names are compared with the store's Company,
  Brand, Smelter, Facility and Mine nodes by normalised name. An exact match *is* that node (the
  finding concerns it): the listed name against node names first, then all listed names against
  names and aliases of two words or more; an ambiguous match is no match. A listed name of two
  words or more that begins another node's name ("Zijin Mining Group" -> "Zijin Mining Group Gold
  Smelting") or is a run of words inside it ("Gold Refinery of Zijin Mining Group") offers an
  OWNERSHIP_CANDIDATE from the listed entity to that unit, scored
  ``0.6 + 0.3 * listed words / unit words``; never a merge, never an OWNS link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import LEGAL_FORMS, normalise_name
from tierwatch.graph.schema import LocatedIn, Method, OwnershipCandidate
from tierwatch.ingest.framework import IngestContext
from tierwatch.ingest.readers import json_head
from tierwatch.ingest.reference import country_code

MATCH_TYPES = ("Company", "Brand", "Smelter", "Facility", "Mine")
ORG_TYPES = ("Company", "Brand")
NAME_MATCH_CONFIDENCE = 0.8

_ALIAS_OPENING = re.compile(
    r"^\s*(?:and\s+)?(?:also known as|formerly known as|a\.?k\.?a\.?|f\.?k\.?a\.?|"
    r"(?:including|and)\s+(?:one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+alias(?:es)?\s*:)",
    re.I,
)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.\-]{2,11}$")  # XPCC, VSETC; not (HK), which is part of a name
_SUBSIDIARIES = re.compile(
    r",?\s+and\s+(?:its|their)?\s*(?:\w+\s+)?"
    r"(?:subsidiaries|subordinates?|subordinate and affiliated entities)\b.*$",
    re.I,
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


@dataclass
class Listing:
    name: str
    aliases: list[str] = field(default_factory=list)
    remark: str | None = None  # "and subsidiaries", "(of Nagoya, Japan)" ...


def _top_level_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level parenthesised group, nested parentheses allowed."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


def _alias_list(text: str) -> list[str]:
    out = []
    for chunk in re.split(r";\s*|(?<=\.)\s+and\s+(?=[A-Z]|formerly|also)", text):
        chunk = _ALIAS_OPENING.sub("", chunk).strip()
        chunk = re.sub(r"^(?:and\s+)", "", chunk).strip(" ,")
        chunk = _ALIAS_OPENING.sub("", chunk).strip(" ,")
        if chunk:
            out.append(chunk)
    return out


def split_listing(text: str) -> Listing:
    """A listed entity's name, aliases and remark from the text of one list entry."""
    text = " ".join(text.split())
    remarks = []
    suffix = _SUBSIDIARIES.search(text)
    if suffix:
        remarks.append(suffix.group(0).strip(" ,"))
        text = text[: suffix.start()]
    aliases: list[str] = []
    kept, last = [], 0
    for start, end in _top_level_groups(text):
        inner = text[start + 1 : end - 1].strip()
        if _ALIAS_OPENING.match(inner):
            aliases.extend(_alias_list(inner))
        elif _ACRONYM.match(inner) and not country_code(inner):
            aliases.append(inner)
        elif re.match(r"^of\s", inner, re.I):
            remarks.append(f"({inner})")
        else:
            continue
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    name = " ".join("".join(kept).split()).strip(" ,;")
    suffix = _SUBSIDIARIES.search(name)  # "X (aka Y) and subsidiaries"
    if suffix:
        remarks.append(suffix.group(0).strip(" ,"))
        name = name[: suffix.start()].strip(" ,")
    return Listing(name, [a for a in aliases if a != name], "; ".join(remarks) or None)


def ends_with_legal_form(text: str) -> bool:
    words = re.findall(r"[A-Za-z]+", text.lower())
    return bool(words) and (words[-1] in LEGAL_FORMS or text.rstrip(". ").lower().endswith("de c.v"))


def parse_date(text: str | None) -> str | None:
    """ISO date from '2019-09-30', 'June 21, 2022' or '7/22/20' (US month/day/year)."""
    if not text:
        return None
    text = text.strip().rstrip(".")
    try:
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            return date.fromisoformat(text).isoformat()
        words = re.match(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$", text)
        if words and words.group(1).lower() in _MONTHS:
            return date(int(words.group(3)), _MONTHS[words.group(1).lower()], int(words.group(2))).isoformat()
        us = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$", text)
        if us:
            year = int(us.group(3))
            if year < 100:
                year += 2000 if year <= date.today().year % 100 + 1 else 1900
            return date(year, int(us.group(1)), int(us.group(2))).isoformat()
    except ValueError:
        return None
    return None


# -- parsed-list JSON files --------------------------------------------------------------------
def load_list(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputFileError(str(path), f"not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise InputFileError(str(path), "expected a JSON object with an 'entities' array")
    return data


def recognise_list(path: Path, role: dict[str, Any]) -> bool:
    """A parsed-list JSON file whose list_id and entity keys fit the role's description."""
    head = json_head(path)
    if head is None or not head[1].startswith("{"):
        return False
    try:
        data = load_list(path)
    except InputFileError:
        return False
    if data.get("list_id") not in role.get("list_ids", []):
        return False
    entities = [e for e in data["entities"][:50] if isinstance(e, dict)]
    required = set(role.get("entity_keys", []))
    return bool(entities) and all(required <= set(e) for e in entities)


def entity_columns(data: dict[str, Any]) -> list[str]:
    keys: dict[str, None] = {}
    for entity in data["entities"]:
        if isinstance(entity, dict):
            keys.update(dict.fromkeys(entity))
    return list(keys)


#: Id prefixes of the findings of the US lists (uflpa, cbp-wro, bis-entities).
LIST_PREFIXES = frozenset({"uflpa", "cbp", "bis"})


# -- matching against the graph ----------------------------------------------------------------
class ListedEntities:
    """Listed names of one run, matched to the store's nodes; offers ownership candidates."""

    def __init__(self, ctx: IngestContext) -> None:
        self.ctx = ctx
        self._known: dict[str, list[tuple[str, str]]] | None = None  # normalised name/alias -> [(id, type)]
        self._names: dict[str, list[tuple[str, str]]] = {}  # normalised name -> [(id, type)]
        self.listed: dict[str, str] = {}  # listed node id -> normalised name

    def _index(self) -> dict[str, list[tuple[str, str]]]:
        """Normalised names (and aliases) of stored nodes that other datasets brought.

        Nodes this dataset created are left out, so that a re-run sees the same graph as the
        first run did (its own listings are matched within the run instead).
        """
        if self._known is None:
            self._known, self._names = {}, {}
            for node in self.ctx.resolver.store.iter_nodes(types=MATCH_TYPES):
                if node.get("origin_dataset") == self.ctx.info.dataset:
                    continue
                hit = (node["id"], node["type"])
                if node.get("name"):
                    self._names.setdefault(normalise_name(node["name"]), []).append(hit)
                for name in [node.get("name"), *node.get("aliases", [])]:
                    key = normalise_name(name) if name else ""
                    if len(key.split()) >= 2 and hit not in self._known.get(key, []):  # no bare acronyms
                        self._known.setdefault(key, []).append(hit)
        return self._known

    def match(self, names: list[str]) -> tuple[str, str] | None:
        """(id, type) of the one stored node named like the listing (its name first, then aliases)."""
        index = self._index()
        passes = (([normalise_name(names[0])], self._names), ([normalise_name(n) for n in names], index))
        for keys, table in passes:
            found = {hit for key in keys for hit in table.get(key, [])}
            non_org = {h for h in found if h[1] not in ORG_TYPES}
            found = non_org or found  # a site named exactly like the listing is the listed entity
            if len(found) == 1:
                return found.pop()
            if found:
                return None  # ambiguous: no silent choice
        return None

    def add(self, node_id: str, name: str) -> None:
        self.listed[node_id] = normalise_name(name)

    def _listed_elsewhere(self) -> dict[str, str]:
        """Entities other US lists already in the store name (so candidates do not depend on load order)."""
        store = self.ctx.resolver.store
        ids = sorted(
            {
                e["dst"]
                for e in store.iter_edges(types=["CONCERNS"])
                if e["src"].split(":", 1)[0] in LIST_PREFIXES
                and self.ctx.info.dataset not in e.get("datasets", [])
            }
        )
        return {
            n["id"]: normalise_name(n["name"])
            for n in store.get_nodes(ids).values()
            if n.get("name") and n["type"] in ORG_TYPES
        }

    def ownership_candidates(self, list_name: str) -> int:
        """Emit OWNERSHIP_CANDIDATE edges from listed groups to units whose names they begin."""
        groups: dict[str, list[str]] = {}
        for nid, key in {**self._listed_elsewhere(), **self.listed}.items():
            if len(key.split()) >= 2 and nid not in groups.get(key, []):
                groups.setdefault(key, []).append(nid)
        units: dict[str, set[str]] = {}
        self._index()
        for key, hits in self._names.items():
            units.setdefault(key, set()).update(nid for nid, _ in hits)
        for nid, key in self.listed.items():
            units.setdefault(key, set()).add(nid)
        best: dict[tuple[str, str], tuple[float, str]] = {}
        for unit_key, unit_ids in units.items():
            words = unit_key.split()
            n = len(words)
            for start in range(n):
                for k in range(2, n - start + (0 if start == 0 else 1)):  # never the whole name
                    run = " ".join(words[start : start + k])
                    score = round(0.6 + 0.3 * k / n, 3)
                    where = "begins" if start == 0 else "contains"
                    evidence = (
                        f"{list_name} lists '{run}'; the name '{unit_key}' {where} it ({k} of {n} "
                        "words): a possible parent, not confirmed"
                    )
                    for group_id in groups.get(run, []):
                        for unit_id in unit_ids - {group_id}:
                            pair = (group_id, unit_id)
                            if pair not in best or (score, evidence) > best[pair]:
                                best[pair] = (score, evidence)
        for (group_id, unit_id), (score, evidence) in sorted(best.items()):
            self.ctx.edge(
                OwnershipCandidate(src=group_id, dst=unit_id, score=score, evidence=evidence),
                at=f"ownership candidate {group_id} -> {unit_id}",
                confidence=score,
                method=Method.NAME_MATCH,
            )
        made = len(best)
        return made


def emit_listed(
    ctx: IngestContext,
    listed: ListedEntities,
    listing: Listing,
    *,
    country: str | None = None,
    address: str | None = None,
    confidence: float | None = None,
) -> str:
    """Emit the listed entity (a Company, or the existing node it names) and return its id."""
    hit = listed.match([listing.name, *listing.aliases])
    if hit and hit[1] not in ORG_TYPES:
        listed.add(hit[0], listing.name)
        return hit[0]
    code = country_code(country)
    model = ctx.resolver.org_model(listing.name, country=code)
    if hit:  # a stored organisation whose name or alias is this listing's: the same node
        model = model.model_copy(update={"id": hit[0]})
    extra: dict[str, Any] = {"aliases": sorted({*model.aliases, *listing.aliases} - {model.name or ""})}
    if address:
        extra["address"] = address
    model = model.model_copy(update=extra)
    ctx.node(model, confidence=confidence)
    if code:
        ctx.edge(LocatedIn(src=model.id, dst=f"country:{code}"), confidence=confidence)
        ctx.ref.country(code)
    listed.add(model.id, listing.name)
    return model.id
