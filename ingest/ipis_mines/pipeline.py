"""IPIS mine-site visits: one Mine per site (``pcode``), dated findings per visit and category.

- Mine ``ipis:<pcode>`` (artisanal, minerals as vocabulary commodities, coordinates, province as
  ISO 3166-2 region) LOCATED_IN DR Congo and its province.
- Per visit and category a RiskFinding ``ipis:finding:<pcode>:<visit date>:<category>`` (the date
  is followed by ``.v<vid>`` when one site has two visits on one date; ``row<n>`` when the date is
  blank) -CONCERNS-> the Mine. Categories: child_labour (childunder15), forced_labour
  (forced_labour_armed_groupN), conflict_and_armed_groups (presence, interference, which actors),
  health_and_safety (mercury), governance (the ministry's qualification colour).
- Negative observations (a 0 in the cell) are findings with severity "none observed"; a blank
  cell is unknown and gives no finding. Risk queries must filter on severity.
- ``observed`` is JSON of the numbers and flags seen (children present, workers, actors and
  their behaviour, traceability scheme, state services); ``original_value``/``evidence`` quote
  the French values.

Confidence: 0.8 when IPIS's team was on site; 0.5 when the row reports third-party information
(``visit_onsite`` = 0 or blank, ``source`` = Third-party, or the reason says "Third-party
information"; the reason, e.g. 'Insécurité', is quoted in the evidence).

Dates: January-1 dates are year placeholders (precision year, stored as ``YYYY``); other
first-of-month dates are month placeholders (precision month, ``YYYY-MM``): in this file day 01
is eight times as frequent as any other day. Other dates keep day precision.

Rows: identical to an earlier row except for the export's row keys (FID, vid, cid, id) ->
duplicate; blank pcode, unreadable coordinates or date, unknown province or visit_onsite value ->
quarantined with the field named.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pycountry
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import fold
from tierwatch.graph.schema import Access, Concerns, DatePrecision, LocatedIn, Mine, RiskFinding
from tierwatch.ingest.framework import IngestContext, Pipeline, require_columns
from tierwatch.ingest.ipis_mines import observations as obs
from tierwatch.ingest.readers import csv_header, read_csv

ROW_KEYS = ("FID", "vid", "cid", "id")
CONFIDENCE_ON_SITE = 0.8
CONFIDENCE_THIRD_PARTY = 0.5
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+Z?)?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _place_key(text: str) -> str:
    key = fold(text).replace("-", " ").replace("’", "'")
    return " ".join(key.removesuffix(" province").split())


def province_code(name: str, variants: dict[str, str], country: str = "CD") -> str | None:
    """ISO 3166-2 code of a province name: the spec's variants first, then pycountry, accent-blind."""
    key = _place_key(name)
    if not key:
        return None
    for variant, code in variants.items():
        if _place_key(variant) == key:
            return code
    for sub in pycountry.subdivisions.get(country_code=country) or []:
        if _place_key(sub.name) == key:
            return str(sub.code)
    return None


def visit_date(text: str) -> tuple[str, str] | None:
    """(date at its precision, precision) of a visit date; None when unreadable."""
    found = _DATE.match(text)
    if found:
        year, month, day = (int(g) for g in found.groups())
    else:
        dmy = _DMY.match(text)
        if not dmy:
            return None
        day, month, year = (int(g) for g in dmy.groups())
    try:
        date(year, month, day)
    except ValueError:
        return None
    if month == 1 and day == 1:
        return f"{year:04d}", "year"
    if day == 1:
        return f"{year:04d}-{month:02d}", "month"
    return f"{year:04d}-{month:02d}-{day:02d}", "day"


def _coordinate(text: str, limit: float) -> float | None:
    value = float(text)  # ValueError for junk: the caller quarantines
    if not -limit <= value <= limit:
        raise ValueError(text)
    return value


class IpisPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        if sniff and all(c in sniff[0] for c in self.spec.roles["visits"]["required"]):
            return "visits"
        return None

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        header, row_iter = read_csv(path)
        require_columns(path, header, self.spec.roles[role]["required"])
        ctx.see_columns(header)
        try:
            rows = list(row_iter)
        except Exception as exc:  # csv.Error: a malformed quote, a NUL byte
            raise InputFileError(str(path), f"unreadable CSV ({exc})") from None
        per_site_date = Counter((obs.cell(r, "pcode"), obs.cell(r, "visit_date")) for r in rows)
        seen: set[tuple[str, ...]] = set()
        unmapped_minerals: Counter[str] = Counter()
        for number, row in enumerate(rows, start=2):
            ctx.begin_row(number)
            content = tuple(row.get(c, "") for c in header if c not in ROW_KEYS)
            if content in seen:
                ctx.duplicate()
                continue
            seen.add(content)
            self._visit(ctx, number, row, per_site_date, unmapped_minerals)
        for mineral, n in sorted(unmapped_minerals.items()):
            ctx.notes.append(
                f"mineral '{mineral}' is not in the commodity vocabulary ({n} rows); not on the Mine"
            )

    # -- one row -------------------------------------------------------------------------------
    def _visit(
        self,
        ctx: IngestContext,
        number: int,
        row: dict[str, str],
        per_site_date: Counter[tuple[str, str]],
        unmapped: Counter[str],
    ) -> None:
        pcode = obs.cell(row, "pcode")
        if not pcode:
            ctx.reject("site id is blank", "pcode")
            return
        coords: list[float | None] = []
        for column, limit in (("latitude", 90.0), ("longitude", 180.0)):
            text = obs.cell(row, column)
            try:
                coords.append(_coordinate(text, limit) if text else None)
            except ValueError:
                ctx.reject(f"{column} is not a coordinate", column, text)
                return
        province = obs.cell(row, "province")
        region = province_code(province, self.spec.lookups.get("provinces", {}))
        if region is None:
            ctx.reject("province not recognised as a DR Congo province", "province", province)
            return
        raw_date = obs.cell(row, "visit_date")
        when = visit_date(raw_date) if raw_date else None
        if raw_date and when is None:
            ctx.reject("visit date is not a date", "visit_date", raw_date)
            return
        onsite = obs.cell(row, "visit_onsite")
        if onsite not in ("0", "1", ""):
            ctx.reject("visit_onsite is not 0 or 1", "visit_onsite", onsite)
            return

        mine_id = f"ipis:{pcode}"
        self._mine(ctx, row, mine_id, pcode, region, coords, unmapped)
        reason = obs.cell(row, "visit_onsite_novisitreason")
        source = obs.cell(row, "source")
        third_party = onsite != "1" or fold(source) == "third-party" or "third-party" in fold(reason)
        if raw_date:
            shared = per_site_date[(pcode, raw_date)] > 1
            visit_key = f"{raw_date}.v{obs.cell(row, 'vid')}" if shared else raw_date
        else:
            visit_key = f"row{number}"
        for found in self._observations(row):
            self._finding(ctx, row, found, mine_id, region, visit_key, when, third_party, reason)

    def _mine(
        self,
        ctx: IngestContext,
        row: dict[str, str],
        mine_id: str,
        pcode: str,
        region: str,
        coords: list[float | None],
        unmapped: Counter[str],
    ) -> None:
        minerals = self.spec.lookups.get("minerals", {})
        commodities = []
        for column in ("mineral1", "mineral2", "mineral3"):
            value = obs.cell(row, column)
            if not value:
                continue
            names = minerals.get(value, value)  # a name, a list of names, or "" (unknown mineral)
            for name in [names] if isinstance(names, str) else names:
                cid = ctx.ref.commodity(name) if name else None
                if cid:
                    commodities.append(cid)
                elif name:
                    unmapped[value] += 1
        places = [
            (label, obs.cell(row, column))
            for label, column in (
                ("territoire", "territoire"),
                ("collectivité", "collectivite"),
                ("groupement", "groupement"),
                ("village", "village"),
            )
        ]
        note = "; ".join(f"{label} {value}" for label, value in places if value)
        origin = obs.cell(row, "location_origin")
        if origin:
            note += f"; location from: {origin}"
        country = ctx.ref.country("CD")
        lat, lon = coords
        ctx.node(
            Mine(
                id=mine_id,
                name=obs.cell(row, "name") or pcode,
                commodities=commodities,
                mining_type="artisanal",
                asset_type="artisanal mine site",
                lat=lat,
                lon=lon,
                country="CD",
                region=region,
                state=obs.cell(row, "province"),
                identifiers=[f"IPIS-PCODE:{pcode}"],
                note=note or None,
            )
        )
        ctx.edge(LocatedIn(src=mine_id, dst=country))
        if ctx.ref.region(region):
            ctx.edge(LocatedIn(src=mine_id, dst=f"region:{region}"))

    def _observations(self, row: dict[str, str]) -> list[obs.Observation]:
        lookups = self.spec.lookups
        groups = obs.armed_groups(
            row, lookups.get("armed_group_types", {}), lookups.get("group_behaviour", {})
        )
        found = [
            obs.child_labour(row),
            obs.forced_labour(groups),
            obs.conflict(row, groups),
            obs.mercury(row),
            obs.qualification(row, lookups.get("qualification", {})),
        ]
        return [f for f in found if f is not None]

    def _finding(
        self,
        ctx: IngestContext,
        row: dict[str, str],
        found: obs.Observation,
        mine_id: str,
        region: str,
        visit_key: str,
        when: tuple[str, str] | None,
        third_party: bool,
        reason: str,
    ) -> None:
        pcode = mine_id.removeprefix("ipis:")
        fid = f"ipis:finding:{pcode}:{visit_key}:{found.category}"
        project = obs.cell(row, "project")
        source = obs.cell(row, "source")
        how = "third-party information" if third_party else "on-site visit"
        if reason:
            how += f', reason given: "{reason}"'
        label = when[0] if when else "undated"
        evidence = (
            f"IPIS {label} ({how}; {source or 'source not stated'}"
            f"{', project ' + repr(project) if project else ''}) at "
            f"{obs.cell(row, 'name') or pcode} ({pcode}): {found.evidence}"
        )
        observed: dict[str, Any] = {**found.observed, **obs.context(row)}
        site = obs.cell(row, "name") or pcode
        ctx.node(
            RiskFinding(
                id=fid,
                name=f"{found.category.replace('_', ' ')} at {site} ({label}): {found.final_severity}",
                category=found.category,
                scope_kind="entity",
                scope_entity=mine_id,
                scope_country="CD",
                scope_region=region,
                date=when[0] if when else None,
                date_precision=DatePrecision(when[1]) if when else None,
                evidence=evidence,
                severity=found.final_severity,
                access=Access.PUBLIC,
                reported_by=source or "IPIS",
                observed=orjson.dumps(observed, option=orjson.OPT_SORT_KEYS).decode(),
                original_value=found.original_value,
                note=project or None,
            ),
            confidence=CONFIDENCE_THIRD_PARTY if third_party else CONFIDENCE_ON_SITE,
        )
        ctx.edge(
            Concerns(src=fid, dst=mine_id),
            confidence=CONFIDENCE_THIRD_PARTY if third_party else CONFIDENCE_ON_SITE,
        )


PIPELINE = IpisPipeline
