"""eForms UBL notices (ContractNotice, ContractAwardNotice, PriorInformationNotice, their change and
modification variants) -> Notice, streamed: each organisation, lot result, tender, tendering
party and settled contract of the results extension is read into a small dict and cleared, and so
is each top-level element of the notice.

Winners: a lot result whose winner-selection status is ``selec-w`` names its tenders; a tender
names its tendering party, whose tenderers are organisations (``ORG-0004``) with name, company
registration number (BT-501), country and NUTS. The award is per lot (the lot result's lot). A
notice whose root is BusinessRegistrationInformationNotice (EEIG, European economic interest
grouping) carries no procurement and is skipped with that reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pycountry
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

ROOT_STAGE = {
    "PriorInformationNotice": "planning",
    "ContractNotice": "tender",
    "ContractAwardNotice": "award",
}
SKIP_ROOT = {
    "BusinessRegistrationInformationNotice": "EEIG registration notice (European economic interest "
    "grouping): no procurement, no buyer or contract"
}
RESULT_RECORDS = {"Organization", "LotResult", "LotTender", "TenderingParty", "SettledContract"}
WINNER_CHOSEN = "selec-w"
NOT_AWARDED = {"clos-nw", "open-nw"}
_VERSION_SUFFIX = re.compile(r"-\d{2}$")


def _id(e: Any) -> str | None:
    return text(child(e, "ID"))


def _ids(e: Any, name: str) -> list[str]:
    return [i for i in (_id(c) for c in children(e, name)) if i]


def language(code: str | None) -> str | None:
    """ISO 639-3 ("SWE", "ENG") -> the two-letter code TED R2 uses ("SV", "EN")."""
    if not code:
        return None
    found = pycountry.languages.get(alpha_3=code.lower())
    two = getattr(found, "alpha_2", None) if found else None
    return (two or code).upper()


def _classifications(e: Any) -> list[str]:
    out = []
    for name in ("MainCommodityClassification", "AdditionalCommodityClassification"):
        for cls in descendants(e, name):
            code = child(cls, "ItemClassificationCode")
            value = text(code)
            if code is not None and (code.get("listName") or "cpv").lower() == "cpv" and value:
                out.append(value)
    return out


class EformsReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.n = Notice(file=path.name, format="eforms", form="")
        self.orgs: dict[str, Party] = {}
        self.lot_results: list[dict[str, Any]] = []
        self.tenders: dict[str, dict[str, Any]] = {}
        self.parties: dict[str, list[str]] = {}
        self.contracts: dict[str, str | None] = {}  # lot tender id -> contract conclusion date
        self.buyer_refs: list[tuple[str, str | None, str]] = []  # (org id, legal type, locator)
        self.root_name = ""

    def read(self) -> Notice:
        n = self.n

        def wanted(name: str, depth: int) -> bool:
            return depth == 2 or (depth == 7 and name in RESULT_RECORDS)

        root = stream(self.path, wanted, self.on_record, n.elements)
        self.root_name = local(root.tag) if root is not None else ""
        n.form = self.root_name
        if self.root_name in SKIP_ROOT:
            n.skip = SKIP_ROOT[self.root_name]
            return n
        n.stage = n.stage or ROOT_STAGE.get(self.root_name)
        for ref, kind, at in self.buyer_refs:
            org = self.orgs.get(ref)
            if org is not None:
                n.buyers.append(Party(**{**org.__dict__, "kind": kind, "at": at or org.at}))
        self._awards()
        n.cpv = list(dict.fromkeys(n.cpv))
        return n

    # -- streamed records ----------------------------------------------------------------------
    def on_record(self, e: Any) -> None:
        name = local(e.tag)
        handler = getattr(self, f"_{name}", None)
        if handler is not None:
            handler(e)

    def _Organization(self, e: Any) -> None:
        company = child(e, "Company")
        org_id = _id(child(company, "PartyIdentification"))
        if not org_id:
            return
        legal = [child(le, "CompanyID") for le in children(company, "PartyLegalEntity")]
        address = child(company, "PostalAddress")
        country = child(address, "Country", "IdentificationCode")
        self.orgs[org_id] = Party(
            name=text(child(company, "PartyName", "Name")),
            ids=[text(c) for c in legal if c is not None and text(c)],  # type: ignore[misc]
            id_scheme=next(
                (c.get("schemeName") for c in legal if c is not None and c.get("schemeName")), None
            ),
            country=text(country),
            nuts=text(child(address, "CountrySubentityCode")),
            town=text(child(address, "CityName")),
            website=text(child(company, "WebsiteURI")),
            at=f"efac:Organizations/efac:Organization[{org_id}]",
        )

    def _LotResult(self, e: Any) -> None:
        self.lot_results.append(
            {
                "id": _id(e),
                "code": text(child(e, "TenderResultCode")),
                "tenders": _ids(e, "LotTender"),
                "lot": _id(child(e, "TenderLot")),
            }
        )

    def _LotTender(self, e: Any) -> None:
        payable = child(e, "LegalMonetaryTotal", "PayableAmount")
        self.tenders[_id(e) or ""] = {
            "party": _id(child(e, "TenderingParty")),
            "lot": _id(child(e, "TenderLot")),
            "value": amount(payable),
            "currency": payable.get("currencyID") if payable is not None else None,
        }

    def _TenderingParty(self, e: Any) -> None:
        self.parties[_id(e) or ""] = _ids(e, "Tenderer")

    def _SettledContract(self, e: Any) -> None:
        date = iso_date(text(child(e, "IssueDate")))
        for tender in _ids(e, "LotTender"):
            self.contracts[tender] = date

    # -- top-level elements --------------------------------------------------------------------
    def _UBLExtensions(self, e: Any) -> None:
        n = self.n
        for pub in descendants(e, "NoticePublicationID"):
            key = oj_key(text(pub))
            if key:
                n.own_keys.insert(0, key)
        for pub in descendants(e, "PublicationDate"):
            n.date = iso_date(text(pub)) or n.date
        total = next(descendants(e, "TotalAmount"), None)
        if total is not None:
            n.value, n.currency = amount(total), total.get("currencyID")
        for changes in descendants(e, "Changes"):
            n.amends = "change"
            n.ref_keys += self._changed(changes)
            if any(text(r) == "cancel" for r in descendants(changes, "ReasonCode")):
                n.cancelled = True
        for mod in descendants(e, "ContractModification"):
            n.amends, n.stage = "modification", "contract"
            n.ref_keys += self._changed(mod)

    @staticmethod
    def _changed(e: Any) -> list[str]:
        """Keys of the notices a change or modification names (OJ number or notice id)."""
        out = []
        for ref in descendants(e, "ChangedNoticeIdentifier"):
            value = text(ref) or ""
            key = oj_key(value) if ref.get("schemeName") == "ojs-notice-id" else None
            out.append(key or f"notice:{_VERSION_SUFFIX.sub('', value)}")
        return [k for k in out if k != "notice:"]

    def _ID(self, e: Any) -> None:
        if e.get("schemeName") == "notice-id" and text(e):
            self.n.own_keys.append(f"notice:{text(e)}")

    def _ContractFolderID(self, e: Any) -> None:
        # not an identity key: converted notices and SDK examples share placeholder procedure ids
        self.n.procedure_id = text(e)

    def _IssueDate(self, e: Any) -> None:
        self.n.date = self.n.date or iso_date(text(e))

    def _NoticeLanguageCode(self, e: Any) -> None:
        lang = language(text(e))
        if lang and lang not in self.n.languages:
            self.n.languages.append(lang)

    def _ContractingParty(self, e: Any) -> None:
        kind = next(
            (text(c) for c in descendants(e, "PartyTypeCode") if c.get("listName") == "buyer-legal-type"),
            None,
        )
        ref = _id(child(child(e, "Party"), "PartyIdentification"))
        if ref:
            self.buyer_refs.append((ref, kind, f"cac:ContractingParty[{len(self.buyer_refs)}]"))

    def _TenderingProcess(self, e: Any) -> None:
        self.n.procedure = text(child(e, "ProcedureCode"))
        for ref in children(e, "NoticeDocumentReference"):
            key = oj_key(_id(ref))
            if key:
                self.n.ref_keys.append(key)

    def _ProcurementProject(self, e: Any) -> None:
        n = self.n
        n.title = self._in_language(children(e, "Name"))
        n.description = self._in_language(children(e, "Description"))
        for label in ("Name", "Description"):
            for el in children(e, label):
                if value := text(el):
                    n.texts.append((f"cac:ProcurementProject/cbc:{label}[{el.get('languageID')}]", value))
        n.cpv = _classifications(e) + n.cpv
        estimated = child(e, "RequestedTenderTotal", "EstimatedOverallContractAmount")
        if estimated is not None:
            n.estimated, n.estimated_currency = amount(estimated), estimated.get("currencyID")
        period = child(e, "PlannedPeriod")
        n.period_start = iso_date(text(child(period, "StartDate")))
        n.period_end = iso_date(text(child(period, "EndDate")))

    def _ProcurementProjectLot(self, e: Any) -> None:
        n = self.n
        lot = lot_id(_id(e))
        project = child(e, "ProcurementProject")
        title = self._in_language(children(project, "Name"))
        if lot:
            n.lots.append(f"{lot}: {title or ''}".rstrip(": "))
        for label in ("Name", "Description"):
            for el in children(project, label):
                if value := text(el):
                    n.texts.append(
                        (f"cac:ProcurementProjectLot[{_id(e)}]/cbc:{label}[{el.get('languageID')}]", value)
                    )
        n.cpv += _classifications(project)
        period = child(project, "PlannedPeriod")
        n.period_start = n.period_start or iso_date(text(child(period, "StartDate")))
        n.period_end = n.period_end or iso_date(text(child(period, "EndDate")))

    def _in_language(self, elements: list[Any]) -> str | None:
        """The text in the notice's first language, else the first one given."""
        first = self.n.languages[0] if self.n.languages else None
        for el in elements:
            if first and language(el.get("languageID")) == first and text(el):
                return text(el)
        return next((text(el) for el in elements if text(el)), None)

    # -- awards --------------------------------------------------------------------------------
    def _awards(self) -> None:
        for result in self.lot_results:
            if result["code"] in NOT_AWARDED:
                self.n.not_awarded += 1
                continue
            if result["code"] != WINNER_CHOSEN:
                continue
            for tender_id in result["tenders"]:
                tender = self.tenders.get(tender_id, {})
                winners = []
                for org_id in self.parties.get(tender.get("party") or "", []):
                    org = self.orgs.get(org_id)
                    if org is not None:
                        winners.append(org)
                self.n.awards.append(
                    Award(
                        lot=lot_id(result["lot"] or tender.get("lot")),
                        winners=winners,
                        value=tender.get("value"),
                        currency=tender.get("currency"),
                        date=self.contracts.get(tender_id),
                        at=f"efac:NoticeResult/efac:LotResult[{result['id']}]/efac:LotTender[{tender_id}]",
                    )
                )


def read_eforms(path: Path) -> Notice:
    return EformsReader(path).read()
