"""Filled CMRT/EMRT/CRT declarations: company <- its smelters <- their declared origins.

Per file: the declaring company (resolved through the aliases file: "JX Advanced Metals
Corporation" is ``org:jx-advanced-metals``, the node Apple's list names by its old name), then per
smelter-list row the smelter (by RMI id; by normalised name + metal against the RMI reference
when the id is missing) and what the row says about origins.

Links and confidence (all method "declared" unless said):
- Smelter -SUPPLIES-> company, commodity = the metal, granularity entity, 0.9. A smelter found by
  exact normalised name + metal instead of an id: method name_match, 0.8. A name that matches no
  RMI smelter gets a ``cmrt:smelter:<metal>:<slug>`` node and, for a close RMI name, a scored
  SAME_AS_CANDIDATE (never a merge).
- Named mine -> Mine ``cmrt:mine:<slug>:<CC>`` (mining type unknown) -SUPPLIES-> smelter, 0.8; a
  name with a legal form ("Zijin Mining Co.,Ltd") is a mining company: a resolved Company instead;
  the mine is LOCATED_IN the row's country when the row gives exactly one.
- Country of origin (or RMI code DRC) -> Country -SUPPLIES-> smelter, granularity country, 0.6:
  second-hand (the declarer reports what its smelter told it), coarser than a mine.
- RMI code CC -> one SUPPLIES link from each Covered Country (DR Congo and its nine neighbours),
  method inferred, 0.1, origin_code CC, granularity category: the code says "one or more of
  these", never which, so each link is weak; country links let country-scoped risk (ILAB's coltan
  from DR Congo) meet the smelter, at a confidence that says how little is known. No
  OriginCategory node for CC (one representation, not two).
- HR / LR -> OriginCategory -SUPPLIES-> smelter, granularity category, 0.6: no place is named.
- R/S, "Recycled/Scrap", "Ta scrap", or "100% recycled: Yes" -> OriginCategory R/S, 0.6.
- A district (Rwanda's Rutsiro, Ngororero ...; ISO 3166-2 has Rwanda's provinces, not its
  districts) -> Country RW -SUPPLIES-> smelter, one link per district (key ``<metal>:district:<slug>``),
  granularity district, 0.6, with a note naming the district and its province's ISO code.
Every origin link carries the row's raw origin cells, 100%-recycled answer and comment as JSON
``evidence``: GAM Boyertown's "DRC" link keeps its "100% recycled: Yes" beside it.

The declaration's scope, effective date, products and answers (questions 1-8 for the link's
metal, A-H for the company) go into the smelter -> company link's ``evidence`` (JSON): they are
facts of one declaration about one supply relation, and a company makes one declaration per
year and scope, so the Company node is the wrong place. Personal fields are never read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from rapidfuzz import fuzz
from tierwatch.graph.names import normalise_name, slug
from tierwatch.graph.schema import (
    Company,
    LocatedIn,
    Method,
    Mine,
    NodeModel,
    SameAsCandidate,
    Smelter,
    Supplies,
    SupplyStatus,
)
from tierwatch.ingest.cmrt.declaration import Declaration, find_declaration_sheet, read_declaration
from tierwatch.ingest.cmrt.origins import Origin, OriginReader, lenient_country
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.reference import COVERED_COUNTRIES
from tierwatch.ingest.resolve import has_legal_form
from tierwatch.ingest.rmi_smelters.pipeline import seen_labels
from tierwatch.ingest.rmi_smelters.workbook import FieldSpec, Table, Template, is_cid

LIST_FIELDS = [
    FieldSpec("id_input", "Smelter Identification Number Input Column", r"input column"),
    FieldSpec("metal", "Metal (*)", r"^metal$"),
    FieldSpec("lookup_name", "Smelter Look-up (*)", r"^smelter look-?up$"),
    FieldSpec("smelter_name", "Smelter Name (1)", r"^smelter name"),
    FieldSpec("mine_names", "Name of Mine(s)", r"^name of mine"),
    FieldSpec("mine_location", "Location (Country) of Mine(s)", r"^location \(country\) of mine"),
    FieldSpec("country_code", "Country Code", r"^country code$"),
    FieldSpec("state_code", "State / Province Code", r"^state\s*/\s*province code$"),
    FieldSpec("country", "Smelter Country (*)", r"country"),
    FieldSpec("smelter_id", "Smelter Identification", r"^smelter identification$|^smelter id$"),
    FieldSpec("id_source", "Source of Smelter Identification Number", r"^source of smelter id"),
    FieldSpec("street", "Smelter Street", r"street"),
    FieldSpec("city", "Smelter City", r"city"),
    FieldSpec("state", "Smelter Facility Location: State / Province", r"state\s*/\s*province$"),
    FieldSpec("contact_name", "Smelter Contact Name", r"contact name"),
    FieldSpec("contact_email", "Smelter Contact Email", r"contact e-?mail"),
    FieldSpec("next_steps", "Proposed next steps", r"next steps"),
    FieldSpec(
        "recycled",
        "Does 100% of the smelter's feedstock originate from recycled or scrap sources?",
        r"100\s*%.*recycled",
    ),
    FieldSpec("comments", "Comments", r"^comments?$"),
    FieldSpec("standard_name", "Standard Smelter Name", r"^standard smelter names?$"),
]
LIST_REQUIRED = {"metal", "lookup_name", "smelter_id", "mine_names"}
#: columns whose values make a row data (helper/formula columns alone do not)
ROW_FIELDS = ("id_input", "metal", "lookup_name", "smelter_name", "smelter_id", "mine_names", "mine_location")
UNKNOWN_IDS = {"", "unknown"}
ORIGIN_CONFIDENCE = {"mine": 0.8, "country": 0.6, "district": 0.6, "category": 0.6, "covered": 0.1}


def find_smelter_list(template: Template) -> Table | None:
    return template.find_table(LIST_FIELDS, LIST_REQUIRED)


class CmrtPipeline(Pipeline):
    _store_smelters: dict[str, dict] | None = None

    def recognise(self, path: Path) -> str | None:
        template = Template.open_or_none(path)
        if template is None or find_declaration_sheet(template) is None:
            return None
        return "declaration" if find_smelter_list(template) is not None else None

    def store_smelters(self, ctx: IngestContext) -> dict[str, dict]:
        """RMI smelters already in the store (read once per run): id -> names and commodities."""
        if self._store_smelters is None:
            self._store_smelters = {}
            for node in ctx.resolver.store.iter_nodes(types=["Smelter"]):
                if node["id"].startswith("rmi:"):
                    names = [node.get("name") or "", *node.get("aliases", [])]
                    commodities = node.get("commodities", [])
                    self._store_smelters[node["id"]] = {"names": names, "commodities": commodities}
        return self._store_smelters

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        template = Template(path)
        declaration = read_declaration(template)
        table = find_smelter_list(template)
        if table is None:
            raise ValueError("smelter list vanished")  # recognise() found it
        labels = declaration.labels + declaration.personal_labels
        ctx.see_columns([*seen_labels(table, LIST_FIELDS), *(f"Declaration: {label}" for label in labels)])
        FileReader(self, ctx, declaration, table, template).run()


class FileReader:
    """One declaration file's smelter list, row by row."""

    def __init__(
        self,
        pipeline: CmrtPipeline,
        ctx: IngestContext,
        declaration: Declaration,
        table: Table,
        template: Template,
    ) -> None:
        self.template = template
        self.pipeline, self.ctx, self.decl, self.table = pipeline, ctx, declaration, table
        self.origins = OriginReader(pipeline.spec.lookups)
        self.company = self.declarant(ctx, declaration, template)
        self.company_written = False
        self.smelter_rows: dict[tuple[str, str], list[dict[str, str]]] = {}

    @staticmethod
    def declarant(ctx: IngestContext, declaration: Declaration, template: Template) -> Company:
        """The declaring company; when the header leaves 'Company Name' blank, the ``--declarant``
        option's name, else an explicit placeholder named after the file (never anyone's name
        guessed): the smelter list is still used, and the gap is a warning."""
        if declaration.company:
            return ctx.resolver.org_model(declaration.company)
        given = ctx.options.get("declarant")
        if given:
            ctx.warn(f"the declaration names no company; named '{given}' by --declarant", "Company Name")
            declaration.company = given
            return ctx.resolver.org_model(given)
        name = Path(template.path).name
        ctx.warn(
            f"the declaration names no company; its smelters are attributed to the placeholder "
            f"'Undeclared company ({name})' (give the name with --declarant)",
            "Company Name",
        )
        declaration.company = f"Undeclared company ({name})"
        return Company(
            id=f"cmrt:declarant:{slug(Path(name).stem)}",
            name=declaration.company,
            note=f"placeholder: the declaration {name} leaves 'Company Name' blank; not a known company",
        )

    @staticmethod
    def smelter_key(values: dict[str, str]) -> tuple[str, str]:
        ident = values.get("smelter_id") or values.get("id_input") or values.get("smelter_name") or ""
        return ident or values.get("lookup_name", ""), values.get("metal", "")

    def row_facts(self, values: dict[str, str]) -> dict[str, str]:
        """What one smelter-list row says beyond the smelter's identity (no personal fields)."""
        facts = {
            "mine_column": values.get("mine_names", ""),
            "location_column": values.get("mine_location", ""),
            "feedstock_100pct_recycled_or_scrap": self.template.in_english(values.get("recycled", "")),
            "comments": values.get("comments", ""),
        }
        return {k: v for k, v in facts.items() if v}

    def run(self) -> None:
        ctx, table = self.ctx, self.table
        seen: set[tuple[str, ...]] = set()
        blank = 0
        for _, row in table.data():  # first pass: every row's origin facts per smelter and metal
            values = {name: table.value(row, name) for name in table.columns}
            facts = self.row_facts(values)
            if facts:
                self.smelter_rows.setdefault(self.smelter_key(values), []).append(facts)
        for number, row in table.data():
            values = {name: table.value(row, name) for name in table.columns}
            if not any(values.get(n) for n in ROW_FIELDS):
                blank += 1
                continue
            ctx.begin_row(number)
            key = tuple(values[n] for n in sorted(values))
            if key in seen:
                ctx.duplicate()
                continue
            seen.add(key)
            self.row(values, f"{table.sheet}!R{number}")
        if blank:
            ctx.notes.append(f"{ctx.file}: {blank} blank smelter-list rows (template padding) not counted")

    def row(self, values: dict[str, str], at: str) -> None:
        ctx = self.ctx
        metal_text = values.get("metal", "")
        commodity = ctx.ref.commodity(metal_text)
        if commodity is None:
            ctx.reject("metal not recognised" if metal_text else "metal is blank", "Metal (*)", metal_text)
            return
        resolved = self.smelter(values, commodity, at)
        if resolved is None:
            return
        smelter, method = resolved
        if not self.company_written:
            ctx.node(self.company, at=f"{self.decl.sheet}!company")
            self.company_written = True
        metal = commodity.removeprefix("commodity:")
        rows = self.smelter_rows.get(self.smelter_key(values))
        evidence = {**self.decl.summary(commodity), "smelter_rows": rows}
        ctx.edge(
            Supplies(
                src=smelter,
                dst=self.company.id,
                key=metal,
                commodity=commodity,
                status=SupplyStatus.DECLARED,
                granularity="entity",
                evidence=_json(evidence),
            ),
            at=at,
            method=method,
            confidence=0.9 if method == Method.DECLARED else 0.8,
        )
        self.emit_origins(values, smelter, commodity, at)

    # -- smelters -----------------------------------------------------------------------------
    def smelter(self, values: dict[str, str], commodity: str, at: str) -> tuple[str, Method] | None:
        ctx = self.ctx
        cid = values.get("smelter_id") or values.get("id_input", "")
        lookup = values.get("lookup_name", "")
        declared_name = values.get("smelter_name", "")
        if lookup.casefold().startswith("smelter not"):
            lookup = ""
        name = values.get("standard_name") or lookup or declared_name
        country = lenient_country(values.get("country_code", "")) or lenient_country(
            values.get("country", "")
        )
        metal = commodity.removeprefix("commodity:")
        aliases = sorted({lookup, declared_name, name} - {""})
        if is_cid(cid):
            nid = f"rmi:{cid}"
            reference = self.pipeline.store_smelters(ctx)
            unknown = bool(reference) and nid not in reference
            ctx.node(
                Smelter(
                    id=nid,
                    rmi_id=cid,
                    name=name or None,
                    note="CID not in the RMI reference loaded at ingest" if unknown else None,
                    aliases=aliases,
                    identifiers=[f"RMI:{cid}"],
                    metal=metal,
                    commodities=[commodity],
                    country=country,
                    city=values.get("city") or None,
                    state=values.get("state") or None,
                ),
                at=at,
            )
            return nid, Method.DECLARED
        if cid.casefold() not in UNKNOWN_IDS:
            ctx.reject("smelter id is not an RMI id (CIDnnnnnn)", "Smelter Identification", cid)
            return None
        if not name:
            ctx.reject("smelter has neither an RMI id nor a name", "Smelter Identification")
            return None
        matched = self.match_by_name([n for n in (declared_name, lookup) if n], commodity)
        if matched:
            ctx.node(
                Smelter(id=matched, aliases=aliases, commodities=[commodity]), at=at, method=Method.NAME_MATCH
            )
            return matched, Method.NAME_MATCH
        nid = f"cmrt:smelter:{metal}:{slug(name)}"
        ctx.node(
            Smelter(
                id=nid,
                name=name,
                aliases=aliases,
                metal=metal,
                commodities=[commodity],
                country=country,
                city=values.get("city") or None,
                state=values.get("state") or None,
            ),
            at=at,
        )
        if country:
            ctx.edge(LocatedIn(src=nid, dst=ctx.ref.country(country) or f"country:{country}"), at=at)
        self.candidate(nid, name, commodity, at)
        return nid, Method.DECLARED

    def reference(self) -> dict[str, dict]:
        """RMI smelters known to the store and to this run: id -> {names, commodities}."""
        out = dict(self.pipeline.store_smelters(self.ctx))
        for rec in self.ctx.nodes.values():
            if rec.type == "Smelter" and rec.id.startswith("rmi:"):
                old = out.get(rec.id, {"names": [], "commodities": []})
                names = [rec.props.get("name") or "", *rec.props.get("aliases", [])]
                out[rec.id] = {
                    "names": [*old["names"], *names],
                    "commodities": [*old["commodities"], *rec.props.get("commodities", [])],
                }
        return out

    def match_by_name(self, names: list[str], commodity: str) -> str | None:
        keys = {normalise_name(n) for n in names} - {""}
        found = {
            sid
            for sid, entry in self.reference().items()
            if commodity in entry["commodities"] and keys & {normalise_name(n) for n in entry["names"]}
        }
        return found.pop() if len(found) == 1 else None

    def candidate(self, nid: str, name: str, commodity: str, at: str) -> None:
        norm = normalise_name(name)
        best: tuple[float, str, str] | None = None
        for sid, entry in self.reference().items():
            if commodity not in entry["commodities"]:
                continue
            for other in entry["names"]:
                score = fuzz.token_set_ratio(norm, normalise_name(other))
                if score >= 88 and (best is None or score > best[0]):
                    best = (score, sid, other)
        if best:
            score, sid, other = best
            a, b = sorted((nid, sid))
            self.ctx.edge(
                SameAsCandidate(
                    src=a,
                    dst=b,
                    score=round(score / 100, 3),
                    evidence=f"declared name '{name}' ~ RMI name '{other}' "
                    f"(token set ratio {score:.0f}, same metal)",
                ),
                at=at,
                method=Method.NAME_MATCH,
                confidence=round(score / 100, 3),
            )

    # -- origins ------------------------------------------------------------------------------
    def emit_origins(self, values: dict[str, str], smelter: str, commodity: str, at: str) -> None:
        ctx = self.ctx
        metal = commodity.removeprefix("commodity:")
        mine_text, location_text = values.get("mine_names", ""), values.get("mine_location", "")
        recycled = self.template.in_english(values.get("recycled", ""))
        evidence = _json({"declared_by": self.decl.company, **self.row_facts(values)})
        origins = self.origins.read(mine_text, location_text)
        if recycled == "Yes":
            origins.append(Origin("recycled", "100% recycled or scrap feedstock: Yes", code="R/S"))
        countries = {o.country for o in origins if o.kind == "country" and o.country}
        mine_country = countries.pop() if len(countries) == 1 else None

        def supply(src: str, kind: str, key: str, method: Method = Method.DECLARED, **extra: Any) -> None:
            ctx.edge(
                Supplies(
                    src=src,
                    dst=smelter,
                    key=key,
                    commodity=commodity,
                    status=SupplyStatus.DECLARED,
                    evidence=evidence,
                    **extra,
                ),
                at=at,
                method=method,
                confidence=ORIGIN_CONFIDENCE[kind],
            )

        for origin in origins:
            spec = self.origins.codes.get(origin.code or "", {})
            if origin.kind == "country" or (origin.kind == "code" and spec.get("kind") == "country"):
                country = ctx.ref.country(origin.country)
                key = f"{metal}:{origin.code}" if origin.code else metal  # the code's own evidence kept apart
                supply(country, "country", key, granularity="country", origin_code=origin.code)
            elif origin.kind == "code" and spec.get("kind") == "covered_countries":
                for code in COVERED_COUNTRIES:
                    supply(
                        ctx.ref.country(code),
                        "covered",
                        f"{metal}:CC",
                        Method.INFERRED,
                        granularity="category",
                        origin_code="CC",
                        note=f"RMI origin code CC ({spec.get('name')}) was declared; this is one of the "
                        "covered countries, not a country the declarer named",
                    )
            elif origin.kind in ("code", "recycled"):
                code = origin.code or ""
                names = self.origins.codes.get(code, {})
                category = ctx.ref.origin_category(code, names.get("name", code))
                supply(category, "category", metal, granularity="category", origin_code=code)
            elif origin.kind == "district":
                country = ctx.ref.country(origin.country)
                province = ctx.ref.region(origin.region) if origin.region else None
                where = (
                    f"{origin.region} {ctx.nodes[province].props.get('name')}" if province else origin.country
                )
                supply(
                    country,
                    "district",
                    f"{metal}:district:{slug(origin.text)}",
                    granularity="district",
                    note=f"district {origin.text} ({where}), named as the origin in the declaration",
                )
            elif origin.kind == "mine":
                self.mine(origin.text, mine_country, smelter, commodity, at, evidence)
            else:
                ctx.notes.append(
                    f"{ctx.file} {at}: origin text {origin.text!r} names no place, code or "
                    "mine; no origin link"
                )

    def mine(
        self, name: str, country: str | None, smelter: str, commodity: str, at: str, evidence: str
    ) -> None:
        ctx = self.ctx
        mid = f"cmrt:mine:{slug(name)}:{country or 'unknown'}"
        if has_legal_form(name):  # a mining company named as the origin: a Company, its mines unnamed
            model: NodeModel = ctx.resolver.org_model(name, country=country)
            mid = model.id
        else:
            model = Mine(
                id=mid,
                name=name,
                commodities=[commodity],
                mining_type="unknown",
                country=country,
                note="named as a mine of origin in a CMRT smelter list",
            )
        ctx.node(model, at=at)
        if country:
            ctx.edge(LocatedIn(src=mid, dst=ctx.ref.country(country) or f"country:{country}"), at=at)
        ctx.edge(
            Supplies(
                src=mid,
                dst=smelter,
                key=commodity.removeprefix("commodity:"),
                commodity=commodity,
                status=SupplyStatus.DECLARED,
                granularity="entity",
                evidence=evidence,
            ),
            at=at,
            confidence=ORIGIN_CONFIDENCE["mine"],
        )


def _json(data: dict[str, object]) -> str:
    clean = {k: v for k, v in data.items() if v not in ("", None, [], {})}
    return orjson.dumps(clean, option=orjson.OPT_SORT_KEYS).decode()


PIPELINE = CmrtPipeline
