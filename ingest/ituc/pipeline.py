"""ITUC Global Rights Index ratings: one rating per country and edition.

Neither known file has a year column: the edition year comes from the run's dataset name or the
file's name (rule in :mod:`tierwatch.ingest.ilab_goods.edition`); a ``Year`` column, when a file of
the family has one, wins. The open excerpt (``ituc-gri-excerpt-ew2024``) cites the Index through the
Electronics Watch Strategic Plan 2024-28 without naming the edition: its year is the citing
document's (2024), and each node's note keeps the citation.

Per row: an :class:`Indicator` ``ituc:<ISO3>:<year>`` (indicator ``ituc-gri``) MEASURES the Country,
with ``rating`` as the text the ITUC gives (``"1"`` .. ``"5"``, ``"5+"``). ``value`` is numeric only
where the rating is: ``5+`` (no guarantee of rights due to the breakdown of the rule of law) is its
own band, worse than 5, and has ``value`` None rather than an invented number. Order ratings by the
``rating`` text: ``"1" < "2" < ... < "5" < "5+"`` holds as plain string order.

Ratings 4, 5 and 5+ (``finding_ratings`` in source.toml) also give a :class:`RiskFinding`
``ituc:finding:<ISO3>:<year>`` of category freedom_of_association, severity = the rating, which
CONCERNS the Country. Confidence 0.9; 0.8 for rows whose source note says the rating is cited from
another document (a secondary citation). Access follows the dataset's licence class.
"""

from __future__ import annotations

import re
from pathlib import Path

import pycountry
from tierwatch.graph.names import fold
from tierwatch.graph.schema import Access, Concerns, DatePrecision, Indicator, Measures, RiskFinding
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.ilab_goods.edition import edition_year
from tierwatch.ingest.readers import csv_header, read_csv
from tierwatch.ingest.reference import country_code

FIELDS = ("country_code", "country_name", "rating", "rating_label", "source_note", "year")
CITED_CONFIDENCE = 0.8


def column_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", fold(name))


def match_columns(header: list[str], role: dict) -> dict[str, str]:
    by_key = {column_key(h): h for h in header if h}
    found = {}
    for fld in FIELDS:
        for alt in role.get(fld, []):
            if column_key(alt) in by_key:
                found[fld] = by_key[column_key(alt)]
                break
    return found


def normalise_rating(text: str) -> str:
    return re.sub(r"\s+", "", text)


class ItucPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        if sniff is None:
            return None
        for role, spec in self.spec.roles.items():
            found = match_columns(sniff[0], spec)
            if "rating" in found and ("country_code" in found or "country_name" in found):
                return role
        return None

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        header, rows = read_csv(path)
        ctx.see_columns(header)
        cols = match_columns(header, self.spec.roles[role])
        file_year = None
        if "year" not in cols:
            file_year, how = edition_year(ctx, path)
            ctx.notes.append(f"{path.name}: edition {file_year} (from the {how})")
        seen: set[tuple[str, int]] = set()
        for number, row in enumerate(rows, start=2):
            ctx.begin_row(number)
            self._row(ctx, row, cols, file_year, seen)

    def _row(
        self,
        ctx: IngestContext,
        row: dict[str, str],
        cols: dict[str, str],
        file_year: int | None,
        seen: set[tuple[str, int]],
    ) -> None:
        def cell(fld: str) -> str:
            return " ".join((row.get(cols[fld]) or "").split()) if fld in cols else ""

        if not any((v or "").strip() for v in row.values()):
            ctx.skip("blank line")
            return
        year = file_year
        if year is None:
            if not cell("year").isdigit():
                ctx.reject("year is not a number", cols["year"], cell("year"))
                return
            year = int(cell("year"))
        rating = normalise_rating(cell("rating"))
        labels = self.spec.lookups["rating_label"]
        if rating not in labels:
            ctx.reject(f"rating is not one of {', '.join(labels)}", cols["rating"], cell("rating"))
            return
        by_code, by_name = country_code(cell("country_code")), country_code(cell("country_name"))
        if by_code and by_name and by_code != by_name:
            ctx.reject(
                f"code and name name different countries ({by_code} / {by_name})",
                cols.get("country_code"),
                f"{cell('country_code')} / {cell('country_name')}",
            )
            return
        iso2 = by_code or by_name
        if iso2 is None:
            ctx.reject(
                "country not recognised",
                cols.get("country_code") or cols.get("country_name"),
                f"{cell('country_code')} {cell('country_name')}".strip(),
            )
            return
        if (iso2, year) in seen:
            ctx.duplicate()
            return
        seen.add((iso2, year))
        country = ctx.ref.country(cell("country_code") if by_code else cell("country_name"))
        found = pycountry.countries.get(alpha_2=iso2)
        iso3 = str(found.alpha_3) if found else iso2
        list_name = self.spec.raw.get("list_name", self.spec.title)
        label = cell("rating_label") or labels[rating]
        note = cell("source_note") or None
        confidence = CITED_CONFIDENCE if note and "cited" in note.lower() else None
        place = cell("country_name") or iso2
        nid = f"ituc:{iso3}:{year}"
        ctx.node(
            Indicator(
                id=nid,
                name=f"{list_name} {year}, {place}: {rating}",
                indicator="ituc-gri",
                indicator_name=list_name,
                year=year,
                rating=rating,
                value=float(rating) if rating.isdigit() else None,
                unit="rating (1 best .. 5, 5+ worst)",
                country=iso2,
                note=note,
            ),
            confidence=confidence,
        )
        ctx.edge(Measures(src=nid, dst=country), confidence=confidence)
        if rating not in self.spec.raw.get("finding_ratings", []):
            return
        fid = f"ituc:finding:{iso3}:{year}"
        evidence = f"{list_name} {year}: {place} rated {rating} ({label})"
        if note:
            evidence += f"; {note}"
        access = Access.PUBLIC  # published lists: redistribution limits travel as the licence class
        ctx.node(
            RiskFinding(
                id=fid,
                name=f"{place}: ITUC rating {rating} ({label})",
                category="freedom_of_association",
                scope_kind="country",
                scope_country=iso2,
                date=str(year),
                date_precision=DatePrecision.YEAR,
                evidence=evidence,
                severity=rating,
                access=access,
                list_name=list_name,
                reported_by=ctx.info.publisher or None,
                original_value=cell("rating"),
                country=iso2,
                note=note,
            ),
            confidence=confidence,
        )
        ctx.edge(Concerns(src=fid, dst=country), confidence=confidence)


PIPELINE = ItucPipeline
