"""Resource Matters' cobalt and battery chain: supplier -> buyer at each step, with BHRRC company ids.

Two files in one run, each recognised by its header: the links table (one supply link per row, from
artisanal and industrial mining in DR Congo to car makers) and the BHRRC table (company name ->
Business & Human Rights Resource Centre page id). The BHRRC table is read first.

Mapping of a link row:
- each side's company becomes a Company (a Brand for the car makers named in source.toml), resolved by
  name; the file's own "Name (ACRONYM)" pairs let a composition's "LGES" resolve to LG Energy Solution;
- each side's facility becomes a Facility (a Mine when the file calls it a mine in every row), operated
  by the company, with place, coordinates, country and ISO 3166-2 region when a province is named;
- a supplier at the "Artisanal mining" step (Kasulo, Kamilombe, Goma ...) is an artisanal site, not a
  company: a Mine with mining_type artisanal, located in its country and province;
- parents, joint-venture compositions (with shares) and subsidiaries become OWNS links (confidence
  0.75: third-party research); a state's share ("DRC (5%)") is not an ownership link between orgs;
- the link itself is a SUPPLIES edge keyed by the row's ID: company -> company, site -> company, or
  between the two facilities when one company supplies itself (LGES Wuxi -> LG Chem Wroclaw); a step
  inside one facility (cells to packs in the same plant) is recorded on the facility, not as a loop.

Confidence of a link from "Transaction realised?": Yes = confirmed (0.85); blank = reported but not
confirmed (0.5); No = a reported deal that did not happen: a SUPPLIES edge with status not_realised
(0.1) that keeps the fact; supply traversals must exclude not_realised edges.

Quarantined: rows without an ID or a company, with an ID an earlier different row used, an unknown
"Transaction realised?" value, or a country that is not one. BHRRC rows without an id are skipped;
a BHRRC row naming a composition ("A (51%) / B (49%)") is quarantined. Names sharing one BHRRC page
(BMW, BMW AG, BMW Group; CATL and ATL) get a SAME_AS_CANDIDATE for review, never a merge.
"""

from __future__ import annotations

import re
from pathlib import Path

from tierwatch.graph.names import fold
from tierwatch.graph.schema import Method, SameAsCandidate, Supplies
from tierwatch.ingest.cobalt_links.columns import Columns
from tierwatch.ingest.cobalt_links.entities import ARTISANAL_MINING, ChainEntities, Endpoint, SideCells
from tierwatch.ingest.cobalt_links.parsing import is_composition, parse_amount, parse_period
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.readers import csv_header, read_csv

LINKS, BHRRC = "links", "bhrrc-ids"
_SIDE_COLUMNS = (
    "company",
    "joint venture",
    "joint venture composition",
    "subsidiary company",
    "parent company(ies)",
    "facility name",
)


class CobaltLinksPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        if sniff is None:
            return None
        for role in (LINKS, BHRRC):
            columns = Columns(sniff[0], [])
            if not columns.missing(self.spec.roles[role]["required"]):
                return role
        return None

    def order(self, files: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
        return sorted(files, key=lambda f: (f[1] != BHRRC, f[0].name))

    def run(self, ctx: IngestContext, files: list[tuple[Path, str]]) -> None:
        self._pages: dict[str, tuple[str, str]] = {}  # BHRRC id -> (first org id, its name)
        self._entities = ChainEntities(
            ctx,
            self.spec.raw.get("brands", []),
            self.spec.raw["confidence"]["ownership"],
            self.spec.lookups["stage"],
        )
        super().run(ctx, files)

    def _columns(self, ctx: IngestContext, path: Path, role: str) -> tuple[Columns, list[dict[str, str]]]:
        header, rows = read_csv(path)
        known = [*self.spec.columns.get("mapped", []), *self.spec.columns.get("ignored", {})]
        columns = Columns(header, known)
        columns.require(path, self.spec.roles[role]["required"])
        ctx.see_columns(columns.seen)
        return columns, list(rows)

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        columns, rows = self._columns(ctx, path, role)
        if role == BHRRC:
            self._read_bhrrc(ctx, columns, rows)
        else:
            self._read_links(ctx, columns, rows)

    # -- BHRRC company ids ---------------------------------------------------------------------
    def _read_bhrrc(self, ctx: IngestContext, columns: Columns, rows: list[dict[str, str]]) -> None:
        confidence = self.spec.raw["confidence"]
        for number, row in enumerate(rows, start=2):
            ctx.begin_row(number)
            name, page = columns.get(row, "RM name"), columns.get(row, "ID")
            if not name:
                ctx.reject("company name is blank", "RM name")
                continue
            if not page:
                ctx.skip("name without a BHRRC company id")
                continue
            if not page.isdigit():
                ctx.reject("BHRRC id is not a number", "ID", page)
                continue
            names = [n.strip() for n in name.split(" / ")]
            latin = [n for n in names if re.search("[A-Za-z]", n)]
            if "%" in name or len(latin) > 1:
                ctx.reject(
                    "name lists several companies or names; the file does not say which one the "
                    "BHRRC page is for",
                    "RM name",
                    name,
                )
                continue
            model = self._entities.org(latin[0] if latin else name)
            ident = f"BHRRC:{page}"
            ctx.node(model.model_copy(update={"identifiers": [ident]}), confidence=confidence["bhrrc_id"])
            first = self._pages.setdefault(page, (model.id, model.name or name))
            if first[0] != model.id:
                a, b = sorted((first[0], model.id))
                ctx.edge(
                    SameAsCandidate(
                        src=a,
                        dst=b,
                        score=confidence["same_page"],
                        evidence=f"'{first[1]}' and '{model.name}' both map to BHRRC company page {page}",
                    ),
                    confidence=confidence["same_page"],
                    method=Method.IDENTIFIER_MATCH,
                )

    # -- links ---------------------------------------------------------------------------------
    def _learn(self, columns: Columns, rows: list[dict[str, str]]) -> None:
        """Pre-pass: artisanal site names, the file's acronyms, and every kind each facility is given."""
        entities = self._entities
        for row in rows:
            step = fold(columns.get(row, "Input chain step"))
            for side, kind_col in (
                ("Supplier", "Supplier_facility_clean"),
                ("Buyer", "Buyer facility type clean"),
            ):
                company = columns.get(row, f"{side} company")
                if company:
                    entities.learn(company, artisanal_site=side == "Supplier" and step == ARTISANAL_MINING)
                    entities.learn_facility(
                        company, columns.get(row, f"{side} facility name"), columns.get(row, kind_col)
                    )
        for row in rows:
            for side in ("Supplier", "Buyer"):
                for col in _SIDE_COLUMNS[:5]:
                    value = columns.get(row, f"{side} {col}")
                    if value and not is_composition(value):
                        entities.learn(value, artisanal_site=False)

    def _commodities(self, ctx: IngestContext, *cells: str) -> list[str]:
        for cell in cells:
            names = self.spec.lookup("commodity", fold(cell)) if cell else None
            if names:
                return [cid for cid in (ctx.ref.commodity(n) for n in names) if cid]
        return []

    def _side(
        self,
        ctx: IngestContext,
        columns: Columns,
        row: dict[str, str],
        side: str,
        country: str,
        commodities: list[str],
        products: list[str],
    ) -> Endpoint:
        get = columns.get
        kind_col = "Supplier_facility_clean" if side == "Supplier" else "Buyer facility type clean"
        cells = SideCells(
            company=get(row, f"{side} company"),
            joint_venture=get(row, f"{side} joint venture"),
            composition=get(row, f"{side} joint venture composition"),
            subsidiary=get(row, f"{side} subsidiary company"),
            parents=get(row, f"{side} parent company(ies)"),
            facility=get(row, f"{side} facility name"),
            facility_kind=get(row, kind_col),
            place=get(row, f"Place of {side.lower()}"),
            country_code=country.removeprefix("country:"),
            lat=get(row, f"Lat {side.lower()}"),
            lon=get(row, f"Long {side.lower()}"),
            step=get(row, "Input chain step" if side == "Supplier" else "Output chain step"),
            products=products,
            commodities=commodities,
        )
        return self._entities.side(cells)

    def _read_links(self, ctx: IngestContext, columns: Columns, rows: list[dict[str, str]]) -> None:
        self._learn(columns, rows)
        get = columns.get
        seen_rows: set[tuple[str, ...]] = set()
        seen_ids: dict[str, int] = {}
        for number, row in enumerate(rows, start=2):
            ctx.begin_row(number)
            self._entities.row = str(number)
            content = tuple(v or "" for k, v in sorted(row.items()))
            if content in seen_rows:
                ctx.duplicate()
                continue
            seen_rows.add(content)
            link_id = re.sub(r"\s+", "_", get(row, "ID"))
            if not link_id:
                ctx.reject("link ID is blank", "ID")
                continue
            if link_id in seen_ids:
                ctx.reject(
                    f"link ID already used by row {seen_ids[link_id]} with other content", "ID", link_id
                )
                continue
            seen_ids[link_id] = number
            if not get(row, "Supplier company"):
                ctx.reject("supplier company is blank", "Supplier company")
                continue
            if not get(row, "Buyer company"):
                ctx.reject("buyer company is blank", "Buyer company")
                continue
            realised = get(row, "Transaction realised?")
            status = self.spec.lookup("status", fold(realised))
            if status is None:
                ctx.reject(
                    "'Transaction realised?' is not Yes, No or blank", "Transaction realised?", realised
                )
                continue
            countries = {}
            for side in ("Supplier", "Buyer"):
                countries[side] = ctx.ref.country(get(row, f"Country of {side}"))
            bad = next((s for s in ("Supplier", "Buyer") if countries[s] is None), None)
            if bad:
                ctx.reject("country not recognised", f"Country of {bad}", get(row, f"Country of {bad}"))
                continue
            self._link(ctx, columns, row, link_id, status, countries)

    def _link(
        self,
        ctx: IngestContext,
        columns: Columns,
        row: dict[str, str],
        link_id: str,
        status: list,
        countries: dict[str, str],
    ) -> None:
        get = columns.get
        product = get(row, "Input commodity") or get(row, "Type of input commodity")
        commodities = self._commodities(ctx, get(row, "Input commodity"), get(row, "Type of input commodity"))
        output = get(row, "Output commodity clean") or get(row, "Type of output commodity")
        out_commodities = self._commodities(
            ctx, get(row, "Output commodity clean"), get(row, "Type of output commodity")
        )
        supplier = self._side(
            ctx, columns, row, "Supplier", countries["Supplier"], commodities, [product] if product else []
        )
        buyer = self._side(
            ctx, columns, row, "Buyer", countries["Buyer"], out_commodities, [output] if output else []
        )
        src, dst, granularity = supplier.node, buyer.node, "entity"
        if supplier.org is not None and supplier.org == buyer.org:
            src, dst, granularity = supplier.site, buyer.site, "facility"
        if src == dst:  # one facility's own step (cells to packs in one plant): the facility says it
            return
        period = parse_period(get(row, "Date of transaction"))
        amount, currency = parse_amount(get(row, "Amount (USD)")), "USD"
        if amount is None:
            amount, currency = parse_amount(get(row, "Amount (Yuan)")), "CNY"
        source = get(row, "Source") or "no source document given"
        pages = get(row, "Notes1")
        ctx.edge(
            Supplies(
                src=src,
                dst=dst,
                key=link_id,
                commodity=commodities[0] if commodities else None,
                product=product or None,
                period_start=period.start if period else None,
                period_end=period.end if period else None,
                years=list(period.years) if period else [],
                status=status[0],
                granularity=granularity,
                amount=amount,
                currency=currency if amount is not None else None,
                evidence=f"Resource Matters link {get(row, 'ID')}: {source}"
                + (f" ({pages})" if pages else ""),
                note=_note(columns, row),
            ),
            confidence=float(status[1]),
        )


_NOTE_COLUMNS = (
    ("Date of transaction", "date as stated"),
    ("Expected date of transaction", "expected"),
    ("Transaction notes", "transaction"),
    ("Amount (USD)", "amount USD"),
    ("Amount (Yuan)", "amount yuan"),
    ("Amount (tonnes)", "tonnes"),
    ("Amount (energy units)", "energy"),
    ("Amount (units)", "units"),
    ("Notes", "notes"),
)


def _note(columns: Columns, row: dict[str, str]) -> str | None:
    parts = [f"{label}: {columns.get(row, col)}" for col, label in _NOTE_COLUMNS if columns.get(row, col)]
    return "; ".join(parts) or None


PIPELINE = CobaltLinksPipeline
