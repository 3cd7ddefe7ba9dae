"""North American clean-tech facility announcements (Cheng et al. 2024, from DOE/Argonne data).

Every row is an announced investment at a site: company, technology, product stage, amounts,
place. Rows of one company at one place (city + state) are one facility
``nabattery:facility:<operators>:<city>:<state>``; its products, technologies and timelines are
the union of the rows, its investment and jobs the sum of the rows' reported figures (the note
lists each announcement with its row). Exact duplicate rows collapse (counted as duplicates).

- All technologies are kept (solar, wind, nuclear, HVAC, hydrogen), classed by ``technology``;
  battery and EV rows place the facility in the battery chain by product stage (``stage`` is the
  facility's most upstream stage, ``products`` keeps them all). Kinds come from
  ``[lookups.product]``. Rows of one site with the same amount, jobs and timeline are one
  announcement listed under two technologies: counted once in the sums.
- Operators: joint ventures named with their parents ("Ultium Cells (GM, LG Energy Solution)") are
  the joint-venture company, from the explicit ``[lookups.operators]`` list; their owners are the
  ``[[parent]]`` entries (relation "joint venture") of data/aliases.toml, emitted by the resolver,
  up the ownership chain (LG Chem -> LG Energy Solution -> Ultium Cells <- General Motors).
  Names listing partners ("LG Energy / Hyundai") make each partner an operator.
- Companies that assemble vehicles in the file are automakers: Brand nodes.
- Missing values: coordinates (0, 0), blank city, state "TBD", investments and jobs of 0, blank,
  "-" or "Not Specified" (the file's by_amount bins put 0 with "Less than 10M", so 0 means
  "not reported", not a zero investment). reported_investment is in million USD.
- Quarantined: negative investment or jobs (row 211: Nanotech Energy, -157 / -1000, a reversal
  the file does not explain), non-numbers, unknown country, blank company.
- Confidence 0.8 for every fact of a row: these are announcements, some never built or cancelled.

After the rows, same-site candidates are offered against ICMM sites already in the store.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
from tierwatch.graph.names import fold, normalise_name, slug
from tierwatch.graph.schema import Facility, LocatedIn, Operates
from tierwatch.ingest.framework import IngestContext, Pipeline, require_columns
from tierwatch.ingest.icmm_mines.site_match import emit_same_site_candidates
from tierwatch.ingest.readers import csv_header, read_csv

ANNOUNCEMENT_CONFIDENCE = 0.8
TURNER = "Turner Dataset - only checked for 'Batteries' technology Post-IRA"


class RowProblem(Exception):
    """A row's field cannot be used: quarantine it with this reason."""

    def __init__(self, reason: str, field: str, value: Any) -> None:
        super().__init__(reason)
        self.reason, self.field, self.value = reason, field, value


@dataclass
class Announcement:
    row: int
    operators: list[str]  # canonical company names
    technology: str
    products: list[str]
    country: str
    state: str | None
    region: str | None
    city: str | None
    lat: float | None
    lon: float | None
    investment_usd: float | None
    jobs: int | None
    timeline: str | None
    note: str

    @property
    def site_key(self) -> str:
        state = (self.region or slug(self.state)) if self.state else "unknown-state"
        return (
            f"nabattery:facility:{slug(' '.join(self.operators))}:"
            f"{slug(self.city) if self.city else 'unknown-city'}:{state}"
        )


@dataclass
class Site:
    rows: list[Announcement] = field(default_factory=list)


def region_code(country: str, state: str) -> str | None:
    """ISO 3166-2 code of a state or province named in full ("Coahuila" = "Coahuila de Zaragoza")."""
    key = fold(state)
    found = set()
    for sub in pycountry.subdivisions.get(country_code=country) or []:
        name = fold(sub.name)
        if name == key or name.startswith(key + " de ") or name.split(" (")[0] == key:
            found.add(str(sub.code))
    return found.pop() if len(found) == 1 else None


class NaBatteryPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        role = self.spec.roles["facility-announcements"]
        if sniff and all(c in sniff[0] for c in role["required"]):
            return "facility-announcements"
        return None

    def run(self, ctx: IngestContext, files: list[tuple[Path, str]]) -> None:
        super().run(ctx, files)
        found = emit_same_site_candidates(
            ctx, "nabattery:facility:", "icmm:", ("Mine", "Smelter", "Facility")
        )
        ctx.notes.append(f"same-site candidates with ICMM sites: {found}")

    # -- parsing -----------------------------------------------------------------------------
    def _missing(self, value: str) -> bool:
        return value.strip().casefold() in self.spec.raw["amounts"]["missing"]

    def _number(self, row: dict[str, str], column: str) -> float | None:
        value = row.get(column, "").strip().replace(",", "")
        if self._missing(value):
            return None
        try:
            number = float(value)
        except ValueError:
            raise RowProblem(f"{column} is not a number", column, value) from None
        if number < 0:
            raise RowProblem(f"{column} is negative", column, value)
        return number

    def _coordinates(self, row: dict[str, str]) -> tuple[float | None, float | None]:
        texts = row.get("latitude", "").strip(), row.get("longitude", "").strip()
        try:
            lat, lon = (float(t) if t else 0.0 for t in texts)
        except ValueError:
            bad = "latitude" if not _is_float(texts[0]) else "longitude"
            raise RowProblem(f"{bad} is not a number", bad, row.get(bad)) from None
        if lat == 0 and lon == 0:
            return None, None  # the file's missing value
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise RowProblem("coordinates out of range", "latitude", f"{texts[0]}, {texts[1]}")
        return lat, lon

    def operators(self, ctx: IngestContext, company: str) -> list[str]:
        """Canonical names of the companies behind a company cell."""
        listed = self.spec.lookup("operators", company)
        if listed is None:
            splits = "/" in company and "(" not in company
            listed = [p.strip() for p in company.split("/")] if splits else [company]
        return [ctx.resolver.aliases.canonical(name) for name in listed if name]

    def _parse(self, ctx: IngestContext, number: int, row: dict[str, str]) -> Announcement:
        company = " ".join(row["company_name"].split())
        if not company:
            raise RowProblem("company name is blank", "company_name", "")
        country_name = row["country"].strip()
        country = ctx.ref.country(country_name)
        if country is None:
            raise RowProblem("country not recognised", "country", country_name)
        code = country.removeprefix("country:")
        state_text = row["state"].strip()
        state = None if self._missing(state_text) else state_text
        investment = self._number(row, "reported_investment")
        jobs = self._number(row, "reported_jobs")
        lat, lon = self._coordinates(row)
        products = [p.strip() for p in row["product"].split(";") if p.strip()]
        unit = float(self.spec.raw["amounts"]["investment_unit_usd"])
        timeline = row.get("timeline", "").strip() or None
        parts = [f"row {number}: {company}", "; ".join(products) or row["technology"]]
        if investment is not None:
            parts.append(f"${investment:g}M")
        if jobs is not None:
            parts.append(f"{jobs:g} jobs")
        if timeline:
            parts.append(timeline)
        for label, column in (("in DOE/Argonne data", "DOE/Argonne Dataset"), ("in Turner data", TURNER)):
            if row.get(column, "").strip():
                parts.append(f"{label}: {row[column].strip()}")
        if row.get("Notes", "").strip():
            parts.append(f"source note: {row['Notes'].strip()}")
        return Announcement(
            row=number,
            operators=self.operators(ctx, company),
            technology=row["technology"].strip(),
            products=products,
            country=code,
            state=state,
            region=region_code(code, state) if state else None,
            city=" ".join(row["city"].split()) or None,
            lat=lat,
            lon=lon,
            investment_usd=investment * unit if investment is not None else None,
            jobs=int(jobs) if jobs is not None else None,
            timeline=timeline,
            note=", ".join(parts),
        )

    # -- mapping -----------------------------------------------------------------------------
    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        header, rows = read_csv(path)
        require_columns(path, header, self.spec.roles[role]["required"])
        ctx.see_columns(header)
        outcome: list[tuple[int, Announcement | RowProblem | None]] = []
        seen: set[tuple[str, ...]] = set()
        sites: dict[str, Site] = defaultdict(Site)
        for number, row in enumerate(rows, start=2):
            key = tuple(row.get(c, "") for c in header)
            if key in seen:
                outcome.append((number, None))
                continue
            seen.add(key)
            try:
                item = self._parse(ctx, number, row)
            except RowProblem as problem:
                outcome.append((number, problem))
                continue
            sites[item.site_key].rows.append(item)
            outcome.append((number, item))
        automaker_stage = self.spec.raw["stages"]["automaker_stage"]
        automakers = {
            name
            for site in sites.values()
            for a in site.rows
            for name in a.operators
            if automaker_stage in self._stages(a.products)
        }
        facilities = {key: self._facility(key, site) for key, site in sites.items()}
        for number, result in outcome:
            ctx.begin_row(number)
            if result is None:
                ctx.duplicate()
            elif isinstance(result, RowProblem):
                ctx.reject(result.reason, result.field, result.value)
            else:
                self._emit(ctx, result, facilities[result.site_key], automakers)

    def _stages(self, products: list[str]) -> list[str]:
        return [s for p in products if (s := (self.spec.lookup("product", p) or {}).get("stage"))]

    def _facility(self, key: str, site: Site) -> Facility:
        rows = site.rows
        first = rows[0]
        order = self.spec.raw["stages"]["order"]
        products = sorted({p for a in rows for p in a.products})
        stages = sorted(set(self._stages(products)), key=order.index)
        kinds = [(self.spec.lookup("product", p) or {}).get("kind") for p in products]
        upstream = [
            self.spec.lookup("product", p)["kind"]
            for p in products
            if stages and (self.spec.lookup("product", p) or {}).get("stage") == stages[0]
        ]
        technologies = sorted({a.technology for a in rows if a.technology})
        kind = upstream[0] if upstream else next((k for k in kinds if k), None)
        # one announcement repeated under two technologies (Hyundai's Ellabell plant under Batteries
        # and Electric Vehicles, same amount, jobs and timeline) counts once
        figures = {(a.investment_usd, a.jobs, a.timeline) for a in rows}
        investments = [i for i, _, _ in figures if i is not None]
        jobs = [j for _, j, _ in figures if j is not None]
        place = ", ".join(p for p in (first.city, first.state) if p) or first.country
        return Facility(
            id=key,
            name=f"{' / '.join(first.operators)} ({place})",
            kind=kind or f"{'; '.join(technologies).lower()} facility",
            city=first.city,
            state=first.state,
            country=first.country,
            region=first.region,
            lat=first.lat,
            lon=first.lon,
            technology="; ".join(technologies) or None,
            stage=stages[0] if stages else None,
            products=products,
            investment_usd=sum(investments) if investments else None,
            jobs=sum(jobs) if jobs else None,
            timeline=sorted({a.timeline for a in rows if a.timeline}),
            note=f"{len(rows)} announcement(s): " + " | ".join(a.note for a in rows),
        )

    def _emit(self, ctx: IngestContext, item: Announcement, facility: Facility, automakers: set[str]) -> None:
        conf = ANNOUNCEMENT_CONFIDENCE
        ctx.node(facility, confidence=conf)
        ctx.edge(LocatedIn(src=facility.id, dst=f"country:{item.country}"), confidence=conf)
        ctx.ref.country(item.country)
        if item.region and ctx.ref.region(item.region):
            ctx.edge(LocatedIn(src=facility.id, dst=f"region:{item.region}"), confidence=conf)
        for name in item.operators:
            company = ctx.resolver.org_model(name, brand=name in automakers)
            ctx.node(company, confidence=conf)
            ctx.edge(Operates(src=company.id, dst=facility.id), confidence=conf)
            self._touch_owners(ctx, name, set())

    def _touch_owners(self, ctx: IngestContext, name: str, done: set[str]) -> None:
        """Reference the owners of ``name`` up the aliases file's [[parent]] chain, so the resolver
        emits every ownership link on the way (it emits only the entries of names it is asked for)."""
        key = normalise_name(name)
        if key in done:
            return
        done.add(key)
        for entry in ctx.resolver.aliases.parents:
            if normalise_name(entry["child"]) == key:
                ctx.resolver.org(entry["parent"])
                self._touch_owners(ctx, entry["parent"], done)


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


PIPELINE = NaBatteryPipeline
