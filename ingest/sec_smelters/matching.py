"""The RMI smelter reference as found in the store, for resolving Form SD rows to RMI ids.

Only ``rmi:`` Smelter nodes that some *other* dataset holds count as reference (the RMI lists,
CMRTs): nodes this source itself made from its rows never feed back into its own matching, so a
re-ingest resolves every row exactly as the first run did.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pycountry
from rapidfuzz import fuzz, process
from tierwatch.graph.names import fold, normalise_name
from tierwatch.ingest.reference import commodity_id, country_code


@dataclass(frozen=True)
class Candidate:
    node_id: str
    name: str
    score: float  # 0..100


def _node_metals(node: dict[str, Any]) -> set[str]:
    metals = {c for c in node.get("commodities", []) if isinstance(c, str)}
    found = commodity_id(node.get("metal"))
    if found:
        metals.add(found)
    return metals


class SmelterReference:
    def __init__(self, nodes: Iterable[dict[str, Any]], own_dataset: str) -> None:
        self.names: dict[str, list[str]] = {}  # rmi id -> normalised names (standard name first)
        self.by_key: dict[tuple[str, str], set[str]] = defaultdict(set)  # (name, commodity) -> ids
        self.by_metal: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.display: dict[str, str] = {}
        for node in nodes:
            nid = node["id"]
            if not nid.startswith("rmi:") or not set(node.get("datasets", [])) - {own_dataset}:
                continue
            names = [n for n in (node.get("name"), *node.get("aliases", [])) if n]
            normalised = list(dict.fromkeys(normalise_name(n) for n in names if normalise_name(n)))
            self.names[nid] = normalised
            self.display[nid] = node.get("name") or nid
            for metal in _node_metals(node):
                for norm in normalised:
                    self.by_key[(norm, metal)].add(nid)
                    self.by_metal[metal][norm].add(nid)

    @property
    def loaded(self) -> bool:
        return bool(self.names)

    def knows(self, nid: str) -> bool:
        return nid in self.names

    def exact(self, name: str, metal: str) -> set[str]:
        return set(self.by_key.get((normalise_name(name), metal), set()))

    def similar(self, name: str, metal: str, threshold: float, limit: int) -> list[Candidate]:
        """Reference smelters of the metal whose names are close to ``name``, best first."""
        choices = self.by_metal.get(metal, {})
        if not choices:
            return []
        best: dict[str, Candidate] = {}
        for norm, score, _ in process.extract(
            normalise_name(name),
            list(choices),
            scorer=fuzz.token_set_ratio,
            score_cutoff=threshold,
            limit=None,
        ):
            for nid in sorted(choices[norm]):
                if nid not in best or score > best[nid].score:
                    best[nid] = Candidate(nid, self.display[nid], round(score, 1))
        return sorted(best.values(), key=lambda c: (-c.score, c.node_id))[:limit]

    def name_distance(self, nid: str, name: str) -> float:
        """Best token-set ratio (0..100) between ``name`` and the reference names of ``nid``."""
        norm = normalise_name(name)
        return max((fuzz.token_set_ratio(norm, ref) for ref in self.names.get(nid, [])), default=0.0)


_WORDS = re.compile(r"[^a-z]+")


def _bare(text: str) -> str:
    """Letters only, 'the' dropped: 'Congo, The Democratic Republic of the' ~ 'congo democratic republic of'.

    The Form SD file strips punctuation from country names ('korea republic of').
    """
    return " ".join(w for w in _WORDS.sub(" ", fold(text)).split() if w != "the")


_BARE_COUNTRIES: dict[str, str] = {}


def country_of(value: str | None) -> str | None:
    """ISO alpha-2 for a country name, also when its punctuation was stripped ('korea republic of')."""
    if not value or not value.strip():
        return None
    found = country_code(value)
    if found:
        return found
    if not _BARE_COUNTRIES:
        for c in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                text = getattr(c, attr, None)
                if text:
                    _BARE_COUNTRIES.setdefault(_bare(text), str(c.alpha_2))
    return _BARE_COUNTRIES.get(_bare(value))


def is_country_name(name: str) -> bool:
    """A smelter name that is really a country's name (a known quirk of transcribed lists)."""
    return len(name.strip()) > 3 and country_of(name) is not None
