"""Apple's supplier lists: Apple <- supplier company (by year) -> its facilities (country, place).

Quirks handled: names broken by newlines, "(continued)" suffixes from page breaks, spelling
variants of one supplier (resolved by normalised name and the aliases file), exact duplicate rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pycountry
from tierwatch.graph.names import fold, slug
from tierwatch.graph.schema import Brand, Facility, LocatedIn, Operates, Supplies, SupplyStatus
from tierwatch.ingest.framework import IngestContext, Pipeline, require_columns
from tierwatch.ingest.readers import csv_header, read_csv

_CONTINUED = re.compile(r"\s*\(continued\)\s*$", re.I)


def clean_name(raw: str) -> str:
    return _CONTINUED.sub("", " ".join(raw.split()))


def region_code(country: str, place: str) -> str | None:
    """ISO 3166-2 code when the place is exactly a subdivision's name (a province, a state)."""
    key = fold(place).replace("-do", " do")
    found = set()
    for sub in pycountry.subdivisions.get(country_code=country) or []:
        name = fold(sub.name).replace("-do", " do")
        if name == key or name.split(" (")[0] == key or name.removesuffix(" sheng") == key:
            found.add(str(sub.code))
    return found.pop() if len(found) == 1 else None  # ambiguous (Hsinchu city and county): no region


class ApplePipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        if sniff and all(c in sniff[0] for c in self.spec.roles["supplier-list"]["required"]):
            return "supplier-list"
        return None

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        header, rows = read_csv(path)
        require_columns(path, header, self.spec.roles[role]["required"])
        ctx.see_columns(header)
        brand_name = self.spec.raw["brand"]
        brand = ctx.resolver.org_model(brand_name, brand=True)
        assert isinstance(brand, Brand)
        seen: set[tuple[str, ...]] = set()
        brand_written = False
        for number, row in enumerate(rows, start=2):
            ctx.begin_row(number)
            key = tuple(row.get(c, "") for c in header)
            if key in seen:
                ctx.duplicate()
                continue
            seen.add(key)
            name = clean_name(row["supplier_name"])
            year_text = row["year"].strip()
            if not name:
                ctx.reject("supplier name is blank", "supplier_name")
                continue
            if not year_text.isdigit():
                ctx.reject("year is not a number", "year", year_text)
                continue
            country = ctx.ref.country(row["country"])
            if country is None:
                ctx.reject("country not recognised", "country", row["country"])
                continue
            if not brand_written:
                ctx.node(brand, at="file")
                brand_written = True
            year = int(year_text)
            company = ctx.resolver.org_model(name)
            ctx.node(company)
            ctx.edge(
                Supplies(
                    src=company.id,
                    dst=brand.id,
                    years=[year],
                    status=SupplyStatus.DECLARED,
                    granularity="entity",
                    evidence=f"Apple supplier list {year}",
                )
            )
            place = " ".join(row["supplier_address"].split())
            code = country.removeprefix("country:")
            fid = f"apple:facility:{slug(company.name or name)}:{code}:{slug(place) if place else 'unknown'}"
            region = region_code(code, place) if place else None
            ctx.node(
                Facility(
                    id=fid,
                    name=f"{company.name} ({place or row['country']})",
                    kind="supplier facility",
                    address=place or None,
                    country=code,
                    region=region,
                    years=[year],
                )
            )
            ctx.edge(Operates(src=company.id, dst=fid))
            ctx.edge(LocatedIn(src=fid, dst=country))
            if region and ctx.ref.region(region):
                ctx.edge(LocatedIn(src=fid, dst=f"region:{region}"))


PIPELINE = ApplePipeline
