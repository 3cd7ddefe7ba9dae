"""The BIS Entity List (eCFR, parsed): listed organisations and their export-control findings.

Each organisation is a Company (``ctx.resolver.org_model``, aliases, country, the listed address
kept as ``address``) or the stored node it names exactly; a RiskFinding
``bis:finding:<name-slug>:<country>`` (export_control; forced_labour when the entry was added by
a Federal Register rule that the spec lists as a forced-labour rule, e.g. the June 2021 Xinjiang
additions, 86 FR 33120) -CONCERNS-> it. Date: the first Federal Register citation's date (the
addition; later citations are revisions, quoted in the evidence), day precision; none when no
citation is given. Evidence quotes the citation and the licence requirement.

Individuals: the list names people too. They are not supply-chain entities: such rows are skipped
with a counted reason and nothing of them is stored (no name in the quarantine or the notes). The
file has no type field, so a name is a person's when it has 2-5 words, each capitalised (or a
name particle: al, bin, de, van ...), with no digit or punctuation other than . ' -, no legal form,
no organisation word from the spec, no acronym, no country name, a first word not shared by the
spec's number of organisation names, and aliases of the same shape. The rule errs toward treating
an unclear name as a person's (privacy first); the count is in the run's skip reasons.

Confidence 0.85: BIS's list is declared, read through a third party's parse.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from tierwatch.graph.names import LEGAL_FORMS, fold, normalise_name, slug
from tierwatch.graph.schema import Access, Concerns, DatePrecision, LocatedIn, RiskCategory, RiskFinding
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.reference import country_code
from tierwatch.ingest.us_lists.common import (
    ListedEntities,
    emit_listed,
    entity_columns,
    load_list,
    parse_date,
    recognise_list,
    split_listing,
)

SPEC_FILE = "bis_entities.toml"
CONFIDENCE = 0.85
PERSON_SKIP = "individual named on the list (not a supply-chain entity; no personal data stored)"
_CITATION = re.compile(r"(\d+)\s*FR\s*(\d+)\s*,\s*(\d{1,2}/\d{1,2}/\d{2,4})")
_NOT_PERSON_CHARS = re.compile(r"[\d(),&/\"@:;+]")


class PersonRule:
    """Decides from a name's shape whether an entry names an individual (see module docstring)."""

    def __init__(self, spec: dict[str, Any], entities: list[dict]) -> None:
        self.org_words = set(spec.get("org_words", [])) | set(LEGAL_FORMS)
        self.particles = set(spec.get("particles", []))
        threshold = int(spec.get("shared_first_word", 3))
        firsts = Counter(
            fold(str(e.get("name") or "")).split(" ")[0]
            for e in entities
            if isinstance(e, dict) and self._has_org_mark(str(e.get("name") or ""))
        )
        self.shared_firsts = {w for w, n in firsts.items() if n >= threshold and w}

    def _key(self, word: str) -> str:
        return re.sub(r"[^\w]", "", fold(word))

    def _has_org_mark(self, name: str) -> bool:
        if _NOT_PERSON_CHARS.search(name):
            return True
        return any(self._key(w) in self.org_words for w in name.split())

    def _shaped(self, name: str) -> bool:
        words = name.split()
        if not 2 <= len(words) <= 5 or self._has_org_mark(name) or country_code(name):
            return False
        for word in words:
            if len(self._key(word)) >= 2 and word.isupper():
                return False  # an acronym (SDB, APEX), not a name
            if country_code(word):
                return False
            if not (word[0].isupper() or fold(word) in self.particles):
                return False
        return True

    def is_person(self, entry: dict) -> bool:
        name = " ".join(str(entry.get("name") or "").split())
        if not self._shaped(name) or fold(name).split(" ")[0] in self.shared_firsts:
            return False
        return all(self._shaped(" ".join(str(a).split())) for a in entry.get("aliases") or [])


def citations(text: str) -> list[tuple[str, str | None]]:
    """[('86 FR 33120', '2021-06-24'), ...] in the order given."""
    return [(f"{m.group(1)} FR {m.group(2)}", parse_date(m.group(3))) for m in _CITATION.finditer(text or "")]


class BisEntitiesPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        return "parsed-list" if recognise_list(path, self.spec.roles["parsed-list"]) else None

    def run(self, ctx: IngestContext, files: list[tuple[Path, str]]) -> None:
        self.listed = ListedEntities(ctx)
        super().run(ctx, files)
        self.listed.ownership_candidates(self.spec.raw["list_name"])

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        data = load_list(path)
        ctx.see_columns(entity_columns(data))
        rule = PersonRule(self.spec.raw.get("persons", {}), data["entities"])
        seen: set[str] = set()
        for index, entry in enumerate(data["entities"]):
            ctx.begin_row(f"/entities/{index}")
            if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
                ctx.reject("entity name is blank", "name")
                continue
            if rule.is_person(entry):
                ctx.skip(PERSON_SKIP)
                continue
            country_text = " ".join(str(entry.get("country") or "").split())
            place = self.spec.lookups.get("places", {}).get(country_text, {})
            code = place.get("country") or country_code(country_text)
            if country_text and code is None:
                ctx.reject("country not recognised", "country", country_text)
                continue
            fid = self._entry(ctx, entry, code, place.get("region"))
            if fid in seen:
                ctx.duplicate()
            seen.add(fid)

    def _entry(self, ctx: IngestContext, entry: dict, code: str | None, region: str | None) -> str:
        listing = split_listing(str(entry["name"]))
        listed_aliases = [str(a) for a in entry.get("aliases") or []]
        listing.aliases = list(dict.fromkeys([*listing.aliases, *listed_aliases]))
        address = " ".join(str(entry.get("address") or "").split()) or None
        target = emit_listed(ctx, self.listed, listing, country=code, address=address, confidence=CONFIDENCE)
        if region and ctx.ref.region(region) and target.startswith("org:"):
            ctx.edge(LocatedIn(src=target, dst=f"region:{region}"), confidence=CONFIDENCE)
        register = " ".join(str(entry.get("federal_register") or "").split())
        cited = citations(register)
        rules = self.spec.lookups.get("forced_labour_rules", {})
        added_by = cited[0][0] if cited else None
        rule = rules.get(added_by or "", {})
        excepted = {normalise_name(n) for n in rule.get("except", [])}
        forced = bool(rule) and normalise_name(listing.name) not in excepted
        category = RiskCategory.FORCED_LABOUR if forced else RiskCategory.EXPORT_CONTROL
        when = cited[0][1] if cited else parse_date(str(entry.get("effective_date") or ""))
        notes = " ".join(str(entry.get("notes") or "").split())
        evidence = f'BIS Entity List: "{entry["name"]}" ({entry.get("country") or "no country"})'
        evidence += f"; Federal Register: {register}" if register else "; no Federal Register citation"
        evidence += f"; licence requirement: {notes}" if notes else ""
        if forced:
            evidence += f"; added by {added_by}: {rule['note']}"
        fid = f"bis:finding:{slug(listing.name)}:{(code or 'xx').lower()}"
        ctx.node(
            RiskFinding(
                id=fid,
                name=f"BIS Entity List: {listing.name}",
                category=category.value,
                scope_kind="entity",
                scope_entity=target,
                scope_country=code,
                scope_region=region,
                date=when,
                date_precision=DatePrecision.DAY if when else None,
                evidence=evidence,
                severity="listed",
                access=Access.PUBLIC,
                list_name=self.spec.raw["list_name"],
                list_status=entry.get("status"),
                reported_by=self.spec.raw["reported_by"],
                original_value=register or None,
                note=listing.remark,
            ),
            confidence=CONFIDENCE,
        )
        ctx.edge(Concerns(src=fid, dst=target), confidence=CONFIDENCE)
        return fid


PIPELINE = BisEntitiesPipeline
