"""Notices of one contract -> Contract, its public buyers, winners (per lot) and brand mentions.

The Contract's facts are merged over its notices in publication order (a later notice updates
what an earlier one said: an award notice's values and stage, a corrigendum's title); every
notice's row writes the same merged Contract, so a chain of notices is one node with one
provenance entry per notice. Buyers and winners are written by the notice that names them.
"""

from __future__ import annotations

import re
from typing import Any

from tierwatch.graph.names import slug
from tierwatch.graph.schema import AwardedTo, BuyerOf, Contract, Covers, LocatedIn, Method, PublicBuyer
from tierwatch.ingest import cpv
from tierwatch.ingest.framework import IngestContext, SourceSpec
from tierwatch.ingest.ocds.mapping import MENTION_CONFIDENCE
from tierwatch.ingest.ocds.mentions import BrandMatcher
from tierwatch.ingest.ocds.text import ORGANISATION_WORDS, looks_like_person
from tierwatch.ingest.reference import country_code
from tierwatch.ingest.ted.identity import identifier
from tierwatch.ingest.ted.notice import STAGES, Notice, Party

_SPLIT_IDS = re.compile(r"[,;]")


def _country(spec: SourceSpec, party: Party) -> str | None:
    """ISO alpha-2 from the address country (R2 "UK"/"EL", eForms alpha-3) or the NUTS code."""
    for raw in (party.country, (party.nuts or "")[:2]):
        if raw:
            code = country_code(str(spec.lookup("country_code", raw.upper(), raw)))
            if code:
                return code
    return None


def org_identifiers(spec: SourceSpec, party: Party, country: str | None) -> list[str]:
    """Registration numbers as ``SCHEME:value``: the org-id.guide register of the country when the
    number has that register's shape (``NO-BRC:976104390``, ``GB-COH:01234567``), else
    ``<CC>-NATIONALID:<value>`` (a national number whose register the notice does not name).
    Several numbers in one field (joint ventures: "B78970506, B58671710") are split; text without
    a digit ("N/A", a name typed into the field) is no identifier."""
    out = []
    for raw in party.ids:
        for value in _SPLIT_IDS.split(raw):
            value = re.sub(r"[\s.]", "", value)
            if len(value) < 4 or not any(ch.isdigit() for ch in value):
                continue
            scheme = None
            rule = spec.lookups.get("register", {}).get(country or "")
            if rule:
                bare = value[2:] if value.upper().startswith(str(country)) else value
                if str(rule.get("pad", "")) and bare.isdigit():
                    bare = bare.zfill(int(rule["pad"]))
                if re.fullmatch(str(rule["pattern"]), bare):
                    scheme, value = str(rule["scheme"]), bare
            if scheme is None:
                scheme = f"{country}-NATIONALID" if country else "NATIONALID"
            out.append(f"{scheme}:{value}")
    return list(dict.fromkeys(out))


def _registered(identifiers: list[str]) -> bool:
    """A number in a company register (an org-id.guide scheme), not an unnamed national number."""
    return any(not i.split(":", 1)[0].endswith("NATIONALID") for i in identifiers)


def _latest(notices: list[Notice], attr: str) -> Any:
    return next((getattr(n, attr) for n in reversed(notices) if getattr(n, attr) is not None), None)


def merged_contract(cid: str, notices: list[Notice], keys: list[str]) -> Contract:
    """One Contract from its notices, ordered by publication (later facts win)."""
    stages = [n.stage for n in notices if n.stage]
    stage = max(stages, key=STAGES.index) if stages else None
    codes = list(dict.fromkeys(c for n in notices for c in n.cpv))
    awards = [a for n in notices for a in n.awards]
    award_dates = sorted(a.date for a in awards if a.date)
    value, currency = _latest(notices, "value"), None
    if value is not None:
        currency = next(n.currency for n in reversed(notices) if n.value is not None)
    else:
        latest_awards = next((n.awards for n in reversed(notices) if n.awards), [])
        known = [(a.value, a.currency) for a in latest_awards if a.value is not None]
        if known and len({c for _, c in known}) == 1:
            value, currency = round(sum(v for v, _ in known if v is not None), 2), known[0][1]
        elif _latest(notices, "estimated") is not None:
            value = _latest(notices, "estimated")
            currency = next(n.estimated_currency for n in reversed(notices) if n.estimated is not None)
    status = None
    if any(n.cancelled for n in notices):
        status = "cancelled"
    elif stage == "award" and not awards and any(n.not_awarded for n in notices):
        status = "not awarded"
    forms = ", ".join(f"{n.form}{' ' + n.amends if n.amends else ''} {n.date or ''}".strip() for n in notices)
    return Contract(
        id=cid,
        name=_latest(notices, "title"),
        title=_latest(notices, "title"),
        description=_latest(notices, "description"),
        stage=stage,
        status=status,
        value_amount=value,
        value_currency=currency,
        date=award_dates[0] if award_dates else min((n.date for n in notices if n.date), default=None),
        period_start=_latest(notices, "period_start"),
        period_end=_latest(notices, "period_end"),
        categories=cpv.categories_for(codes),
        classifications=sorted({f"CPV:{c}" for c in (cpv.normalise(x) for x in codes) if c}),
        procurement_method=_latest(notices, "procedure"),
        identifiers=[identifier(k) for k in keys],
        lots=sorted({lot for n in notices for lot in n.lots}),
        languages=list(dict.fromkeys(lang for n in notices for lang in n.languages)),
        note=f"TED notices: {forms}",
    )


class NoticeMapper:
    def __init__(self, ctx: IngestContext, spec: SourceSpec, matcher: BrandMatcher) -> None:
        self.ctx, self.spec, self.matcher = ctx, spec, matcher
        self.withheld_people = 0
        self.counts: dict[str, Any] = {"buyers": set(), "winners": set(), "lots": 0, "awards": 0}

    def map(self, notice: Notice, contract: Contract) -> None:
        at = f"{notice.format}:{notice.form}"
        self.ctx.node(contract, at=at)
        for party in notice.buyers:
            self.buyer(party, contract.id)
        for award in notice.awards:
            for winner in award.winners:
                self.winner(winner, award, contract.id)
        self.counts["lots"] += len(notice.lots)
        self.counts["awards"] += len(notice.awards)
        self.mentions(notice, contract.id)

    def buyer(self, party: Party, contract_id: str) -> None:
        if not party.name:
            return
        code = _country(self.spec, party)
        identifiers = org_identifiers(self.spec, party, code)
        if self.natural_person(party.name, _registered(identifiers)):
            self.withheld_people += 1  # a contact person typed as an additional buyer address
            return
        if code:
            self.ctx.ref.country(code)
        bid = f"buyer:{code.lower()}:{slug(party.name)}" if code else f"buyer:{slug(party.name)}"
        kind = self.spec.lookup("buyer_kind", party.kind or "") or (
            party.kind.lower() if party.kind else None
        )
        model = PublicBuyer(
            id=bid,
            name=party.name,
            aliases=party.aliases,
            identifiers=identifiers,
            country=code,
            kind=kind,
            note=f"NUTS {party.nuts}" if party.nuts else None,
        )
        self.ctx.node(model, at=party.at)
        if code:
            self.ctx.edge(LocatedIn(src=bid, dst=f"country:{code}"), at=party.at)
        self.ctx.edge(BuyerOf(src=bid, dst=contract_id, role="buyer", key="buyer"), at=party.at)
        self.counts["buyers"].add(bid)

    def winner(self, party: Party, award: Any, contract_id: str) -> None:
        if not party.name:
            return
        code = _country(self.spec, party)
        identifiers = org_identifiers(self.spec, party, code)
        if self.natural_person(party.name, _registered(identifiers)):
            self.withheld_people += 1  # a sole trader's own name is personal data
            return
        if code:
            self.ctx.ref.country(code)
        company = self.ctx.resolver.org_model(
            party.name, identifiers=identifiers, country=code, website=party.website
        )
        self.ctx.node(company, at=party.at)
        if code:
            self.ctx.edge(LocatedIn(src=company.id, dst=f"country:{code}"), at=party.at)
        key = f"lot {award.lot}" if award.lot else "notice"
        self.ctx.edge(
            AwardedTo(
                src=contract_id,
                dst=company.id,
                key=key,
                date=award.date,
                value_amount=award.value,
                value_currency=award.currency,
                note=award.title,
            ),
            at=award.at,
        )
        self.counts["winners"].add(company.id)

    def natural_person(self, name: str, registered: bool) -> bool:
        """The OCDS rule (reviewed given names), or a given name from this source's reviewed list
        (``[lookups.given_names]``: names of the TED data's languages) and one or two capitalised
        words, no organisation word, no company-register number ("Francesco Perlasca")."""
        if looks_like_person(name, registered):
            return True
        words = name.split()
        if registered or not 2 <= len(words) <= 3 or words[0] not in self.spec.lookups.get("given_names", {}):
            return False
        if any(w.lower().strip(".,") in ORGANISATION_WORDS for w in words):
            return False
        return all(w[:1].isupper() and w.replace("-", "").isalpha() for w in words)

    def mentions(self, notice: Notice, contract_id: str) -> None:
        """Brand names in the notice's titles and descriptions, in every language it is published in."""
        seen: set[str] = set()
        for locator, text in notice.texts:
            for mention in self.matcher.find(text):
                if mention.brand in seen:
                    continue
                seen.add(mention.brand)
                target = mention.node_id
                if target is None:
                    brand = self.ctx.resolver.org_model(mention.brand, brand=True)
                    self.ctx.node(
                        brand, at=locator, method=Method.TEXT_MENTION, confidence=MENTION_CONFIDENCE
                    )
                    target = brand.id
                edge = Covers(
                    src=contract_id,
                    dst=target,
                    mention=mention.snippet,
                    note=f"'{mention.matched}' named in {locator}",
                )
                self.ctx.edge(edge, at=locator, method=Method.TEXT_MENTION, confidence=MENTION_CONFIDENCE)
