"""The UFLPA Entity List: the DHS page (source of record) and a third-party parse of it.

Each listed entity is a Company (``ctx.resolver.org_model``; aliases from the parentheses) or the
existing node it names exactly (see ``common``); per list section a RiskFinding
``uflpa:finding:<name-slug>:<section>`` (forced_labour, list_name "UFLPA Entity List", section,
date = effective date, evidence quoting the row) -CONCERNS-> it. The page has 160 rows in three
tables (sections (i), (ii), (v)); an entity listed twice in one section is a duplicate row. The
parsed JSON (148 records, all sections of an entity in its notes) gives the same ids, so both
converge; its date is one per entity, so the page's per-section date wins when the page was
ingested first (the merge rule keeps a dataset's own scalars).

Confidence: 0.9 for the page (declared by DHS); 0.85 for the parsed JSON (a third party's parse).
HTML is parsed with the standard library's html.parser (no scripts run, no entities fetched).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import slug
from tierwatch.graph.schema import Access, Concerns, DatePrecision, RiskCategory, RiskFinding
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.us_lists.common import (
    ListedEntities,
    Listing,
    emit_listed,
    entity_columns,
    load_list,
    parse_date,
    recognise_list,
    split_listing,
)

SPEC_FILE = "uflpa.toml"
SECTION = re.compile(r"2\s*\(d\)\s*\(2\)\s*\(B\)\s*\((i{1,3}|iv|v)\)")
PARSED_CONFIDENCE = 0.85


class _PageTables(HTMLParser):
    """Tables of the page with the section marker and heading text that precede each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.text_since_table: list[str] = []
        self.title = ""
        self._in_title = False
        self._table: dict | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._header = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "table":
            preceding = " ".join(" ".join(self.text_since_table).split())
            self._table = {"before": preceding, "header": [], "rows": []}
            self.text_since_table = []
        elif tag == "tr" and self._table is not None:
            self._row, self._header = [], False
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._header = self._header or tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._header:
                self._table["header"] = self._row
            elif any(self._row):
                self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._cell is not None:
            self._cell.append(data)
        elif self._table is None:
            self.text_since_table.append(data)


def _read_page(path: Path) -> _PageTables:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(str(path), f"not a readable UTF-8 HTML page ({exc})") from None
    page = _PageTables()
    page.feed(text)
    page.close()
    return page


def _heading(before: str) -> str:
    """The section's own heading: the sentence before the 'Section 2(d)(2)(B)(x)' marker."""
    found = list(SECTION.finditer(before))
    head = before[: found[-1].start()] if found else before
    head = re.sub(r"\bSection\s*$", "", head).strip()
    return head.split("   ")[-1][-300:].strip()


class UflpaPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        if recognise_list(path, self.spec.roles["parsed-list"]):
            return "parsed-list"
        try:
            with path.open("rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n").lower()
        except OSError:
            return None
        if not head.startswith(("<!doctype html", "<html")):
            return None
        role = self.spec.roles["entity-list-page"]
        page = _read_page(path)
        names = set(role["name_headers"])
        if role["title_marker"].lower() in page.title.lower() and any(
            names & set(t["header"]) and SECTION.search(t["before"]) for t in page.tables
        ):
            return "entity-list-page"
        return None

    def run(self, ctx: IngestContext, files: list[tuple[Path, str]]) -> None:
        self.listed = ListedEntities(ctx)
        self.seen: set[tuple[str, str]] = set()
        super().run(ctx, files)
        self.listed.ownership_candidates(self.spec.raw["list_name"])

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        if role == "entity-list-page":
            self._read_page(ctx, path)
        else:
            self._read_parsed(ctx, path)

    def _read_page(self, ctx: IngestContext, path: Path) -> None:
        role = self.spec.roles["entity-list-page"]
        page = _read_page(path)
        tables = [t for t in page.tables if set(role["name_headers"]) & set(t["header"])]
        ctx.see_columns(dict.fromkeys(h for t in tables for h in t["header"]))
        for t_index, table in enumerate(tables, start=1):
            found = list(SECTION.finditer(table["before"]))
            section = found[-1].group(1) if found else None
            heading = _heading(table["before"])
            header = table["header"]
            name_col = next(i for i, h in enumerate(header) if h in role["name_headers"])
            date_col = next((i for i, h in enumerate(header) if h in role["date_headers"]), None)
            for r_index, cells in enumerate(table["rows"], start=1):
                ctx.begin_row(f"/table[{t_index}]/tr[{r_index}]")
                text = cells[name_col] if name_col < len(cells) else ""
                raw_date = cells[date_col] if date_col is not None and date_col < len(cells) else ""
                if section is None:
                    ctx.reject(
                        "table has no 'Section 2(d)(2)(B)(...)' heading", "section", table["before"][-80:]
                    )
                elif not text:
                    ctx.reject("entity name is blank", header[name_col])
                elif raw_date and parse_date(raw_date) is None:
                    ctx.reject("effective date is not a date", header[date_col or 0], raw_date)
                else:
                    listing = split_listing(text)
                    self._listed(ctx, listing, section, heading, text, parse_date(raw_date), None)

    def _read_parsed(self, ctx: IngestContext, path: Path) -> None:
        data = load_list(path)
        ctx.see_columns(entity_columns(data))
        for index, entity in enumerate(data["entities"]):
            ctx.begin_row(f"/entities/{index}")
            if not isinstance(entity, dict) or not str(entity.get("name") or "").strip():
                ctx.reject("entity name is blank", "name")
                continue
            notes = str(entity.get("notes") or "")
            sections = list(dict.fromkeys(m.group(1) for m in SECTION.finditer(notes)))
            raw_date = str(entity.get("effective_date") or "")
            if not sections:
                ctx.reject("notes name no UFLPA section 2(d)(2)(B)(...)", "notes", notes)
                continue
            if raw_date and parse_date(raw_date) is None:
                ctx.reject("effective date is not a date", "effective_date", raw_date)
                continue
            listing = split_listing(str(entity["name"]))
            listing.aliases = list(dict.fromkeys([*listing.aliases, *(entity.get("aliases") or [])]))
            text = str(entity["name"])
            if listing.aliases:
                text += f" (aliases: {'; '.join(listing.aliases)})"
            for section in sections:
                self._listed(
                    ctx,
                    listing,
                    section,
                    notes,
                    text,
                    parse_date(raw_date),
                    entity,
                    confidence=PARSED_CONFIDENCE,
                )

    def _listed(
        self,
        ctx: IngestContext,
        listing: Listing,
        section: str,
        heading: str,
        text: str,
        when: str | None,
        entity: dict | None,
        confidence: float | None = None,
    ) -> None:
        entity = entity or {}
        target = emit_listed(
            ctx,
            self.listed,
            listing,
            country=entity.get("country"),
            address=entity.get("address"),
            confidence=confidence,
        )
        key = (target, section)
        fid = f"uflpa:finding:{slug(listing.name)}:{section}"
        label = f"Sec. 2(d)(2)(B)({section})"
        evidence = f'UFLPA Entity List, {label} ("{heading}"): "{text}", effective {when or "date not given"}'
        if entity.get("federal_register"):
            evidence += f"; {entity['federal_register']}"
        ctx.node(
            RiskFinding(
                id=fid,
                name=f"UFLPA Entity List {label}: {listing.name}",
                category=RiskCategory.FORCED_LABOUR.value,
                scope_kind="entity",
                scope_entity=target,
                date=when,
                date_precision=DatePrecision.DAY if when else None,
                evidence=evidence,
                severity="listed",
                access=Access.PUBLIC,
                list_name=self.spec.raw["list_name"],
                list_section=label,
                list_status=entity.get("status"),
                reported_by=self.spec.raw["reported_by"],
                original_value=text,
                note=listing.remark,
            ),
            confidence=confidence,
        )
        ctx.edge(Concerns(src=fid, dst=target), confidence=confidence)
        if key in self.seen:
            ctx.duplicate()
        self.seen.add(key)


PIPELINE = UflpaPipeline
