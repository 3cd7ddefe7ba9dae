"""Entity resolution: one node per real company, smelter or site across sources.

Order of evidence: identifiers first (company numbers, RMI ids), then the normalised name (after
the reviewed aliases file has mapped known renames). Names that are only similar never merge:
they become ``SAME_AS_CANDIDATE`` links with a score, for ``tierwatch candidates`` to review.
Pairs the aliases file declares distinct are never offered.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from rapidfuzz import fuzz
from tierwatch.graph.names import LEGAL_FORMS, fold, normalise_name, slug
from tierwatch.graph.records import EdgeRecord, NodeRecord, Provenance
from tierwatch.graph.schema import Brand, Company, Method, NodeModel, Owns, SameAsCandidate
from tierwatch.graph.store import GraphStore

ALIASES_DATASET = "tierwatch-aliases"
CANDIDATE_THRESHOLD = 88.0


@dataclass
class Aliases:
    """The reviewed aliases file: renames, parent links, distinct pairs, decided candidates."""

    renames: dict[str, str] = field(default_factory=dict)  # normalised alias -> canonical name
    rename_notes: dict[str, str] = field(default_factory=dict)
    parents: list[dict[str, str]] = field(default_factory=list)
    distinct: set[frozenset[str]] = field(default_factory=set)
    brands: dict[str, str] = field(default_factory=dict)  # normalised name -> brand display name
    decisions: dict[frozenset[str], str] = field(default_factory=dict)
    operates: list[dict[str, str]] = field(default_factory=list)  # reviewed company -> site links
    raw: dict = field(default_factory=dict)
    version: str = "none"
    path: Path | None = None

    @classmethod
    def load(cls, path: Path) -> Aliases:
        if not path.exists():
            return cls(path=path)
        blob = path.read_bytes()
        data = tomllib.loads(blob.decode("utf-8"))
        out = cls(raw=data, version=hashlib.sha256(blob).hexdigest()[:16], path=path)
        for entry in data.get("rename", []):
            for alias in entry.get("aliases", []):
                out.renames[normalise_name(alias)] = entry["canonical"]
                out.rename_notes[normalise_name(alias)] = entry.get("note", "")
        for entry in data.get("parent", []):
            out.parents.append(entry)
        for entry in data.get("distinct", []):
            out.distinct.add(frozenset({normalise_name(entry["a"]), normalise_name(entry["b"])}))
        for entry in data.get("brand", []):
            out.brands[normalise_name(entry["name"])] = entry["name"]
        for entry in data.get("operates", []):
            out.operates.append(entry)
        for entry in data.get("candidate", []):
            out.decisions[frozenset({entry["a"], entry["b"]})] = entry["decision"]
        return out

    def canonical(self, name: str) -> str:
        return self.renames.get(normalise_name(name), name)


def org_id(name: str) -> str:
    return f"org:{slug(name)}"


def has_legal_form(name: str) -> bool:
    """Whether a name carries a company's legal form ("Zijin Mining Co.,Ltd"): it names a company."""
    words = [w for w in re.split(r"[^\w]+", fold(name)) if w]
    return len(words) >= 2 and words[-1] in LEGAL_FORMS


class Resolver:
    """Resolves organisation names and identifiers to node ids during one run."""

    def __init__(self, store: GraphStore, aliases: Aliases, add_node, add_edge) -> None:
        self.store = store
        self.aliases = aliases
        self._add_node = add_node
        self._add_edge = add_edge
        self._ident_cache: dict[str, str | None] = {}
        self._run_idents: dict[str, str] = {}
        self._parents_done: set[str] = set()
        self.new_orgs: dict[str, str] = {}  # id -> name, for candidate search

    def _prov(self, locator: str) -> Provenance:
        file = self.aliases.path.name if self.aliases.path else "aliases.toml"
        return Provenance(ALIASES_DATASET, self.aliases.version, file, locator, 0.95, Method.REVIEWED.value)

    def by_identifier(self, identifier: str) -> str | None:
        if identifier in self._run_idents:
            return self._run_idents[identifier]
        if identifier not in self._ident_cache:
            self._ident_cache[identifier] = self.store.find_by_identifiers([identifier]).get(identifier)
        return self._ident_cache[identifier]

    def org(self, name: str, identifiers: list[str] | tuple[str, ...] = ()) -> tuple[str, str]:
        """(node id, canonical name) for an organisation. The caller emits the node itself."""
        canonical = self.aliases.canonical(name)
        self._emit_parent_links(canonical)
        for ident in identifiers:
            found = self.by_identifier(ident)
            if found:
                return found, canonical
        nid = org_id(canonical)
        for ident in identifiers:
            self._run_idents.setdefault(ident, nid)
        self.new_orgs.setdefault(nid, canonical)
        return nid, canonical

    def org_model(
        self,
        name: str,
        *,
        brand: bool = False,
        identifiers: list[str] | tuple[str, ...] = (),
        country: str | None = None,
        **extra,
    ) -> NodeModel:
        """A Company (or Brand) model for a name, resolved, with the source's spelling as an alias."""
        nid, canonical = self.org(name, identifiers)
        is_brand = brand or normalise_name(canonical) in self.aliases.brands
        cls = Brand if is_brand else Company
        aliases = [name] if name != canonical else []
        return cls(
            id=nid, name=canonical, aliases=aliases, identifiers=list(identifiers), country=country, **extra
        )

    def _emit_parent_links(self, canonical: str) -> None:
        key = normalise_name(canonical)
        if key in self._parents_done:
            return
        self._parents_done.add(key)
        for i, entry in enumerate(self.aliases.parents):
            if key not in (normalise_name(entry["parent"]), normalise_name(entry["child"])):
                continue
            pid, cid = org_id(entry["parent"]), org_id(entry["child"])
            loc = f"parent[{i}]"
            for nid, nm in ((pid, entry["parent"]), (cid, entry["child"])):
                cls = Brand if normalise_name(nm) in self.aliases.brands else Company
                self._add_node(NodeRecord.of(cls(id=nid, name=nm), self._prov(loc)))
            share = entry.get("share")
            model = Owns(
                src=pid,
                dst=cid,
                relation=entry.get("relation", "parent"),
                share=float(share) if share is not None else None,
                note=entry.get("note"),
            )
            self._add_edge(EdgeRecord.of(model, self._prov(loc)))

    def _parent_pairs(self) -> set[frozenset[str]]:
        """Parent and child named in the aliases file are related, not the same: never candidates."""
        return {
            frozenset({normalise_name(e["parent"]), normalise_name(e["child"])}) for e in self.aliases.parents
        }

    def candidates(self, known: dict[str, str]) -> list[tuple[SameAsCandidate, float]]:
        """Scored same-entity candidates between this run's new organisations and all known ones."""
        blocks: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for nid, name in known.items():
            norm = normalise_name(name)
            if norm:
                blocks[norm.split()[0]].append((nid, norm))
        out = []
        seen: set[frozenset[str]] = set()
        never = self.aliases.distinct | self._parent_pairs()
        for nid, name in self.new_orgs.items():
            norm = normalise_name(name)
            if not norm:
                continue
            for other_id, other_norm in blocks.get(norm.split()[0], []):
                pair = frozenset({nid, other_id})
                if other_id == nid or pair in seen or other_norm == norm:
                    continue
                seen.add(pair)
                if frozenset({norm, other_norm}) in never:
                    continue
                score = fuzz.token_set_ratio(norm, other_norm)
                if score < CANDIDATE_THRESHOLD:
                    continue
                decision = self.aliases.decisions.get(frozenset({nid, other_id}), "open")
                a, b = sorted((nid, other_id))
                model = SameAsCandidate(
                    src=a,
                    dst=b,
                    score=round(score / 100, 3),
                    review=cast(Literal["open", "confirmed", "rejected"], decision),  # pydantic checks it
                    evidence=f"names '{norm}' and '{other_norm}' (token set ratio {score:.0f})",
                )
                out.append((model, round(score / 100, 3)))
        return out
