"""World Bank Worldwide Governance Indicators in long format: per country, indicator and year.

One source row (country x indicator x year) gives up to two :class:`Indicator` nodes, each MEASURES
its Country:
- ``wgi:<ISO3>:<CODE>.EST:<year>``: the governance estimate (about -2.5 .. 2.5), unit ``estimate``,
  with its standard error and number of sources;
- ``wgi:<ISO3>:<CODE>.PER.RNK:<year>``: the percentile rank (0 .. 100), unit ``percentile rank``,
  with the bounds of its 90% confidence interval (the file's Lower / Upper belong to the rank).
``<CODE>`` is the World Bank's indicator code (VA, PV, GE, RQ, RL, CC) looked up from the indicator
name; ``<ISO3>`` is ISO 3166-1 alpha-3 (the World Bank's legacy codes ZAR, ROM, TMP, ADO, WBG, KSV
are resolved by name; Kosovo, which has no ISO alpha-3, keeps the file's code).

Missing values (``NA``, ``#N/A``, ``..``, blank) are unknown, never zero: a value that is missing is
left out; a row with neither an estimate nor a rank is skipped with that reason. Codes of aggregates
and former territories (``[lookups.not_country]``) are skipped with the reason; a country that cannot
be resolved is quarantined. Confidence 0.9 (declared by the publisher).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pycountry
from tierwatch.graph.names import fold
from tierwatch.graph.schema import Indicator, Measures
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.readers import csv_header, read_csv
from tierwatch.ingest.reference import country_code

FIELDS = (
    "country_name",
    "country_code",
    "year",
    "indicator",
    "estimate",
    "rank",
    "std_error",
    "source_count",
    "lower",
    "upper",
)


def column_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", fold(name))


def match_columns(header: list[str], role: dict) -> dict[str, str]:
    """Field -> the header's column for it (first alternative present, matched loosely)."""
    by_key = {column_key(h): h for h in header if h}
    found = {}
    for fld in FIELDS:
        for alt in role.get(fld, []):
            if column_key(alt) in by_key:
                found[fld] = by_key[column_key(alt)]
                break
    return found


@lru_cache(maxsize=256)
def _indicator_key(text: str) -> str:
    return column_key(text)


def _indicator_code(table: dict[str, str], text: str) -> str | None:
    return table.get(_indicator_key(text))


def fits(found: dict[str, str]) -> bool:
    has_country = "country_name" in found or "country_code" in found
    has_value = "estimate" in found or "rank" in found
    return has_country and has_value and "year" in found and "indicator" in found


class WgiPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        if sniff is None:
            return None
        for role, spec in self.spec.roles.items():
            if fits(match_columns(sniff[0], spec)):
                return role
        return None

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        header, rows = read_csv(path)
        ctx.see_columns(header)
        spec = self.spec.roles[role]
        cols = match_columns(header, spec)
        missing = {m.strip().lower() for m in spec.get("missing", [])}
        seen: set[tuple[str, str, int]] = set()
        for number, row in enumerate(rows, start=2):
            ctx.begin_row(number)
            self._row(ctx, row, cols, missing, seen)

    def _row(
        self,
        ctx: IngestContext,
        row: dict[str, str],
        cols: dict[str, str],
        missing: set[str],
        seen: set[tuple[str, str, int]],
    ) -> None:
        def cell(fld: str) -> str:
            return (row.get(cols[fld]) or "").strip() if fld in cols else ""

        year_text = cell("year")
        if not year_text.isdigit():
            ctx.reject("year is not a number", cols["year"], year_text)
            return
        year = int(year_text)
        code = _indicator_code(self.spec.lookups["indicator_code"], cell("indicator"))
        if code is None:
            ctx.reject("indicator not in [lookups.indicator_code]", cols["indicator"], cell("indicator"))
            return
        raw_code, raw_name = cell("country_code").upper(), cell("country_name")
        reason = self.spec.lookup("not_country", raw_code)
        if reason:
            ctx.skip(f"not a country: {reason}")
            return
        by_code, by_name = country_code(raw_code), country_code(raw_name)
        if by_code and by_name and by_code != by_name:
            ctx.reject(
                f"code and name name different countries ({by_code} / {by_name})",
                cols.get("country_code"),
                f"{raw_code} / {raw_name}",
            )
            return
        iso2 = by_code or by_name
        if iso2 is None:
            ctx.reject(
                "country not recognised",
                cols.get("country_code") or cols.get("country_name"),
                f"{raw_code} {raw_name}".strip(),
            )
            return
        values: dict[str, float | None] = {}
        for fld in ("estimate", "rank", "std_error", "source_count", "lower", "upper"):
            text = cell(fld)
            if text.lower() in missing:
                values[fld] = None
                continue
            try:
                values[fld] = float(text)
            except ValueError:
                ctx.reject("value is not a number", cols[fld], text)
                return
        if values["estimate"] is None and values["rank"] is None:
            ctx.skip("no estimate and no rank (missing value: not measured that year)")
            return
        if (iso2, code, year) in seen:
            ctx.duplicate()
            return
        seen.add((iso2, code, year))
        country = ctx.ref.country(raw_code if by_code else raw_name)
        found = pycountry.countries.get(alpha_2=iso2)
        iso3 = str(found.alpha_3) if found else (raw_code or iso2)
        name = self.spec.lookup("indicator_name", code, code)
        sources = int(values["source_count"]) if values["source_count"] is not None else None
        label = f"{raw_name or iso2} {year}"
        if values["estimate"] is not None:
            nid = f"wgi:{iso3}:{code}.EST:{year}"
            ctx.node(
                Indicator(
                    id=nid,
                    name=f"{name}, {label} (estimate)",
                    indicator=f"{code}.EST",
                    indicator_name=name,
                    year=year,
                    value=values["estimate"],
                    unit="estimate",
                    std_error=values["std_error"],
                    source_count=sources,
                    country=iso2,
                )
            )
            ctx.edge(Measures(src=nid, dst=country))
        if values["rank"] is not None:
            nid = f"wgi:{iso3}:{code}.PER.RNK:{year}"
            ctx.node(
                Indicator(
                    id=nid,
                    name=f"{name}, {label} (percentile rank)",
                    indicator=f"{code}.PER.RNK",
                    indicator_name=name,
                    year=year,
                    value=values["rank"],
                    unit="percentile rank",
                    lower=values["lower"],
                    upper=values["upper"],
                    source_count=sources,
                    country=iso2,
                )
            )
            ctx.edge(Measures(src=nid, dst=country))


PIPELINE = WgiPipeline
