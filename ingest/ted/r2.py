"""TED XML R2.0.x (``TED_EXPORT``, standard forms F01-F25) -> Notice, streamed form by form.

A file holds the coded data (publication number ``DOC_ID``, dates, original language), the
multilingual titles, and the form once per language (``CATEGORY="ORIGINAL"`` and translations).
Facts come from the original-language form (names in their own language); titles and
descriptions of every language version are kept for brand mentions; each form is cleared once
read. Elements are found by local name anywhere in the form, so the same code reads F02 contract
notices, F03/F06/F15/F25 awards, F13 contest results (WINNER), F14 corrigenda and F20
modifications.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tierwatch.ingest.ted.notice import (
    Award,
    Notice,
    Party,
    amount,
    child,
    children,
    descendants,
    iso_date,
    local,
    lot_id,
    oj_key,
    stream,
    text,
)

_FORM = re.compile(r"^F(\d\d)_\d{4}$|^[A-Z_]+_(?:DEFENCE|MOVE)$|^(?:OTH_NOT|EEIG)$")
PLANNING_FORMS = {"01", "04", "16"}  # prior information / periodic indicative
CORRIGENDUM, MODIFICATION = "14", "20"


def party(address: Any, at: str, kind: str | None = None) -> Party:
    nuts = next(descendants(address, "NUTS"), None)
    country = child(address, "COUNTRY")
    ids = text(child(address, "NATIONALID"))
    return Party(
        name=text(child(address, "OFFICIALNAME")),
        ids=[ids] if ids else [],
        country=country.get("VALUE") if country is not None else None,
        nuts=nuts.get("CODE") if nuts is not None else None,
        town=text(child(address, "TOWN")),
        website=text(child(address, "URL_GENERAL")),
        kind=kind,
        at=at,
    )


class R2Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.notice = Notice(file=path.name, format="ted-xml-r2", form="")
        self.original_done = False
        self.translations: dict[int, list[str]] = {}  # buyer position -> names in other languages

    def read(self) -> Notice:
        n = self.notice

        def wanted(name: str, depth: int) -> bool:
            return (depth == 2 and name in ("CODED_DATA_SECTION", "TRANSLATION_SECTION")) or (
                depth == 3 and bool(_FORM.match(name))
            )

        root = stream(self.path, wanted, self.on_record, n.elements)
        doc = oj_key((root.get("DOC_ID") if root is not None else None) or "")
        if doc:
            n.own_keys.insert(0, doc)
        if not n.form:
            n.skip = "no original-language procurement form in the notice"
        for i, buyer in enumerate(n.buyers):
            buyer.aliases = sorted({a for a in self.translations.get(i, []) if a != buyer.name})
        return n

    def on_record(self, e: Any) -> None:
        name = local(e.tag)
        if name == "CODED_DATA_SECTION":
            self.coded(e)
        elif name == "TRANSLATION_SECTION":
            for doc in descendants(e, "ML_TI_DOC"):
                title = text(child(doc, "TI_TEXT"))
                if title:
                    self.notice.texts.append((f"TRANSLATION_SECTION/ML_TI_DOC[{doc.get('LG')}]", title))
        else:
            self.form(e, name)

    def coded(self, e: Any) -> None:
        n = self.notice
        data = child(e, "NOTICE_DATA")
        lang = text(child(data, "LG_ORIG"))
        if lang:
            n.languages.insert(0, lang.upper())
        pub = child(e, "REF_OJS", "DATE_PUB")
        n.date = iso_date(text(pub)) or iso_date(text(child(e, "CODIF_DATA", "DS_DATE_DISPATCH")))
        n.procedure = text(child(e, "CODIF_DATA", "PR_PROC"))

    def form(self, e: Any, name: str) -> None:
        n = self.notice
        lang = (e.get("LG") or "").upper()
        if lang and lang not in n.languages:
            n.languages.append(lang)
        original = e.get("CATEGORY") == "ORIGINAL" or (not self.original_done and e.get("CATEGORY") is None)
        for locator, el in self._texts(e):
            n.texts.append((f"{name}[{lang}]/{locator}", el))
        if not original or self.original_done:
            self._translated_names(e)
            return
        self.original_done = True
        m = _FORM.match(name)
        number = m.group(1) if m and m.group(1) else None
        n.form = f"F{number}" if number else name
        if number is None:
            n.skip = f"{name}: not a procurement notice form"
            return
        body = child(e, "CONTRACTING_BODY")
        ca_type = child(body, "CA_TYPE")
        kind = ca_type.get("VALUE") if ca_type is not None else text(child(body, "CA_TYPE_OTHER"))
        for i, addr in enumerate(
            [
                *children(body, "ADDRESS_CONTRACTING_BODY"),
                *children(body, "ADDRESS_CONTRACTING_BODY_ADDITIONAL"),
            ]
        ):
            n.buyers.append(party(addr, f"{name}/CONTRACTING_BODY/{local(addr.tag)}[{i}]", kind))
        obj = child(e, "OBJECT_CONTRACT")
        n.title = text(child(obj, "TITLE"))
        n.description = text(child(obj, "SHORT_DESCR"))
        n.cpv = [c.get("CODE") for c in descendants(e, "CPV_CODE") if c.get("CODE")]
        total, estimated = child(obj, "VAL_TOTAL"), child(obj, "VAL_ESTIMATED_TOTAL")
        if total is not None:
            n.value, n.currency = amount(total), total.get("CURRENCY")
        if estimated is not None:
            n.estimated, n.estimated_currency = amount(estimated), estimated.get("CURRENCY")
        for lot in children(obj, "OBJECT_DESCR"):
            lot_no = lot_id(text(child(lot, "LOT_NO")))
            if lot_no:
                n.lots.append(f"{lot_no}: {text(child(lot, 'TITLE')) or ''}".rstrip(": "))
            n.period_start = n.period_start or iso_date(text(child(lot, "DATE_START")))
            n.period_end = n.period_end or iso_date(text(child(lot, "DATE_END")))
        for ref in descendants(e, "NOTICE_NUMBER_OJ"):
            key = oj_key(text(ref))
            if key:
                n.ref_keys.append(key)
        self._awards(e, name)
        if number == CORRIGENDUM:
            n.amends = "corrigendum"
        elif number == MODIFICATION:
            n.amends, n.stage = "modification", "contract"
        elif n.awards or n.not_awarded or child(e, "RESULTS") is not None:
            n.stage = "award"
        else:
            n.stage = "planning" if number in PLANNING_FORMS else "tender"
        dispatch = iso_date(text(child(e, "COMPLEMENTARY_INFO", "DATE_DISPATCH_NOTICE")))
        n.date = n.date or dispatch

    def _translated_names(self, e: Any) -> None:
        """A buyer's name in a translation becomes an alias (matched by position)."""
        body = child(e, "CONTRACTING_BODY")
        addresses = [
            *children(body, "ADDRESS_CONTRACTING_BODY"),
            *children(body, "ADDRESS_CONTRACTING_BODY_ADDITIONAL"),
        ]
        for i, addr in enumerate(addresses):
            name = text(child(addr, "OFFICIALNAME"))
            if name:
                self.translations.setdefault(i, []).append(name)

    def _awards(self, e: Any, name: str) -> None:
        n = self.notice
        blocks = [(b, "AWARD_CONTRACT") for b in descendants(e, "AWARD_CONTRACT")]
        blocks += [(b, "RESULTS/AWARDED_PRIZE") for b in descendants(e, "AWARDED_PRIZE")]
        for i, (block, label) in enumerate(blocks):
            at = f"{name}/{label}[{i}]"
            if (
                child(block, "NO_AWARDED_CONTRACT") is not None
                or child(block, "NO_AWARDED_PRIZE") is not None
            ):
                n.not_awarded += 1
                continue
            addresses = [*descendants(block, "ADDRESS_CONTRACTOR"), *descendants(block, "ADDRESS_WINNER")]
            winners = [party(a, f"{at}/{local(a.tag)}[{j}]") for j, a in enumerate(addresses)]
            value = next(descendants(block, "VAL_TOTAL"), None)
            if value is None:
                value = next(descendants(block, "VAL_PRIZE"), None)
            lot = lot_id(text(child(block, "LOT_NO")))
            n.awards.append(
                Award(
                    lot=lot,
                    title=text(child(block, "TITLE")),
                    winners=winners,
                    value=amount(value),
                    currency=value.get("CURRENCY") if value is not None else None,
                    date=iso_date(text(next(descendants(block, "DATE_CONCLUSION_CONTRACT"), None)))
                    or iso_date(text(next(descendants(block, "DATE_DECISION_JURY"), None))),
                    at=at,
                )
            )

    @staticmethod
    def _texts(e: Any) -> list[tuple[str, str]]:
        out = []
        obj = child(e, "OBJECT_CONTRACT")
        for label, el in (("TITLE", child(obj, "TITLE")), ("SHORT_DESCR", child(obj, "SHORT_DESCR"))):
            value = text(el)
            if value:
                out.append((f"OBJECT_CONTRACT/{label}", value))
        for i, lot in enumerate(children(obj, "OBJECT_DESCR")):
            for label in ("TITLE", "SHORT_DESCR"):
                value = text(child(lot, label))
                if value:
                    out.append((f"OBJECT_DESCR[{i}]/{label}", value))
        for i, block in enumerate(descendants(e, "AWARD_CONTRACT")):
            value = text(child(block, "TITLE"))
            if value:
                out.append((f"AWARD_CONTRACT[{i}]/TITLE", value))
        return out


def read_r2(path: Path) -> Notice:
    return R2Reader(path).read()
