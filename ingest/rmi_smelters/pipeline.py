"""The RMI smelter reference list: the Smelter Look-up table every RMI template carries.

One row per (metal, known name) of a smelter: the look-up name (an alias: former names, local
spellings, abbreviations), the RMI standard name, country, RMI smelter id (CID), city and state.
Rows of one CID (several aliases, several metals, several templates) merge into one node
``rmi:<CID>`` whose ``aliases`` keep every name the list gives and whose ``commodities`` keep every
metal. The table is found by its header row's content in any interface language (labels are
mapped back to English through the template's own translation sheet); a column whose header cell
is broken (EMRT 2.1's country header is a stray 0) is found by its values.

Confidence: the list is RMI's own reference data, so smelter facts are declared (0.9). Country
names are RMI's English upper-case ISO names in every interface language. The "Smelter not
listed" / "Smelter not yet identified" drop-down placeholders are skipped, not quarantined.
"""

from __future__ import annotations

from pathlib import Path

from tierwatch.graph.names import fold
from tierwatch.graph.schema import LocatedIn, Smelter
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.reference import commodity_id, country_code
from tierwatch.ingest.rmi_smelters.workbook import FieldSpec, Table, Template, is_cid

LOOKUP_FIELDS = [
    FieldSpec("metal_alias", "METAL+Alias", r"^metal\s*\+\s*alias$"),
    FieldSpec("metal", "Metal", r"^metal$", content=lambda v: commodity_id(v) is not None),
    FieldSpec("alias", "Smelter Look-up (*)", r"^smelter look-?up$"),
    FieldSpec("standard_name", "Standard Smelter Names", r"^standard smelter names?$"),
    FieldSpec("id_source", "Source of Smelter Identification Number", r"^source of smelter id"),
    FieldSpec("smelter_id", "Smelter ID", r"^smelter id$", content=is_cid),
    FieldSpec("street", "Smelter Street", r"street"),
    FieldSpec("city", "Smelter City", r"city"),
    FieldSpec("state", "Smelter Facility Location: State / Province", r"state\s*/\s*province$"),
    FieldSpec(
        "country",
        "Smelter Facility Location: Country",
        r"country",
        content=lambda v: country_code(v) is not None and len(v) > 3,
    ),
    # columns that tell a declaration's smelter list apart from the look-up table
    FieldSpec("mine_names", "Name of Mine(s)", r"^name of mine"),
    FieldSpec("id_input", "Smelter Identification Number Input Column", r"input column"),
]
LOOKUP_REQUIRED = {"metal", "alias", "smelter_id", "country"}
LOOKUP_FORBIDDEN = frozenset({"mine_names", "id_input"})


def find_lookup(template: Template) -> Table | None:
    return template.find_table(LOOKUP_FIELDS, LOOKUP_REQUIRED, LOOKUP_FORBIDDEN)


def seen_labels(table: Table, specs: list[FieldSpec]) -> list[str]:
    """The header's labels (in English), with the canonical label for columns found by content."""
    by_index = {i: name for name, i in table.columns.items()}
    canonical = {s.name: s.label for s in specs}
    out = []
    for index, label in enumerate(table.labels):
        name = by_index.get(index)
        if name is not None and (not label.strip() or not any(ch.isalpha() for ch in label)):
            out.append(canonical[name])
        elif label.strip():
            out.append(" ".join(label.split()))
    return out


class RmiSmelterPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        template = Template.open_or_none(path)
        if template is not None and find_lookup(template) is not None:
            return "smelter-lookup"
        return None

    def order(self, files: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
        return sorted(files, key=lambda f: f[0].name)  # a smelter's scalars come from the first file

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        template = Template(path)
        table = find_lookup(template)
        if table is None:
            raise ValueError("smelter look-up table vanished")  # recognise() found it
        ctx.see_columns(seen_labels(table, LOOKUP_FIELDS))
        placeholders = self.spec.lookups.get("placeholders", {})
        seen: set[tuple[str, ...]] = set()
        blank = 0
        for number, row in table.data():
            values = {name: table.value(row, name) for name in table.columns}
            if not any(values.values()):
                blank += 1
                continue
            ctx.begin_row(number)
            at = f"{table.sheet}!R{number}"
            key = tuple(values[n] for n in sorted(values) if n != "metal_alias")
            if key in seen:
                ctx.duplicate()
                continue
            seen.add(key)
            alias, cid = values.get("alias", ""), values.get("smelter_id", "")
            placeholder = placeholders.get(fold(alias))
            if placeholder and not is_cid(cid):
                ctx.skip(placeholder)
                continue
            if not cid:
                ctx.reject("no smelter id (CID)", "Smelter ID", alias)
                continue
            if not is_cid(cid):
                ctx.reject("smelter id is not an RMI id (CIDnnnnnn)", "Smelter ID", cid)
                continue
            commodity = ctx.ref.commodity(values.get("metal"))
            if commodity is None:
                ctx.reject("metal not recognised", "Metal", values.get("metal"))
                continue
            name = values.get("standard_name") or alias
            if not name:
                ctx.reject("smelter has no name", "Standard Smelter Names")
                continue
            country_text = values.get("country", "")
            country = ctx.ref.country(country_text)
            if country is None and country_text:
                ctx.notes.append(
                    f"{ctx.file} {at}: country {country_text!r} not recognised; {cid} has no country"
                )
            nid = ctx.node(
                Smelter(
                    id=f"rmi:{cid}",
                    rmi_id=cid,
                    name=name,
                    aliases=sorted({alias, name} - {""}),
                    identifiers=[f"RMI:{cid}"],
                    metal=commodity.removeprefix("commodity:"),
                    commodities=[commodity],
                    country=country.removeprefix("country:") if country else None,
                    city=values.get("city") or None,
                    state=values.get("state") or None,
                ),
                at=at,
            )
            if country:
                ctx.edge(LocatedIn(src=nid, dst=country), at=at)
        if blank:
            ctx.notes.append(
                f"{ctx.file}: {blank} blank rows under the look-up table (template padding) not counted"
            )


PIPELINE = RmiSmelterPipeline
