"""One (compiled) OCDS release -> Contract, its public buyers, awarded suppliers and brand mentions."""

from __future__ import annotations

import re
from typing import Any

from tierwatch.graph.names import slug
from tierwatch.graph.schema import AwardedTo, BuyerOf, Contract, Covers, LocatedIn, Method, PublicBuyer
from tierwatch.ingest.cpv import classify
from tierwatch.ingest.framework import IngestContext, SourceSpec
from tierwatch.ingest.ocds.mentions import BrandMatcher
from tierwatch.ingest.ocds.packaging import Locator
from tierwatch.ingest.ocds.text import clean, looks_like_person
from tierwatch.ingest.reference import country_code

MENTION_CONFIDENCE = 0.5  # below declared links (0.9): a name in free text, not a declared supply
_CPV_CHECK_DIGIT = re.compile(r"^(\d{8})-\d$")
_NUTS = re.compile(r"^([A-Z]{2})[0-9A-Z]{1,3}$")
_LEGAL_NAME_KEYS = ("legalName", "legalName_hy", "legalName_ru", "legalNameHy", "legalNameRu")
#: Company-register schemes whose identifier makes a supplier an organisation, not a person.
_REGISTER_PREFIXES = ("GB-COH", "GB-CHC", "GB-SC", "GB-NIC", "GB-MPR", "AM-TIN")


class Rejected(Exception):
    """The release cannot be mapped: quarantine it with ``reason`` and ``field``."""

    def __init__(self, reason: str, field: str, value: Any = None) -> None:
        super().__init__(reason)
        self.reason, self.field, self.value = reason, field, value


def _dicts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def amount(value: Any, field: str) -> tuple[float | None, str | None]:
    """(amount, currency) of an OCDS Value object; a non-numeric amount rejects the release."""
    value = _obj(value)
    raw = value.get("amount")
    currency = clean(value.get("currency"))
    if raw is None or raw == "":
        return None, currency
    if isinstance(raw, bool):
        raise Rejected("value amount is not a number", f"{field}/amount", raw)
    try:
        return float(raw), currency
    except (TypeError, ValueError):
        raise Rejected("value amount is not a number", f"{field}/amount", raw) from None


def _total(values: list[tuple[float | None, str | None]]) -> tuple[float | None, str | None]:
    known = [(a, c) for a, c in values if a is not None]
    if not known or len({c for _, c in known}) != 1:
        return None, None  # nothing stated, or several currencies: no single total
    return round(sum(a for a, _ in known), 2), known[0][1]


class ReleaseMapper:
    """Maps releases of one run; the row has been begun by the caller."""

    def __init__(self, ctx: IngestContext, spec: SourceSpec, matcher: BrandMatcher) -> None:
        self.ctx, self.spec, self.matcher = ctx, spec, matcher
        self.withheld_people = 0
        self.not_awarded = 0

    # -- values --------------------------------------------------------------------------------
    def classification(self, item: dict[str, Any]) -> str | None:
        scheme, code = clean(str(item.get("scheme") or "")), clean(str(item.get("id") or ""))
        if not scheme or not code:
            return None
        if scheme.upper() == "CPV":
            code = _CPV_CHECK_DIGIT.sub(r"\1", code)
        return f"{scheme}:{code}"

    def country_of(self, party: dict[str, Any], identifiers: list[str]) -> str | None:
        """ISO code from address.countryName, a NUTS region code, or the org-id scheme's country."""
        address = _obj(party.get("address"))
        code = country_code(clean(address.get("countryName")))
        if code is None:
            nuts = _NUTS.match(clean(address.get("region")) or "")
            if nuts:
                prefix = nuts.group(1)
                code = country_code(self.spec.lookup("nuts_country", prefix, prefix))
        if code is None:
            for ident in identifiers:
                scheme = ident.split(":", 1)[0]
                if "-" in scheme:
                    code = country_code(scheme.split("-", 1)[0])
                    if code:
                        break
        if code:
            self.ctx.ref.country(code)
        return code

    @staticmethod
    def identifiers(party: dict[str, Any]) -> list[str]:
        out = []
        for ident in [_obj(party.get("identifier")), *_dicts(party.get("additionalIdentifiers"))]:
            scheme, value = clean(str(ident.get("scheme") or "")), clean(str(ident.get("id") or ""))
            if not scheme or not value:
                continue
            if scheme == "GB-COH" and value.isdigit() and len(value) < 8:
                value = value.zfill(8)  # Companies House numbers are 8 characters; leading zeros get lost
            out.append(f"{scheme}:{value}")
        return list(dict.fromkeys(out))

    @staticmethod
    def other_names(party: dict[str, Any], name: str) -> list[str]:
        ident = _obj(party.get("identifier"))
        found = [party.get(k) for k in ("name_hy", "name_ru", "nameHy", "nameRu")]
        for ident_obj in [ident, *_dicts(party.get("additionalIdentifiers"))]:
            found += [ident_obj.get(k) for k in _LEGAL_NAME_KEYS]
        return list(dict.fromkeys(c for c in (clean(f) for f in found) if c and c != name))

    # -- the release ---------------------------------------------------------------------------
    def map(self, release: dict[str, Any], loc: Locator) -> None:
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or not ocid.strip():
            raise Rejected("release has no ocid", "ocid", ocid)
        contract = self.contract(release, ocid.strip())
        parties = {str(p.get("id")): p for p in _dicts(release.get("parties")) if p.get("id") is not None}
        notes = []
        buyers = self.buyers(release, parties, contract.id, loc)
        if not buyers:
            notes.append("no buyer named")
        withheld_before = self.withheld_people
        suppliers = self.suppliers(release, parties, contract.id, loc)
        if self.withheld_people > withheld_before:
            notes.append("supplier withheld: a natural person (personal data)")
        elif not suppliers:
            notes.append(
                "no supplier yet" if contract.stage in ("tender", "planning", None) else "no supplier named"
            )
        contract.note = "; ".join(notes) or None
        self.ctx.node(contract, at=loc.at())
        self.mentions(release, contract.id, loc)

    def contract(self, release: dict[str, Any], ocid: str) -> Contract:
        tender, planning = _obj(release.get("tender")), _obj(release.get("planning"))
        plan_tenders = _dicts(planning.get("tender"))  # Armenia: a list; the standard: an object
        awards = [a for a in _dicts(release.get("awards"))]
        contracts = _dicts(release.get("contracts"))
        awarded = [a for a in awards if self.spec.lookup("award_status_awarded", str(a.get("status") or ""))]
        stage = (
            "contract"
            if contracts
            else "award"
            if awards
            else "tender"
            if tender
            else ("planning" if planning else None)
        )
        texts = [
            tender.get("title"),
            release.get("title"),
            *[a.get("title") for a in awards],
            *[c.get("title") for c in contracts],
            _obj(planning.get("budget")).get("description"),
        ]
        title = next((t for t in map(clean, texts) if t), None)
        parts = (tender, *awards, *contracts, *plan_tenders)
        items = [i for part in parts for i in _dicts(part.get("items"))]
        descs = [
            tender.get("description"),
            release.get("description"),
            *[c.get("description") for c in contracts],
            *[a.get("description") for a in awards],
            *[i.get("description") for i in items],
        ]
        description = next((d for d in map(clean, descs) if d), None)
        if stage == "contract":
            value = _total([amount(c.get("value"), f"contracts/{i}/value") for i, c in enumerate(contracts)])
            status = clean(contracts[0].get("status"))
            date = min((d for d in (clean(c.get("dateSigned")) for c in contracts) if d), default=None)
            period = _obj(contracts[0].get("period"))
        elif stage == "award":
            value = _total(
                [amount(a.get("value"), f"awards/{i}/value") for i, a in enumerate(awards) if a in awarded]
            )
            status = clean((awarded or awards)[0].get("status"))
            date = min((d for d in (clean(a.get("date")) for a in awarded) if d), default=None)
            period = _obj((awarded or awards)[0].get("contractPeriod"))
        elif stage == "tender":
            value = amount(tender.get("value"), "tender/value")
            status, date = clean(tender.get("status")), clean(tender.get("datePublished"))
            period = _obj(tender.get("contractPeriod"))
        else:
            budget = _obj(planning.get("budget")).get("amount")
            value = (
                amount(budget, "planning/budget/amount")
                if budget
                else _total(
                    [amount(t.get("value"), f"planning/tender/{i}/value") for i, t in enumerate(plan_tenders)]
                )
            )
            status, date = ("planning" if planning else None), None
            period = _obj(plan_tenders[0].get("contractPeriod")) if plan_tenders else {}
        if stage in ("contract", "award"):
            for i, a in enumerate(awards):  # every stated amount must be a number
                amount(a.get("value"), f"awards/{i}/value")
        codes = [
            self.classification(c)
            for part in (tender, *items)
            for c in [_obj(part.get("classification")), *_dicts(part.get("additionalClassifications"))]
        ]
        classifications = sorted({c for c in codes if c})
        found = classify(classifications)
        # a contract whose codes name no goods buys services or works: its nature is a category, so
        # coverage can say "not a goods contract" instead of expecting a supply chain
        categories = found.categories + ([] if found.is_goods else sorted(set(found.natures)))
        method = clean(tender.get("procurementMethod")) or next(
            (m for m in (clean(t.get("procurementMethod")) for t in plan_tenders) if m), None
        )
        return Contract(
            id=f"ocds:{ocid}",
            name=title,
            ocid=ocid,
            stage=stage,
            title=title,
            description=description,
            status=status,
            value_amount=value[0],
            value_currency=value[1],
            date=date or clean(release.get("date")),
            period_start=clean(period.get("startDate")),
            period_end=clean(period.get("endDate")),
            categories=categories,
            classifications=classifications,
            procurement_method=method,
        )

    def buyers(
        self, release: dict[str, Any], parties: dict[str, dict], contract_id: str, loc: Locator
    ) -> list[str]:
        found: list[tuple[dict[str, Any], str, str]] = []  # (party, role, locator)
        for index, party in enumerate(_dicts(release.get("parties"))):
            roles = party.get("roles")
            roles = roles if isinstance(roles, list) else []
            for role in ("buyer", "procuringEntity"):
                if role in roles:
                    found.append((party, role, loc.at("parties", index)))
        refs = [
            (_obj(release.get("buyer")), "buyer", loc.at("buyer")),
            (
                _obj(_obj(release.get("tender")).get("procuringEntity")),
                "procuringEntity",
                loc.at("tender", "procuringEntity"),
            ),
        ]
        for i, plan in enumerate(_dicts(_obj(release.get("planning")).get("tender"))):
            refs.append(
                (
                    _obj(plan.get("procuringEntity")),
                    "procuringEntity",
                    loc.at("planning", "tender", i, "procuringEntity"),
                )
            )
        for ref, role, at in refs:
            if ref:
                found.append((parties.get(str(ref.get("id")), ref), role, at))
        done: set[tuple[str, str]] = set()
        out = []
        for party, role, at in found:
            name = clean(party.get("name")) or clean(_obj(party.get("identifier")).get("legalName"))
            if not name:
                continue
            identifiers = self.identifiers(party)
            code = self.country_of(party, identifiers)
            bid = f"buyer:{code.lower()}:{slug(name)}" if code else f"buyer:{slug(name)}"
            if (bid, role) in done:
                continue
            done.add((bid, role))
            kind = self.buyer_kind(party, identifiers)
            model = PublicBuyer(
                id=bid,
                name=name,
                aliases=self.other_names(party, name),
                identifiers=identifiers,
                country=code,
                kind=kind,
            )
            self.ctx.node(model, at=at)
            if code:
                self.ctx.edge(LocatedIn(src=bid, dst=f"country:{code}"), at=at)
            self.ctx.edge(BuyerOf(src=bid, dst=contract_id, role=role, key=role), at=at)
            out.append(bid)
        return out

    def buyer_kind(self, party: dict[str, Any], identifiers: list[str]) -> str | None:
        """Only from explicit data: a TED authority-type classification, else the identifier's register."""
        for cls in _dicts(_obj(party.get("details")).get("classifications")):
            if str(cls.get("scheme") or "").upper() == "TED_CA_TYPE" and clean(str(cls.get("id") or "")):
                stated = clean(str(cls["id"])) or ""
                return str(self.spec.lookup("buyer_kind", stated) or stated.lower())
        for ident in identifiers:
            kind = self.spec.lookup("buyer_kind_by_scheme", ident.split(":", 1)[0])
            if kind:
                return str(kind)
        return None

    def natural_person(self, party: dict[str, Any], name: str, identifiers: list[str]) -> bool:
        """A sole trader: an individual-entrepreneur legal form in any of its names, or a person-like name."""
        forms = self.spec.lookups.get("sole_trader_form", {})
        words = {w for n in [name, *self.other_names(party, name)] for w in n.split()}
        if words & set(forms):
            return True
        return looks_like_person(name, any(i.startswith(_REGISTER_PREFIXES) for i in identifiers))

    def suppliers(
        self, release: dict[str, Any], parties: dict[str, dict], contract_id: str, loc: Locator
    ) -> list[str]:
        out = []
        for ai, award in enumerate(_dicts(release.get("awards"))):
            refs = _dicts(award.get("suppliers"))
            if not self.spec.lookup("award_status_awarded", str(award.get("status") or "")):
                self.not_awarded += len(refs)
                continue
            value, currency = amount(award.get("value"), f"awards/{ai}/value")
            for si, ref in enumerate(refs):
                at = loc.at("awards", ai, "suppliers", si)
                party = parties.get(str(ref.get("id")), ref)
                name = (
                    clean(party.get("name"))
                    or clean(ref.get("name"))
                    or clean(_obj(party.get("identifier")).get("legalName"))
                )
                if not name:
                    continue
                identifiers = self.identifiers(party)
                if self.natural_person(party, name, identifiers):
                    self.withheld_people += 1  # personal data: a sole trader's own name is not stored
                    continue
                code = self.country_of(party, identifiers)
                website = clean(_obj(party.get("details")).get("url"))
                company = self.ctx.resolver.org_model(
                    name, identifiers=identifiers, country=code, website=website
                )
                company.aliases = sorted(set(company.aliases) | set(self.other_names(party, name)))
                self.ctx.node(company, at=at)
                if code:
                    self.ctx.edge(LocatedIn(src=company.id, dst=f"country:{code}"), at=at)
                key = clean(str(award.get("id") or "")) or str(ai)
                edge = AwardedTo(
                    src=contract_id,
                    dst=company.id,
                    key=key,
                    date=clean(award.get("date")),
                    value_amount=value,
                    value_currency=currency,
                )
                self.ctx.edge(edge, at=at)
                out.append(company.id)
        return out

    def texts(self, release: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
        """(path, text) of every title, description and item description, in reading order."""
        out: list[tuple[tuple[str | int, ...], Any]] = [
            (("title",), release.get("title")),
            (("description",), release.get("description")),
        ]
        tender = _obj(release.get("tender"))
        out += [
            (("tender", "title"), tender.get("title")),
            (("tender", "description"), tender.get("description")),
        ]
        for i, item in enumerate(_dicts(tender.get("items"))):
            out.append((("tender", "items", i, "description"), item.get("description")))
        for i, lot in enumerate(_dicts(tender.get("lots"))):
            out += [
                (("tender", "lots", i, "title"), lot.get("title")),
                (("tender", "lots", i, "description"), lot.get("description")),
            ]
        for part in ("awards", "contracts"):
            for i, entry in enumerate(_dicts(release.get(part))):
                out += [
                    ((part, i, "title"), entry.get("title")),
                    ((part, i, "description"), entry.get("description")),
                ]
                for j, item in enumerate(_dicts(entry.get("items"))):
                    out.append(((part, i, "items", j, "description"), item.get("description")))
        for i, plan in enumerate(_dicts(_obj(release.get("planning")).get("tender"))):
            for j, item in enumerate(_dicts(plan.get("items"))):
                out.append((("planning", "tender", i, "items", j, "description"), item.get("description")))
        return [(path, text) for path, text in out if isinstance(text, str) and text.strip()]

    def mentions(self, release: dict[str, Any], contract_id: str, loc: Locator) -> None:
        seen: set[str] = set()
        for path, text in self.texts(release):
            for mention in self.matcher.find(text):
                if mention.brand in seen:
                    continue
                seen.add(mention.brand)
                at = loc.at(*path)
                target = mention.node_id
                if target is None:
                    brand = self.ctx.resolver.org_model(mention.brand, brand=True)
                    self.ctx.node(brand, at=at, method=Method.TEXT_MENTION, confidence=MENTION_CONFIDENCE)
                    target = brand.id
                self.ctx.edge(
                    Covers(
                        src=contract_id,
                        dst=target,
                        mention=mention.snippet,
                        note=f"'{mention.matched}' named in {'/'.join(map(str, path))}",
                    ),
                    at=at,
                    method=Method.TEXT_MENTION,
                    confidence=MENTION_CONFIDENCE,
                )
