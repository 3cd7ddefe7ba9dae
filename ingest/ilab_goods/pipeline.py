"""ILAB's TVPRA list of goods produced by child or forced labour: country x good findings.

One source row is one ``<Country>`` entry of a ``<Good>`` (locator ``/Goods/Good[i]/Countries/Country[j]``,
1-based as in XPath). Each flag set to ``Yes`` (Child_Labor, Forced_Labor, Forced_Child_Labor) becomes
a :class:`RiskFinding` scoped to the country and the good (scope_kind ``country``), which CONCERNS the
Country and is ABOUT the good's Commodity node (vocabulary: ``ingest/vocab/commodities.toml``; the
vocabulary gives forms their parents, so coltan counts as tantalum ore and copper stays apart).

Derived entries (``Derived_Labor_Exploitation = Yes``) are tier-n facts: the good in that country is
made with an input produced with labour exploitation in ``Derived_Country``. The XML names the
input's country only; the input good comes from ``[lookups.derived_input]`` (the list's published
text) and is used only when the list itself holds that good in that country as a finding. The
derived finding is scoped to the downstream good and country, names the input in
``derived_from_country`` / ``derived_from_commodity``, takes its categories from the input's own
entry, and CONCERNS both countries (the input country with key ``input``). No SUPPLIES link is made:
the list names no entity.

Date: the list edition year (rule in :mod:`edition`), precision year. Confidence: 0.9 (declared by
the list); 0.8 for derived findings whose input good comes from the list's text rather than the XML.
Access follows the dataset's licence class.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import fold
from tierwatch.graph.schema import About, Access, Concerns, DatePrecision, RiskCategory, RiskFinding
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.ilab_goods.edition import edition_year
from tierwatch.ingest.readers import xml_root
from tierwatch.ingest.reference import country_code

DERIVED_CONFIDENCE = 0.8
_YES, _NO = "yes", "no"


def good_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "unnamed"


def _flag(value: str | None) -> str | None:
    """'yes' / 'no' for a flag element's text (a missing element is 'no'), None when unreadable."""
    text = fold(value or "")
    if text in ("", _NO):
        return _NO
    return _YES if text == _YES else None


class IlabGoodsPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        for role, spec in self.spec.roles.items():
            if xml_root(path) != spec["root"]:
                continue
            try:
                with path.open("rb") as fh:
                    head = fh.read(65536).decode("utf-8", errors="replace")
            except OSError:
                return None
            if all(f"<{tag}" in head for tag in spec["good_fields"] + spec["country_fields"]):
                return role
        return None

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        try:
            root = ElementTree.parse(str(path)).getroot()
        except (ElementTree.ParseError, DefusedXmlException) as exc:
            raise InputFileError(str(path), f"not readable XML ({exc})") from None
        goods = [g for g in root if g.tag == "Good"]
        if not goods:
            raise InputFileError(str(path), "no <Good> elements under the root")
        year, year_from = edition_year(ctx, path)
        ctx.notes.append(f"{path.name}: list edition {year} (from the {year_from})")
        ctx.see_columns(self._columns(goods))
        entries = [
            (i, j, good, country)
            for i, good in enumerate(goods, start=1)
            for j, country in enumerate(self._countries(good), start=1)
        ]
        flagged = self._flag_index(ctx, entries)
        seen: set[tuple[str, str]] = set()
        for i, j, good, entry in entries:
            ctx.begin_row(f"/Goods/Good[{i}]/Countries/Country[{j}]")
            self._row(ctx, year, good, entry, flagged, seen)

    # -- structure --------------------------------------------------------------------------
    @staticmethod
    def _countries(good: Any) -> list[Any]:
        holder = good.find("Countries")
        return [c for c in (holder if holder is not None else []) if c.tag == "Country"]

    def _columns(self, goods: list[Any]) -> list[str]:
        cols: dict[str, None] = {}
        for good in goods:
            for child in good:
                if child.tag != "Countries":
                    cols.setdefault(child.tag)
            for entry in self._countries(good):
                for child in entry:
                    cols.setdefault(child.tag)
        return list(cols)

    def _flag_index(self, ctx: IngestContext, entries: list) -> dict[tuple[str, str], list[str]]:
        """(folded good name, country code) -> categories flagged Yes, for derived entries' inputs."""
        index: dict[tuple[str, str], list[str]] = {}
        for _, _, good, entry in entries:
            code = _code(entry.findtext("Country_Name"))
            if code is None:
                continue
            cats = [
                cat for tag, cat in self.spec.lookups["flags"].items() if _flag(entry.findtext(tag)) == _YES
            ]
            index[(fold(good.findtext("Good_Name") or ""), code)] = cats
        return index

    # -- one Country entry -------------------------------------------------------------------
    def _row(
        self,
        ctx: IngestContext,
        year: int,
        good: Any,
        entry: Any,
        flagged: dict[tuple[str, str], list[str]],
        seen: set[tuple[str, str]],
    ) -> None:
        good_name = " ".join((good.findtext("Good_Name") or "").split())
        country_name = " ".join((entry.findtext("Country_Name") or "").split())
        if not good_name:
            ctx.reject("good name is blank", "Good_Name")
            return
        commodity = ctx.ref.commodity(good_name)
        if commodity is None:
            ctx.reject(
                "good not in the commodity vocabulary (ingest/vocab/commodities.toml)", "Good_Name", good_name
            )
            return
        country = ctx.ref.country(country_name)
        if country is None:
            ctx.reject("country not recognised", "Country_Name", country_name)
            return
        flags: dict[str, str] = {}
        for tag in [*self.spec.lookups["flags"], "Derived_Labor_Exploitation"]:
            value = _flag(entry.findtext(tag))
            if value is None:
                ctx.reject("flag is neither Yes nor No", tag, entry.findtext(tag))
                return
            flags[tag] = value
        derived_raw = " ".join((entry.findtext("Derived_Country") or "").split())
        derived_country = None
        if flags["Derived_Labor_Exploitation"] == _YES and fold(derived_raw) not in ("", _NO):
            derived_country = ctx.ref.country(derived_raw)
            if derived_country is None:
                ctx.reject("derived country not recognised", "Derived_Country", derived_raw)
                return
        key = (fold(good_name), country)
        if key in seen:
            ctx.duplicate()
            return
        seen.add(key)
        cats = [cat for tag, cat in self.spec.lookups["flags"].items() if flags[tag] == _YES]
        if not cats and flags["Derived_Labor_Exploitation"] == _NO:
            ctx.skip("no labour flag set (every flag No)")
            return
        base = dict(
            good=good_name,
            sector=(good.findtext("Good_Sector") or "").strip(),
            country_name=country_name,
            country=country,
            commodity=commodity,
            year=year,
        )
        for tag, cat in self.spec.lookups["flags"].items():
            if flags[tag] == _YES:
                self._finding(ctx, base, cat, f"{tag}: Yes")
        if flags["Derived_Labor_Exploitation"] == _YES:
            self._derived(ctx, base, derived_raw, derived_country, flagged)

    def _finding(
        self,
        ctx: IngestContext,
        base: dict[str, Any],
        category: str,
        stated: str,
        suffix: str = "",
        confidence: float | None = None,
        **extra: Any,
    ) -> str:
        code = base["country"].removeprefix("country:")
        year = base["year"]
        list_name = self.spec.raw.get("list_name", self.spec.title)
        sector = f" (sector: {base['sector']})" if base["sector"] else ""
        evidence = f"{list_name}, {year} edition: {base['good']}{sector}, {base['country_name']}: {stated}"
        if extra.get("note"):
            evidence += f"; {extra['note']}"
        fid = f"ilab:finding:{year}:{code}:{good_slug(base['good'])}:{suffix}{category}"
        access = Access.PUBLIC  # published lists: redistribution limits travel as the licence class
        ctx.node(
            RiskFinding(
                id=fid,
                name=f"{base['good']} from {base['country_name']}: {category.replace('_', ' ')}",
                category=category,
                scope_kind="country",
                scope_country=code,
                scope_commodity=base["commodity"],
                date=str(year),
                date_precision=DatePrecision.YEAR,
                evidence=evidence,
                access=access,
                list_name=list_name,
                reported_by=ctx.info.publisher or None,
                original_value=stated,
                country=code,
                **extra,
            ),
            confidence=confidence,
        )
        ctx.edge(Concerns(src=fid, dst=base["country"]), confidence=confidence)
        ctx.edge(About(src=fid, dst=base["commodity"]), confidence=confidence)
        return fid

    def _derived(
        self,
        ctx: IngestContext,
        base: dict[str, Any],
        derived_raw: str,
        derived_country: str | None,
        flagged: dict[tuple[str, str], list[str]],
    ) -> None:
        stated = f"Derived_Labor_Exploitation: Yes, Derived_Country: {derived_raw or 'not given'}"
        input_name = self.spec.lookup("derived_input", base["good"])
        input_cats: list[str] = []
        input_commodity = None
        if input_name and derived_country:
            input_cats = flagged.get((fold(input_name), derived_country.removeprefix("country:")), [])
            input_commodity = ctx.ref.commodity(input_name) if input_cats else None
        if input_commodity:
            note = (
                f"input named in the list's text: {input_name}, which the list marks "
                f"{', '.join(c.replace('_', ' ') for c in input_cats)} in {derived_raw}"
            )
            categories, confidence = input_cats, DERIVED_CONFIDENCE
        else:
            note = "the list does not name the input good"
            categories, confidence = [RiskCategory.OTHER.value], None
            if input_name:
                ctx.notes.append(
                    f"{base['good']} ({base['country_name']}): input {input_name!r} from the "
                    f"lookup has no finding in {derived_raw or 'an unnamed country'}; not used"
                )
        for category in categories:
            fid = self._finding(
                ctx,
                base,
                category,
                stated,
                suffix="derived:",
                confidence=confidence,
                note=note,
                derived_from_country=derived_country.removeprefix("country:") if derived_country else None,
                derived_from_commodity=input_commodity,
            )
            if derived_country and derived_country != base["country"]:
                ctx.edge(
                    Concerns(
                        src=fid,
                        dst=derived_country,
                        key="input",
                        note="country of the input the good is made with (derived entry)",
                    ),
                    confidence=confidence,
                )


def _code(name: str | None) -> str | None:
    return country_code(" ".join((name or "").split()))


PIPELINE = IlabGoodsPipeline
