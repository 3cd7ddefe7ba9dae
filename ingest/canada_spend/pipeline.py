"""Canadian federal spend by department and brand vendor: PublicBuyer -SPENDS_WITH-> Brand per fiscal year.

The data are yearly totals per department and vendor bucket (GoC-Spending's ``vendor_slug``), not
contracts, so each row becomes one ``SPENDS_WITH`` edge keyed by fiscal year (amount in CAD and in
constant 2019 CAD); no contract is made up. Two files come in one call, told apart by header: the
spend totals and the raw vendor spellings behind each bucket.

Buckets and spellings map to organisations only through the reviewed aliases file
(``[[vendor_slug]]``, ``[[vendor_variant]]``, see vendors.py): ``gm_developpement`` is its own company,
not General Motors; ``hewlett_packard`` mixes HP Inc. and Hewlett Packard Enterprise, so its spend
gives a *candidate* edge to each (confidence 0.5), never a certain one; Motorola Solutions Canada is
a subsidiary that Motorola Solutions owns, GM Financial GM's leasing arm (``[[parent]]`` links).
Every spelling ends as an alias of the organisation it names or quarantined with the reason.
Certain spend edges are declared facts of the publisher (0.9).

A department's ``owner_org`` code is the Government of Canada's organisation acronym, English and
French joined by a hyphen ("rcmp-grc", "dnd-mdn"): each part, upper case, is an alias of the buyer,
so "RCMP" and "GRC" find the Royal Canadian Mounted Police.
"""

from __future__ import annotations

import re
from pathlib import Path

from tierwatch.graph.schema import LocatedIn, PublicBuyer, SpendsWith
from tierwatch.ingest.canada_spend.vendors import VendorBucket, VendorMap
from tierwatch.ingest.framework import IngestContext, Pipeline, require_columns
from tierwatch.ingest.readers import csv_header, read_csv

CANDIDATE_CONFIDENCE = 0.5
_FISCAL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def parse_amount(text: str) -> float | None:
    """A CAD amount as published ("1234.50", "1,234.50", "$1,234.50"), or None."""
    cleaned = text.strip().replace(",", "").replace("$", "").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def department_abbreviations(owner_org: str) -> list[str]:
    """The acronyms in an ``owner_org`` code ("rcmp-grc" -> ["RCMP", "GRC"])."""
    return list(dict.fromkeys(p.upper() for p in owner_org.strip().split("-") if p.isalpha()))


def fiscal_year_ok(text: str) -> bool:
    found = _FISCAL_YEAR.match(text)
    return bool(found) and int(found.group(2)) == int(found.group(1)) + 1  # type: ignore[union-attr]


class CanadaSpendPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        if not sniff:
            return None
        header = {h.lower() for h in sniff[0]}
        for role in ("spend", "name-variants"):  # spend first: its header is the richer one
            if all(c in header for c in self.spec.roles[role]["required"]):
                return role
        return None

    def order(self, files: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
        return sorted(files, key=lambda f: (f[1] != "spend", f[0].name))

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        header, rows = read_csv(path)
        header = [h.lower() for h in header]
        require_columns(path, header, self.spec.roles[role]["required"])
        ctx.see_columns(header)
        vendors = VendorMap(ctx.resolver.aliases.raw, self.spec.raw)
        lowered = ({k.lower(): v for k, v in row.items()} for row in rows)
        if role == "spend":
            self._read_spend(ctx, vendors, lowered)
        else:
            self._read_variants(ctx, vendors, lowered)

    # -- spend totals --------------------------------------------------------------------------
    def _read_spend(self, ctx: IngestContext, vendors: VendorMap, rows) -> None:
        seen: dict[tuple[str, str, str], tuple[str, ...]] = {}
        for number, row in enumerate(rows, start=2):
            ctx.begin_row(number)
            slug = row["vendor_slug"].strip()
            dept = row["owner_org"].strip()
            dept_name = " ".join(row["owner_org_name_en"].split())
            year = row["fiscal_year"].strip()
            amount = parse_amount(row["total_cad"])
            constant_text = (row.get("total_constant_2019_cad") or "").strip()
            constant = parse_amount(constant_text) if constant_text else None
            key, values = (slug, dept, year), tuple(str(v) for v in row.values())
            if key in seen:
                if seen[key] == values:
                    ctx.duplicate()
                else:
                    ctx.reject(
                        "a second, different total for the same vendor, department and fiscal year",
                        "total_cad",
                        row["total_cad"],
                    )
                continue
            seen[key] = values
            bucket = vendors.bucket(slug)
            if not slug:
                ctx.reject("vendor slug is blank", "vendor_slug")
            elif bucket is None:
                ctx.reject(
                    "vendor slug not in the reviewed aliases file ([[vendor_slug]])", "vendor_slug", slug
                )
            elif not dept:
                ctx.reject("department code is blank", "owner_org")
            elif not fiscal_year_ok(year):
                ctx.reject("fiscal year is not of the form YYYY-YYYY", "fiscal_year", year)
            elif amount is None:
                ctx.reject("total is not a number", "total_cad", row["total_cad"])
            elif constant_text and constant is None:
                ctx.reject("constant-dollar total is not a number", "total_constant_2019_cad", constant_text)
            else:
                buyer = self._buyer(ctx, dept, dept_name)
                self._spend(ctx, buyer, bucket, row.get("normalized_vendor_name", ""), year, amount, constant)

    def _buyer(self, ctx: IngestContext, dept: str, name: str) -> str:
        country = self.spec.raw["buyer_country"]
        buyer = ctx.node(
            PublicBuyer(
                id=f"canada:dept:{dept.lower()}",
                name=name or None,
                country=country,
                kind=self.spec.raw["buyer_kind"],
                identifiers=[f"CA-GOC-ORG:{dept}"],
                aliases=department_abbreviations(dept),
            )
        )
        country_id = ctx.ref.country(country)
        if country_id:
            ctx.edge(LocatedIn(src=buyer, dst=country_id))
        return buyer

    def _spend(
        self,
        ctx: IngestContext,
        buyer: str,
        bucket: VendorBucket,
        bucket_name: str,
        year: str,
        amount: float,
        constant: float | None,
    ) -> None:
        bucket_name = " ".join(bucket_name.split())
        for org_name in bucket.orgs:
            model = ctx.resolver.org_model(org_name, brand=bucket.brand)
            if bucket_name and not bucket.candidate and bucket_name != model.name:
                model = model.model_copy(update={"aliases": sorted({*model.aliases, bucket_name})})
            ctx.node(model)
            if bucket.candidate:
                note = (
                    f"vendor bucket '{bucket.slug}' ({bucket_name}) mixes {' and '.join(bucket.orgs)}: "
                    "a candidate, the spend cannot be split"
                )
                confidence: float | None = CANDIDATE_CONFIDENCE
            else:
                note, confidence = f"vendor bucket '{bucket.slug}'", None
            ctx.edge(
                SpendsWith(
                    src=buyer,
                    dst=model.id,
                    key=year,
                    fiscal_year=year,
                    amount=amount,
                    currency=self.spec.raw["currency"],
                    amount_constant=constant,
                    candidate=bucket.candidate,
                    note=note,
                ),
                confidence=confidence,
            )

    # -- vendor spellings -----------------------------------------------------------------------
    def _read_variants(self, ctx: IngestContext, vendors: VendorMap, rows) -> None:
        seen: set[tuple[str, str]] = set()
        for number, row in enumerate(rows, start=2):
            ctx.begin_row(number)
            slug = row["vendor_slug"].strip()
            raw = row["original_vendor_name"]
            spelling = " ".join(raw.split())
            if (slug, raw) in seen:
                ctx.duplicate()
                continue
            seen.add((slug, raw))
            bucket = vendors.bucket(slug)
            if not spelling:
                ctx.reject("vendor spelling is blank", "original_vendor_name")
                continue
            if bucket is None:
                ctx.reject(
                    "vendor slug not in the reviewed aliases file ([[vendor_slug]])", "vendor_slug", slug
                )
                continue
            placed = vendors.place(bucket, spelling)
            if placed.org is None:
                ctx.reject(
                    placed.reason or "no organisation",
                    "original_vendor_name",
                    None if placed.personal else spelling,
                )
                continue
            brand = bucket.brand and placed.org in bucket.orgs
            model = ctx.resolver.org_model(placed.org, brand=brand)
            if spelling != model.name:
                model = model.model_copy(update={"aliases": sorted({*model.aliases, spelling})})
            ctx.node(model)


PIPELINE = CanadaSpendPipeline
