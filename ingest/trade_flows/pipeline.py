"""Aggregate trade flows between countries per commodity and period: TRADE_FLOW Country -> Country.

A flow is evidence of where a country's supply of a commodity probably comes from when no company
link is known; it is never a company link, and this pipeline creates no Company, site or SUPPLIES.
Edge key ``<commodity id>|<hs code>|<period>``; period ``2017`` (annual) or ``2017-03`` (monthly);
``value_usd``, ``quantity`` and ``quantity_unit`` as the file gives them; the HS code maps to a
vocabulary commodity through ``[lookups.hs_commodity]`` (codes not listed are quarantined).

Files are recognised by header (columns matched by name, loosely):
- Atlas bilateral (``atlas-bilateral``): each row is location x partner x year; ``export_value`` is
  the flow location -> partner. The file holds every pair from both sides (the mirror row's
  ``export_value`` equals this row's ``import_value``), so ``import_value`` is used only when the
  file has no mirror row. A row with nothing to write is skipped with that reason; partner ``ANS``
  (areas not specified) is not a country and is skipped.
- Comtrade by partner (``comtrade-by-partner``): one reporter's trade per partner, HS6 and period;
  reporter and flow direction come from columns when present, else from the role's ``reporter`` /
  ``flow`` in source.toml (the known table is China's exports). A quantity of 0 next to a positive
  value is unknown, not zero (left out).
Zero values are "no recorded trade" and write nothing (skipped with the reason). Confidence 0.9.
"""

from __future__ import annotations

import re
from pathlib import Path

from tierwatch.graph.names import fold
from tierwatch.graph.schema import TradeFlow
from tierwatch.ingest.framework import IngestContext, Pipeline, rows_with_numbers
from tierwatch.ingest.readers import csv_header, read_csv

ROLE_FIELDS = (
    "exporter",
    "partner",
    "year",
    "export_value",
    "import_value",
    "hs_code",
    "period",
    "reporter_col",
    "flow_col",
    "value",
    "quantity",
    "quantity_unit",
)


def column_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", fold(name))


def match_columns(header: list[str], role: dict) -> dict[str, str]:
    by_key = {column_key(h): h for h in header if h}
    found = {}
    for fld in ROLE_FIELDS:
        for alt in role.get(fld, []) if isinstance(role.get(fld), list) else []:
            if column_key(alt) in by_key:
                found[fld] = by_key[column_key(alt)]
                break
    return found


def parse_period(text: str) -> str | None:
    """'2017', '2017-03', '2017-03-01', '201703', '20170301' -> '2017' or '2017-03'; else None."""
    text = text.strip()
    match = re.fullmatch(r"((?:19|20)\d{2})(?:-?(0[1-9]|1[0-2])(?:-?\d{2})?)?(?:[ T].*)?", text)
    if not match:
        return None
    return f"{match.group(1)}-{match.group(2)}" if match.group(2) else match.group(1)


def number(text: str | None) -> float | None:
    """A number, None when blank or missing; raises ValueError when the text is not a number."""
    value = (text or "").strip()
    if value.lower() in ("", "na", "nan", "null", "..", "#n/a"):
        return None
    return float(value.replace(",", ""))


class TradeFlowsPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        if sniff is None:
            return None
        for role, spec in self.spec.roles.items():
            found = match_columns(sniff[0], spec)
            if all(f in found for f in spec["required"]):
                return role
        return None

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        header, rows = read_csv(path)
        ctx.see_columns(header)
        spec = self.spec.roles[role]
        cols = match_columns(header, spec)
        if role == "atlas-bilateral":
            _, again = read_csv(path)
            pairs: set[tuple[str, ...]] = {
                (
                    r[cols["exporter"]].strip().upper(),
                    r[cols["partner"]].strip().upper(),
                    r[cols["year"]].strip(),
                    r[cols["hs_code"]].strip(),
                )
                for r in again
            }
            seen: set[tuple[str, ...]] = set()
            for n, row in rows_with_numbers(rows):
                ctx.begin_row(n)
                self._atlas_row(ctx, row, cols, pairs, seen)
        else:
            seen = set()
            for n, row in rows_with_numbers(rows):
                ctx.begin_row(n)
                self._comtrade_row(ctx, row, cols, spec, seen)

    # -- shared ------------------------------------------------------------------------------
    def _country(self, ctx: IngestContext, value: str, fld: str) -> tuple[str | None, bool]:
        """(country node id, handled). handled=True with None: the row was skipped or rejected."""
        reason = self.spec.lookup("not_country", value) or self.spec.lookup("not_country", value.upper())
        if reason:
            ctx.skip(f"not a country: {reason}")
            return None, True
        node = ctx.ref.country(value)
        if node is None:
            ctx.reject("country not recognised", fld, value)
            return None, True
        return node, False

    def _commodity(self, ctx: IngestContext, hs: str, fld: str) -> str | None:
        name = self.spec.lookup("hs_commodity", hs)
        commodity = ctx.ref.commodity(name) if name else None
        if commodity is None:
            ctx.reject("HS code not in [lookups.hs_commodity]", fld, hs)
        return commodity

    def _flow(
        self,
        ctx: IngestContext,
        src: str,
        dst: str,
        commodity: str,
        hs: str,
        period: str,
        value: float | None,
        quantity: float | None = None,
        unit: str | None = None,
    ) -> None:
        ctx.edge(
            TradeFlow(
                src=src,
                dst=dst,
                key=f"{commodity}|{hs}|{period}",
                commodity=commodity,
                period=period,
                value_usd=value,
                quantity=quantity,
                quantity_unit=unit if quantity is not None else None,
                hs_code=hs,
                note=self.spec.lookup("hs_note", hs),
            )
        )

    # -- Atlas -------------------------------------------------------------------------------
    def _atlas_row(
        self,
        ctx: IngestContext,
        row: dict[str, str],
        cols: dict[str, str],
        pairs: set[tuple[str, ...]],
        seen: set[tuple[str, ...]],
    ) -> None:
        exporter, partner = row[cols["exporter"]].strip().upper(), row[cols["partner"]].strip().upper()
        year, hs = row[cols["year"]].strip(), row[cols["hs_code"]].strip()
        period = parse_period(year)
        if period is None:
            ctx.reject("year is not a year", cols["year"], year)
            return
        values = {}
        for fld in ("export_value", "import_value"):
            try:
                values[fld] = number(row.get(cols[fld], "")) if fld in cols else None
            except ValueError:
                ctx.reject("value is not a number", cols[fld], row.get(cols[fld]))
                return
        commodity = self._commodity(ctx, hs, cols["hs_code"])
        if commodity is None:
            return
        src, handled = self._country(ctx, exporter, cols["exporter"])
        if handled:
            return
        dst, handled = self._country(ctx, partner, cols["partner"])
        if handled or src is None or dst is None:
            return
        key = (exporter, partner, year, hs)
        if key in seen:
            ctx.duplicate()
            return
        seen.add(key)
        written = False
        if values["export_value"]:
            self._flow(ctx, src, dst, commodity, hs, period, values["export_value"])
            written = True
        if values["import_value"] and (partner, exporter, year, hs) not in pairs:
            self._flow(ctx, dst, src, commodity, hs, period, values["import_value"])
            written = True
        if not written:
            ctx.skip("export_value is 0 (no recorded trade); any import_value is the mirror row's export")

    # -- Comtrade ----------------------------------------------------------------------------
    def _comtrade_row(
        self,
        ctx: IngestContext,
        row: dict[str, str],
        cols: dict[str, str],
        spec: dict,
        seen: set[tuple[str, ...]],
    ) -> None:
        raw_period, hs = row[cols["period"]].strip(), row[cols["hs_code"]].strip()
        period = parse_period(raw_period)
        if period is None:
            ctx.reject("period is not a year or month", cols["period"], raw_period)
            return
        flow = fold(row[cols["flow_col"]]) if "flow_col" in cols else fold(spec.get("flow", ""))
        direction = (
            "export"
            if flow.startswith("export") or flow == "x"
            else ("import" if flow.startswith("import") or flow == "m" else None)
        )
        if direction is None:
            ctx.skip(f"flow is neither export nor import ({flow or 'not given'})")
            return
        try:
            value = number(row.get(cols["value"]))
            quantity = number(row.get(cols["quantity"])) if "quantity" in cols else None
        except ValueError:
            ctx.reject(
                "value or quantity is not a number",
                f"{cols['value']}/{cols.get('quantity', '')}",
                f"{row.get(cols['value'])}/{row.get(cols.get('quantity', ''), '')}",
            )
            return
        if not value and not quantity:
            ctx.skip("no value and no quantity (no recorded trade)")
            return
        commodity = self._commodity(ctx, hs, cols["hs_code"])
        if commodity is None:
            return
        reporter_name = (
            row[cols["reporter_col"]].strip() if "reporter_col" in cols else spec.get("reporter", "")
        )
        reporter, handled = self._country(ctx, reporter_name, cols.get("reporter_col", "reporter"))
        if handled:
            return
        partner, handled = self._country(ctx, row[cols["partner"]].strip(), cols["partner"])
        if handled or reporter is None or partner is None:
            return
        key = (reporter, partner, direction, hs, period)
        if key in seen:
            ctx.duplicate()
            return
        seen.add(key)
        unit = row.get(cols["quantity_unit"], "").strip() if "quantity_unit" in cols else ""
        unit = unit or self.spec.lookup("comtrade_quantity_unit", hs)
        src, dst = (reporter, partner) if direction == "export" else (partner, reporter)
        self._flow(ctx, src, dst, commodity, hs, period, value or None, quantity or None, unit)


PIPELINE = TradeFlowsPipeline
