"""A buyer's own list (CSV/TSV in any common encoding, or a workbook's first sheet) read as rows to
match, and confirmed matches written as a template file ready to ingest (docs/MATCH.md).

Columns are recognised by name (case, spaces, ``_``/``-`` ignored): a name column is required
(``name``, ``supplier``, ``company`` ...); country, address, a reference and identifier columns are
optional. An identifier column's name gives the scheme of bare values (``lei`` -> ``LEI:``,
``rmi cid`` -> ``RMI:``, ``os id`` -> ``OSHUB:``); a value that has its scheme (``GB-COH:01234567``)
keeps it. ``--name-column`` etc. name columns the guess misses.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tierwatch.graph.errors import InputFileError
from tierwatch.graph.match.models import MatchRecord, MatchRow, RowSkipped
from tierwatch.graph.schema import Supplies
from tierwatch.ingest.readers import read_csv, read_sheet, xlsx_sheets

NAME_COLUMNS = (
    "name",
    "supplier",
    "suppliername",
    "company",
    "companyname",
    "organisation",
    "organization",
    "organisationname",
    "organizationname",
    "vendor",
    "vendorname",
    "legalname",
    "entity",
    "entityname",
    "brand",
    "smeltername",
    "smelter",
    "facilityname",
    "facility",
)
COUNTRY_COLUMNS = ("country", "countrycode", "iso2", "suppliercountry", "smeltercountry", "location")
ADDRESS_COLUMNS = ("address", "fulladdress", "street", "streetaddress", "facilitylocation")
REF_COLUMNS = ("ref", "reference", "yourref", "rowid", "supplierid", "vendorid", "vendornumber")
#: identifier columns and the scheme their bare values get ("" = values must carry their own scheme)
IDENTIFIER_COLUMNS = {
    "identifier": "",
    "identifiers": "",
    "orgid": "",
    "id": "",
    "lei": "LEI",
    "rmicid": "RMI",
    "cid": "RMI",
    "smelterid": "RMI",
    "smelteridentificationnumber": "RMI",
    "osid": "OSHUB",
    "oshubid": "OSHUB",
    "companynumber": "GB-COH",
    "companieshouse": "GB-COH",
}
_SCHEMED = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:\S")


def _canon(header: str) -> str:
    return re.sub(r"[\s_\-./()#]+", "", header.strip().lower())


@dataclass
class ColumnChoice:
    name: str
    country: str | None = None
    address: str | None = None
    ref: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)  # column -> scheme of bare values


def choose_columns(
    file: str,
    header: Sequence[str],
    *,
    name: str | None = None,
    country: str | None = None,
    identifier: Sequence[str] = (),
    address: str | None = None,
) -> ColumnChoice:
    by_canon = {_canon(h): h for h in header if h}

    def given(value: str | None, what: str) -> str | None:
        if value is None:
            return None
        hit = by_canon.get(_canon(value))
        if hit is None:
            raise InputFileError(file, f"no column {value!r} ({what}); the header is: {', '.join(header)}")
        return hit

    def guess(options: Sequence[str]) -> str | None:
        return next((by_canon[o] for o in options if o in by_canon), None)

    name_col = given(name, "--name-column") or guess(NAME_COLUMNS)
    if name_col is None:
        raise InputFileError(
            file,
            f"no name column: the header is {', '.join(repr(h) for h in header) or '(empty)'}; "
            f"recognised names are {', '.join(NAME_COLUMNS[:8])} ...; name yours with --name-column",
            row=1,
        )
    choice = ColumnChoice(
        name=name_col,
        country=given(country, "--country-column") or guess(COUNTRY_COLUMNS),
        address=given(address, "--address-column") or guess(ADDRESS_COLUMNS),
        ref=guess(REF_COLUMNS),
    )
    for col in identifier:
        hit = given(col, "--identifier-column")
        assert hit is not None
        choice.identifiers[hit] = IDENTIFIER_COLUMNS.get(_canon(hit), "")
    if not identifier:
        for canon, scheme in IDENTIFIER_COLUMNS.items():
            if canon in by_canon and by_canon[canon] != name_col:
                choice.identifiers[by_canon[canon]] = scheme
    return choice


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(path: Path) -> tuple[list[str], Iterator[dict[str, str]]]:
    sheets = xlsx_sheets(path)
    if sheets is not None:
        if not sheets:
            raise InputFileError(str(path), "the workbook has no sheet")
        grid = read_sheet(path, sheets[0])
        if not grid:
            raise InputFileError(str(path), f"sheet '{sheets[0]}' is empty: no header row")
        header = [_cell(h) for h in grid[0]]
        return header, (dict(zip(header, (_cell(v) for v in values), strict=False)) for values in grid[1:])
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        raise InputFileError(str(path), "not a readable workbook")
    if path.stat().st_size == 0:
        raise InputFileError(str(path), "the file is empty")
    return read_csv(path)


@dataclass
class ListRows:
    records: list[tuple[int, MatchRecord]]
    total: int  # data rows read (blank rows not counted)
    left_out: int
    skipped: list[RowSkipped]
    columns: ColumnChoice


def read_list(
    path: Path,
    *,
    max_rows: int,
    name: str | None = None,
    country: str | None = None,
    identifier: Sequence[str] = (),
    address: str | None = None,
) -> ListRows:
    """The rows of a buyer's list, at most ``max_rows`` (the rest counted in ``left_out``)."""
    if not path.is_file():
        raise InputFileError(str(path), "no such file")
    header, rows = _rows(path)
    cols = choose_columns(
        str(path), header, name=name, country=country, identifier=identifier, address=address
    )
    records: list[tuple[int, MatchRecord]] = []
    skipped: list[RowSkipped] = []
    total = left_out = 0
    for number, cells in enumerate(rows, start=2):
        if not any((v or "").strip() for k, v in cells.items() if k != "__extra__"):
            continue  # blank row
        total += 1
        if len(records) + len(skipped) >= max_rows:
            left_out += 1
            continue
        ids = []
        for col, scheme in cols.identifiers.items():
            for value in re.split(r"[;|]", cells.get(col, "") or ""):
                value = value.strip()
                if value:
                    ids.append(value if (not scheme or _SCHEMED.match(value)) else f"{scheme}:{value}")
        name_cell = (cells.get(cols.name) or "").strip()
        if not name_cell and not ids:
            skipped.append(RowSkipped(row=number, reason=f"no name (column '{cols.name}') and no identifier"))
            continue
        try:
            record = MatchRecord(
                name=name_cell,
                country=(cells.get(cols.country) or "").strip() or None if cols.country else None,
                identifiers=ids[:20],
                address=(cells.get(cols.address) or "").strip() or None if cols.address else None,
                ref=(cells.get(cols.ref) or "").strip() or None if cols.ref else None,
            )
        except ValueError as exc:
            skipped.append(RowSkipped(row=number, reason=f"unusable row: {str(exc).splitlines()[-1]}"))
            continue
        records.append((number, record))
    if total == 0:
        raise InputFileError(str(path), "no data rows under the header")
    return ListRows(records=records, total=total, left_out=left_out, skipped=skipped, columns=cols)


# -- writing confirmed matches as a template file ---------------------------------------------------

#: the templates' headers (data/templates/links.csv, disclosures.csv: the ingest pipelines read these)
LINKS_HEADER = tuple(
    [
        "upstream",
        "downstream",
        "tier",
        "commodity",
        "product",
        "period_start",
        "period_end",
        "status",
        "confidence",
        "evidence",
        "note",
    ]
)
DISCLOSURES_HEADER = tuple(
    [
        "contract",
        "buyer",
        "buyer_country",
        "contract_title",
        "brand",
        "product",
        "model",
        "quantity",
        "date",
        "evidence",
        "note",
    ]
)
CONFIRMED = ("decided", "matched")
UPSTREAM_TYPES = Supplies.sources  # what the links template takes as upstream
BRAND_TYPES = ("Brand", "Company")  # what the disclosures template takes as brand


@dataclass
class Written:
    path: Path
    rows: int
    not_written: list[RowSkipped]


def write_links(
    path: Path,
    matched: Sequence[MatchRow],
    *,
    kind: str,
    source: Path,
    downstream: str | None = None,
    buyer: str | None = None,
    contract: str | None = None,
    product: str | None = None,
    commodity: str | None = None,
    evidence: str | None = None,
) -> Written:
    """The confirmed rows (``decided``, ``matched``) as a ``links`` file (each matched entity
    upstream of ``downstream``) or a ``disclosures`` file (``contract`` -> each matched brand);
    ``tierwatch ingest links|disclosures FILE`` reads it. Rows not confirmed are listed, not written."""
    if kind not in ("links", "disclosures"):
        raise InputFileError(str(path), f"--link-format must be links or disclosures, not {kind!r}")
    if kind == "links" and not downstream:
        raise InputFileError(str(path), "a links file needs --downstream (the entity the list supplies)")
    if kind == "links" and not (product or commodity):
        raise InputFileError(str(path), "a links file needs --product or --commodity (what is supplied)")
    if kind == "disclosures" and not (contract and buyer):
        raise InputFileError(str(path), "a disclosures file needs --contract and --buyer")
    why = (
        evidence
        or f"{source.name}: the buyer's list, matched with tierwatch match on {date.today().isoformat()}"
    )
    out, not_written = [], []
    for row in matched:
        if row.status not in CONFIRMED or not row.candidates:
            not_written.append(RowSkipped(row=row.row, reason=f"not confirmed ({row.status})"))
            continue
        entity = row.candidates[0].entity.id
        kind_ok = UPSTREAM_TYPES if kind == "links" else BRAND_TYPES
        if row.candidates[0].entity.type not in kind_ok:
            column = "upstream" if kind == "links" else "brand"
            why_not = f"a {row.candidates[0].entity.type} cannot be the {column} of a {kind} file"
            not_written.append(RowSkipped(row=row.row, reason=why_not))
            continue
        note = f"row {row.row} ({row.record.name}); match {row.status}, score {row.candidates[0].score:g}"
        if kind == "links":
            out.append(
                {
                    "upstream": entity,
                    "downstream": downstream,
                    "commodity": commodity or "",
                    "product": product or "",
                    "status": "declared",
                    "evidence": why,
                    "note": note,
                }
            )
        else:
            out.append(
                {
                    "contract": contract,
                    "buyer": buyer,
                    "brand": entity,
                    "product": product or "",
                    "evidence": why,
                    "note": note,
                }
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=LINKS_HEADER if kind == "links" else DISCLOSURES_HEADER)
        writer.writeheader()
        writer.writerows(out)
    return Written(path=path, rows=len(out), not_written=not_written)
