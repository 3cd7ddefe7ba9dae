"""CBP Withhold Release Orders (WRO) and Findings on goods made with forced labour.

Each entry is a RiskFinding (forced_labour; severity "withhold release order" or "finding" from
the notes' first word; list_status = CBP's status; date = the order's date, day precision) that
CONCERNS the named entity (a Company, or the stored node it names exactly). An entry naming
several companies ("A Co., Ltd. and B Co., Ltd.", "A; B") gives one finding per company (split
only after a legal form, so "Cotton and Linen Co." stays whole); "Fishing Vessels owned by X"
concerns X. An order on a good from a place without an entity ("Artisanal Small Mines", DR
Congo, gold; "All Turkmenistan Cotton ...") is a country-scoped finding (scope_country and, where
the merchandise is in the commodity vocabulary, scope_commodity) that CONCERNS the Country, or the
Region where the spec's lookup gives one (XUAR -> CN-XJ).

The parsed list is incomplete (entries without an entity and revoked orders are missing): the run
notes say so. Confidence 0.85: CBP's orders are declared facts, read through a third party's parse.
"""

from __future__ import annotations

import re
from pathlib import Path

from tierwatch.graph.names import slug
from tierwatch.graph.schema import About, Access, Concerns, RiskCategory, RiskFinding
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.reference import country_code
from tierwatch.ingest.us_lists.common import (
    ListedEntities,
    emit_listed,
    ends_with_legal_form,
    entity_columns,
    load_list,
    parse_date,
    recognise_list,
    split_listing,
)

SPEC_FILE = "cbp_wro.toml"
CONFIDENCE = 0.85
_VESSELS_OWNED = re.compile(r"^(?:fishing\s+)?vessels?\s+owned\s+by\s+(.+)$", re.I)
_FIELD = re.compile(r"(Industry|Merchandise|Remarks):\s*(.*?)(?=;\s*(?:Industry|Merchandise|Remarks):|$)")
_SUBSIDIARY_SPLIT = re.compile(
    r",?\s+and\s+its\s+(?:\w+\s+)?subsidiar(?:y|ies)(?:\s+from\s+[A-Z]\w*)?,?\s*", re.I
)


def notes_fields(notes: str) -> tuple[str, dict[str, str]]:
    """('WRO'|'Finding'|..., {Industry, Merchandise, Remarks}) from CBP's notes text."""
    kind = notes.split(";", 1)[0].strip()
    return kind, {m.group(1): m.group(2).strip() for m in _FIELD.finditer(notes)}


def split_entities(name: str) -> list[str]:
    """The companies one entry names; a place-only tail ('; Kathmandu.') is dropped."""
    text = _SUBSIDIARY_SPLIT.sub("; ", name)
    parts: list[str] = []
    for chunk in re.split(r";\s*", text):
        pieces = re.split(r"(?<=[.,A-Za-z])\s+and\s+(?=[A-Z])", chunk)
        current = pieces[0]
        for piece in pieces[1:]:
            if ends_with_legal_form(current) and not piece.lower().startswith(("their ", "its ")):
                parts.append(current)
                current = piece
            else:
                current = f"{current} and {piece}"
        parts.append(current)
    named = [p.strip(" ,.") if not ends_with_legal_form(p) else p.strip(" ,") for p in parts]
    keep = [p for p in named if p and (len(p.split()) > 1 or ends_with_legal_form(p))]
    return keep or [name]


def commodity_of(ctx: IngestContext, merchandise: str) -> str | None:
    for candidate in [merchandise, *re.split(r",\s*|\s+and\s+|\s+or\s+", merchandise)]:
        cid = ctx.ref.commodity(candidate.strip())
        if cid:
            return cid
    return None


class CbpWroPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        return "parsed-list" if recognise_list(path, self.spec.roles["parsed-list"]) else None

    def run(self, ctx: IngestContext, files: list[tuple[Path, str]]) -> None:
        self.listed = ListedEntities(ctx)
        super().run(ctx, files)
        self.listed.ownership_candidates(self.spec.raw["list_name"])
        ctx.notes.append(self.spec.raw["incomplete"])

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        data = load_list(path)
        ctx.see_columns(entity_columns(data))
        seen: set[str] = set()
        for index, entry in enumerate(data["entities"]):
            ctx.begin_row(f"/entities/{index}")
            name = " ".join(str((entry or {}).get("name") or "").split()) if isinstance(entry, dict) else ""
            if not name:
                ctx.reject("entity name is blank", "name")
                continue
            raw_date = str(entry.get("effective_date") or "")
            when = parse_date(raw_date)
            if raw_date and when is None:
                ctx.reject("date is not a date", "effective_date", raw_date)
                continue
            country_text = str(entry.get("country") or "")
            code = country_code(country_text)
            not_countries = self.spec.lookups.get("not_countries", {})
            if country_text and code is None and country_text not in not_countries:
                ctx.reject("country not recognised", "country", country_text)
                continue
            ids = self._entry(ctx, entry, name, code, when)
            if ids and ids <= seen:
                ctx.duplicate()
            seen |= ids

    def _entry(
        self, ctx: IngestContext, entry: dict, name: str, code: str | None, when: str | None
    ) -> set[str]:
        notes = str(entry.get("notes") or "")
        kind, fields = notes_fields(notes)
        merchandise = fields.get("Merchandise", "")
        commodity = commodity_of(ctx, merchandise) if merchandise else None
        kinds = {"wro": "withhold release order", "finding": "finding"}
        severity = kinds.get(kind.lower(), kind.lower() or None)
        base = dict(
            category=RiskCategory.FORCED_LABOUR.value,
            date=when,
            date_precision="day" if when else None,
            severity=severity,
            access=Access.PUBLIC,
            list_name=self.spec.raw["list_name"],
            list_status=entry.get("status"),
            reported_by=self.spec.raw["reported_by"],
            original_value=name,
            scope_commodity=commodity,
        )
        status = entry.get("status") or "status not given"
        quote = f'CBP {kind or "order"} of {when or "unknown date"} ({status}): "{name}"'
        quote += f" ({entry.get('country')})" if entry.get("country") else ""
        quote += f"; {notes}" if notes else ""
        scoped = self.spec.lookups.get("country_scoped", {}).get(name)
        if scoped is not None or name.lower().startswith("all ") or " produced in " in name.lower():
            return {self._country_scoped(ctx, name, code, scoped or {}, base, quote, commodity)}
        ids = set()
        for part in split_entities(name):
            owned = _VESSELS_OWNED.match(part)
            listing = split_listing(owned.group(1) if owned else part)
            if owned:
                listing.remark = f"order on '{part}'"
            listing.aliases += [str(a) for a in entry.get("aliases") or []]
            target = emit_listed(
                ctx, self.listed, listing, country=code, address=entry.get("address"), confidence=CONFIDENCE
            )
            fid = f"cbp:finding:{slug(listing.name)}:{when or 'undated'}"
            ctx.node(
                RiskFinding(
                    id=fid,
                    name=f"CBP {kind} {when or ''}: {listing.name}".replace("  ", " "),
                    scope_kind="entity",
                    scope_entity=target,
                    scope_country=code,
                    evidence=quote,
                    note=listing.remark,
                    **base,
                ),
                confidence=CONFIDENCE,
            )
            ctx.edge(Concerns(src=fid, dst=target), confidence=CONFIDENCE)
            if commodity:
                ctx.edge(About(src=fid, dst=commodity), confidence=CONFIDENCE)
            ids.add(fid)
        return ids

    def _country_scoped(
        self,
        ctx: IngestContext,
        name: str,
        code: str | None,
        scoped: dict,
        base: dict,
        quote: str,
        commodity: str | None,
    ) -> str:
        region = scoped.get("region")
        region_id = ctx.ref.region(region) if region else None
        country_id = ctx.ref.country(code) if code else None
        target = region_id or country_id
        fid = f"cbp:finding:{(region or code or 'xx').lower()}:{slug(name)}:{base['date'] or 'undated'}"
        if target is None:
            ctx.reject("a country-scoped order without a recognised country", "country", code)
            return fid
        place = scoped.get("place")
        ctx.node(
            RiskFinding(
                id=fid,
                name=f"CBP order: {name}",
                scope_kind="country",
                scope_country=code,
                scope_region=region,
                evidence=quote,
                note=(f"order on {place} (no entity named)" if place else "order on a good from a place"),
                **base,
            ),
            confidence=CONFIDENCE,
        )
        ctx.edge(Concerns(src=fid, dst=target), confidence=CONFIDENCE)
        if commodity:
            ctx.edge(About(src=fid, dst=commodity), confidence=CONFIDENCE)
        return fid


PIPELINE = CbpWroPipeline
