"""The EU indicative list of conflict-affected and high-risk areas (CAHRAs): countries and regions.

Rows: each listed region (``/entries/i/regions/j``) and each country listed as a whole
(``/entries/i``, ``wholeCountry: true``). Each gives a :class:`RiskFinding`
``cahra:finding:<list date>:<code>`` of category conflict_and_armed_groups, scoped to the country
(and the region), with the list's flags as given in ``flags`` (``conflict-affected``, ``high-risk``;
``whole-country`` for a country listed as a whole), severity the gravest flag, date the list's
(``meta.version`` "June 2026" -> ``2026-06``, precision month; else ``meta.reportsUpdated``, day).
A region finding CONCERNS the Region; a whole-country finding CONCERNS the Country.

Placing a region (:mod:`regions`): by its ISO 3166-2 code when pycountry knows it and the name fits
(method identifier_match), else by its normalised name within the country (name_match, confidence
0.8); a code whose ISO name contradicts the list's name is quarantined. The method is on the
CONCERNS link and in the finding's note. No point-in-polygon placement: no offline boundary source
is installed (none was found and checked), so coordinates are not used.

Then every Mine, Smelter and Facility already in the store whose ``region`` is a listed region (or
whose ``country`` is listed as a whole) gets a CONCERNS link from the finding, method
identifier_match (by region / country code), confidence 0.9, with a note saying so. Sites ingested
after this list are not flagged until it is ingested again. Access follows the licence class.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tierwatch.graph.errors import InputFileError
from tierwatch.graph.schema import Access, Concerns, DatePrecision, LocatedIn, Method, RiskFinding
from tierwatch.ingest.cahra.regions import place_region
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.readers import json_head
from tierwatch.ingest.reference import country_code

SITE_TYPES = ("Mine", "Smelter", "Facility")
NAME_MATCH_CONFIDENCE = 0.8
SITE_CONFIDENCE = 0.9
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


def list_date(meta: dict[str, Any]) -> tuple[str | None, str | None]:
    """(date, precision) of the list from its meta block."""
    match = re.search(r"\b([A-Za-z]+)\s+((?:19|20)\d{2})\b", str(meta.get("version") or ""))
    if match and match.group(1).lower() in _MONTHS:
        return f"{match.group(2)}-{_MONTHS[match.group(1).lower()]:02d}", "month"
    for key in ("reportsUpdated", "dataUpdated"):
        value = str(meta.get(key) or "")
        if re.match(r"\d{4}-\d{2}-\d{2}", value):
            return value[:10], "day"
    return None, None


class CahraPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        if json_head(path) is None:
            return None
        try:
            data = json.loads(path.read_bytes())
        except (ValueError, OSError):
            return None
        for role, spec in self.spec.roles.items():
            entries = data.get(spec["entries_key"]) if isinstance(data, dict) else None
            if (
                isinstance(entries, list)
                and entries
                and isinstance(entries[0], dict)
                and all(k in entries[0] for k in spec["entry_keys"])
            ):
                return role
        return None

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        spec = self.spec.roles[role]
        try:
            data = json.loads(path.read_bytes())
        except ValueError as exc:
            raise InputFileError(str(path), f"not readable JSON ({exc})") from None
        meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
        entries = data[spec["entries_key"]]
        ctx.see_columns(self._columns(meta, entries))
        date, precision = list_date(meta)
        if date is None:
            raise InputFileError(
                str(path),
                "the list has no date (meta.version with a month and year, or meta.reportsUpdated)",
                field="meta.version",
            )
        self.list_info = dict(
            date=date, precision=precision, version=meta.get("version") or date, note=self._meta_note(meta)
        )
        self.by_region: dict[str, tuple[str, str]] = {}  # ISO 3166-2 code -> (finding id, locator)
        self.by_country: dict[str, tuple[str, str]] = {}  # whole-country listings
        for i, entry in enumerate(entries):
            self._entry(ctx, spec, i, entry)
        self._flag_sites(ctx)

    @staticmethod
    def _columns(meta: dict[str, Any], entries: list[Any]) -> list[str]:
        cols: dict[str, None] = {f"meta.{k}": None for k in meta}
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            cols.update(dict.fromkeys(entry))
            for region in entry.get("regions") or []:
                if isinstance(region, dict):
                    cols.update(dict.fromkeys(f"regions.{k}" for k in region))
        return list(cols)

    @staticmethod
    def _meta_note(meta: dict[str, Any]) -> str:
        parts = [f"list version '{meta['version']}'" if meta.get("version") else ""]
        parts.append(f"data updated {str(meta['dataUpdated'])[:10]}" if meta.get("dataUpdated") else "")
        parts.append(
            f"reports updated {str(meta['reportsUpdated'])[:10]}" if meta.get("reportsUpdated") else ""
        )
        if meta.get("source"):
            parts.append(f"retrieved {meta.get('retrieved') or '(date not given)'} from {meta['source']}")
        return "; ".join(p for p in parts if p)

    # -- rows --------------------------------------------------------------------------------
    def _entry(self, ctx: IngestContext, spec: dict[str, Any], i: int, entry: Any) -> None:
        if not isinstance(entry, dict):
            ctx.begin_row(f"/entries/{i}")
            ctx.reject("entry is not an object", "entries", entry)
            return
        regions = entry.get("regions") or []
        whole = entry.get("wholeCountry") is True
        iso2, problem = self._country(entry)
        if whole or not regions:
            ctx.begin_row(f"/entries/{i}")
            if problem:
                ctx.reject(problem, "iso2", f"{entry.get('iso2')} / {entry.get('countryName')}")
            elif whole:
                self._whole_country(ctx, entry, iso2, f"/entries/{i}")
            else:
                ctx.reject(
                    "entry is neither listed as a whole country nor has regions",
                    "regions",
                    entry.get("regions"),
                )
        for j, region in enumerate(regions if isinstance(regions, list) else []):
            ctx.begin_row(f"/entries/{i}/regions/{j}")
            if problem:
                ctx.reject(problem, "iso2", f"{entry.get('iso2')} / {entry.get('countryName')}")
            else:
                self._region(ctx, spec, entry, iso2, region, f"/entries/{i}/regions/{j}")

    @staticmethod
    def _country(entry: dict[str, Any]) -> tuple[str, str | None]:
        """(ISO alpha-2, problem) of an entry's country."""
        by_code = country_code(str(entry.get("iso2") or ""))
        by_name = country_code(str(entry.get("countryName") or ""))
        if by_code and by_name and by_code != by_name:
            return "", f"iso2 and countryName name different countries ({by_code} / {by_name})"
        if not (by_code or by_name):
            return "", "country not recognised"
        return str(by_code or by_name), None

    def _whole_country(self, ctx: IngestContext, entry: dict[str, Any], iso2: str, locator: str) -> None:
        country = ctx.ref.country(iso2 if country_code(iso2) else entry["countryName"])
        name = entry.get("countryName") or iso2
        fid = self._finding(
            ctx, iso2, None, name, ["whole-country"], "listed as a whole country", "listed as a whole country"
        )
        ctx.edge(Concerns(src=fid, dst=country))
        self.by_country[iso2] = (fid, locator)

    def _region(
        self,
        ctx: IngestContext,
        spec: dict[str, Any],
        entry: dict[str, Any],
        iso2: str,
        region: Any,
        locator: str,
    ) -> None:
        if not isinstance(region, dict):
            ctx.reject("region is not an object", "regions", region)
            return
        code = str(region.get("code") or "").strip().upper()
        name = " ".join(str(region.get("name") or "").split())
        flags = []
        for key, flag in self.spec.lookups["flags"].items():
            value = region.get(key)
            if not isinstance(value, bool):
                ctx.reject("flag is not true or false", f"regions.{key}", value)
                return
            if value:
                flags.append(flag)
        placed = place_region(iso2, code, name)
        if placed.code is None:
            ctx.reject(placed.problem or "region not placed", "regions.code", f"{code} {name}")
            return
        if placed.code in self.by_region:
            ctx.duplicate()
            return
        region_id = ctx.ref.region(placed.code)
        fid = self._finding(
            ctx,
            iso2,
            placed.code,
            f"{name or placed.code} ({entry.get('countryName') or iso2})",
            flags,
            ", ".join(flags) or "listed without a flag",
            placed.note,
        )
        confidence = NAME_MATCH_CONFIDENCE if placed.method == Method.NAME_MATCH else None
        ctx.edge(
            Concerns(src=fid, dst=region_id, note=placed.note), method=placed.method, confidence=confidence
        )
        country = ctx.ref.country(iso2 if country_code(iso2) else entry["countryName"])
        ctx.edge(LocatedIn(src=region_id, dst=country))
        self.by_region[placed.code] = (fid, locator)
        if code and code != placed.code:
            self.by_region.setdefault(code, (fid, locator))

    def _finding(
        self,
        ctx: IngestContext,
        iso2: str,
        region: str | None,
        place: str,
        flags: list[str],
        stated: str,
        placement: str,
    ) -> str:
        info = self.list_info
        list_name = self.spec.raw.get("list_name", self.spec.title)
        fid = f"cahra:finding:{info['date']}:{region or iso2}"
        severity = next((f for f in ("conflict-affected", "high-risk") if f in flags), None)
        access = Access.PUBLIC  # published lists: redistribution limits travel as the licence class
        ctx.node(
            RiskFinding(
                id=fid,
                name=f"CAHRA: {place}",
                category="conflict_and_armed_groups",
                scope_kind="country",
                scope_country=iso2,
                scope_region=region,
                date=info["date"],
                date_precision=DatePrecision(info["precision"]) if info["precision"] else None,
                evidence=f"{list_name}, {info['version']}: {place} {stated}",
                severity=severity,
                flags=flags,
                access=access,
                list_name=list_name,
                reported_by=ctx.info.publisher or None,
                original_value=stated,
                country=iso2,
                region=region,
                note="; ".join(p for p in (placement, info["note"]) if p),
            )
        )
        return fid

    # -- sites already in the store ------------------------------------------------------------
    def _flag_sites(self, ctx: IngestContext) -> None:
        store = ctx.resolver.store
        for site in store.iter_nodes(types=SITE_TYPES):
            region = str(site.get("region") or "").upper()
            if region in self.by_region:
                fid, locator = self.by_region[region]
                note = (
                    f"{site['type']} {site['id']} lies in {region} by its region code (ISO 3166-2), "
                    f"which the list flags"
                )
            elif site.get("country") in self.by_country:
                fid, locator = self.by_country[site["country"]]
                note = (
                    f"{site['type']} {site['id']} lies in {site['country']}, which the list names as a whole"
                )
            else:
                continue
            ctx.edge(
                Concerns(src=fid, dst=site["id"], key="site", note=note),
                at=f"{locator} x {site['id']}",
                method=Method.IDENTIFIER_MATCH,
                confidence=SITE_CONFIDENCE,
            )


PIPELINE = CahraPipeline
