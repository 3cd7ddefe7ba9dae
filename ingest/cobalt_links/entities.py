"""The nodes one side of a Resource Matters link names: its company (or artisanal site), the
facility, where it is, and the ownership the row states (parents, joint ventures, subsidiaries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tierwatch.graph.names import fold, normalise_name, slug
from tierwatch.graph.schema import Facility, LocatedIn, Mine, NodeModel, Operates, Owns
from tierwatch.ingest.cobalt_links.parsing import (
    clean_name,
    is_composition,
    parse_coordinate,
    parse_members,
    readable_place,
    region_code,
)
from tierwatch.ingest.framework import IngestContext

ARTISANAL_MINING = "artisanal mining"
#: Supplier names that are a kind of producer, not a site's name: the site is named by its place.
GENERIC_SITE_PREFIX = "artisanal"
#: Owners named in compositions that are not organisations.
NOT_OWNERS = frozenset({"others", "other", "jv company"})
#: Placeholder company names the file gives a joint venture it does not name: told apart by owners.
UNNAMED_VENTURES = frozenset({"jv company", "jv", "joint venture"})


def split_name(raw: str) -> tuple[str, str | None]:
    """(display name, acronym): trailing "(CDM)" dropped; "CATL (Contemporary Amperex ...)" read as
    acronym + long name."""
    name, acronym = clean_name(raw)
    head, _, rest = name.partition(" (")
    if acronym is None and rest.endswith(")") and head.isupper() and " " not in head and " " in rest:
        return rest[:-1].strip(), head
    return name, acronym


@dataclass
class SideCells:
    """One side (supplier or buyer) of a link row, as the file gives it."""

    company: str
    joint_venture: str
    composition: str
    subsidiary: str
    parents: str
    facility: str
    facility_kind: str
    place: str
    country_code: str
    lat: str
    lon: str
    step: str
    products: list[str] = field(default_factory=list)
    commodities: list[str] = field(default_factory=list)


@dataclass
class Endpoint:
    node: str  # the org or artisanal site the link starts or ends at
    site: str  # the facility or mine of this side
    org: str | None  # None for an artisanal site


class ChainEntities:
    """Emits companies, sites, facilities and ownership links, resolving names the file abbreviates."""

    def __init__(
        self, ctx: IngestContext, brands: list[str], ownership_confidence: float, stages: dict[str, str]
    ) -> None:
        self.ctx = ctx
        self.brands = {normalise_name(b) for b in brands}
        self.ownership_confidence = ownership_confidence
        self.stages = stages
        self.acronyms: dict[str, str] = {}  # "LGES" -> "LG Energy Solution", as the file pairs them
        self.sites: set[str] = set()  # folded names of artisanal sites
        self.facility_kinds: dict[tuple[str, str], set[str]] = {}
        self.row = ""  # the row being mapped, for notes

    # -- pre-pass ------------------------------------------------------------------------------
    def learn(self, name: str, *, artisanal_site: bool) -> None:
        display, acronym = split_name(name)
        if acronym:
            self.acronyms.setdefault(acronym, display)
        if artisanal_site or fold(name).startswith(GENERIC_SITE_PREFIX):
            self.sites.add(fold(display))

    def learn_facility(self, company: str, facility: str, kind: str) -> None:
        key = self._facility_key(company, facility)
        self.facility_kinds.setdefault(key, set()).add(kind.strip().capitalize() if kind.strip() else "")

    def is_site(self, company: str) -> bool:
        return fold(split_name(company)[0]) in self.sites

    # -- organisations -------------------------------------------------------------------------
    def org(self, raw: str) -> NodeModel:
        name, _ = split_name(raw)
        name = self.acronyms.get(name, name)
        canonical = self.ctx.resolver.aliases.canonical(name)
        model = self.ctx.resolver.org_model(name, brand=normalise_name(canonical) in self.brands)
        if raw != model.name and raw not in model.aliases:
            model = model.model_copy(update={"aliases": [*model.aliases, raw]})
        self.ctx.node(model)
        return model

    def _facility_key(self, company: str, facility: str) -> tuple[str, str]:
        name, _ = split_name(company)
        canonical = self.ctx.resolver.aliases.canonical(self.acronyms.get(name, name))
        return slug(canonical), slug(facility) if facility.strip() else "unnamed"

    # -- one side of a link --------------------------------------------------------------------
    def side(self, cells: SideCells) -> Endpoint:
        if fold(cells.company) in UNNAMED_VENTURES and cells.composition:
            cells.company = f"{cells.company} ({cells.composition})"
        lat = parse_coordinate(cells.lat, 90.0)
        lon = parse_coordinate(cells.lon, 180.0)
        if (cells.lat or cells.lon) and (lat is None or lon is None):
            self.ctx.notes.append(
                f"{self.ctx.file} row {self.row}: coordinates '{cells.lat}, {cells.lon}' unreadable, not kept"
            )
            lat = lon = None
        region = region_code(cells.country_code, cells.place) if cells.place else None
        place = readable_place(cells.place) if cells.place else None
        if self.is_site(cells.company):
            site = self._artisanal_site(cells, lat, lon, region, place)
            self._locate(site, cells.country_code, region)
            return Endpoint(site, site, None)
        company = self.org(cells.company)
        site = self._facility(cells, company, lat, lon, region, place)
        self.ctx.edge(Operates(src=company.id, dst=site))
        self._locate(site, cells.country_code, region)
        self._ownership(cells, company)
        return Endpoint(company.id, site, company.id)

    def _artisanal_site(
        self, cells: SideCells, lat: float | None, lon: float | None, region: str | None, place: str | None
    ) -> str:
        name, _ = split_name(cells.company)
        key = slug(name)
        if fold(name).startswith(GENERIC_SITE_PREFIX):  # "Artisanal producers": named by its place
            key = f"{key}:{slug(place or 'unknown')}"
            name = f"{name} ({place})" if place else name
        model = Mine(
            id=f"rm:mine:{key}",
            name=name,
            aliases=[cells.company] if cells.company != name else [],
            mining_type="artisanal",
            commodities=cells.commodities,
            lat=lat,
            lon=lon,
            country=cells.country_code,
            region=region,
            note=f"artisanal site; place: {place}" if place else "artisanal site",
        )
        return self.ctx.node(model)

    def _facility(
        self,
        cells: SideCells,
        company: NodeModel,
        lat: float | None,
        lon: float | None,
        region: str | None,
        place: str | None,
    ) -> str:
        org_key, facility_key = self._facility_key(cells.company, cells.facility)
        kinds = sorted(k for k in self.facility_kinds.get((org_key, facility_key), set()) if k)
        name = f"{company.name}: {cells.facility or 'unnamed facility'}"
        stage = self.stages.get(fold(cells.step))
        if kinds == ["Mine"]:
            mining: Literal["industrial", "unknown"] = (
                "industrial" if fold(cells.step) == "mining" else "unknown"
            )
            return self.ctx.node(
                Mine(
                    id=f"rm:mine:{org_key}:{facility_key}",
                    name=name,
                    mining_type=mining,
                    commodities=cells.commodities,
                    lat=lat,
                    lon=lon,
                    operator=company.name,
                    country=cells.country_code,
                    region=region,
                    note=f"place: {place}" if place else None,
                )
            )
        return self.ctx.node(
            Facility(
                id=f"rm:facility:{org_key}:{facility_key}",
                name=name,
                kind=" / ".join(kinds) or None,
                address=place,
                country=cells.country_code,
                region=region,
                lat=lat,
                lon=lon,
                stage=stage,
                products=cells.products,
                commodities=cells.commodities,
            )
        )

    def _locate(self, site: str, country_code: str, region: str | None) -> None:
        country = self.ctx.ref.country(country_code)
        if country:
            self.ctx.edge(LocatedIn(src=site, dst=country))
        if region and self.ctx.ref.region(region):
            self.ctx.edge(LocatedIn(src=site, dst=f"region:{region}"))

    # -- ownership ------------------------------------------------------------------------------
    def _owner(self, member_name: str, owned: str) -> str | None:
        if fold(member_name) in NOT_OWNERS or self.ctx.ref.country(member_name) is not None:
            return None  # "DRC (5%)": a state's share is not an organisation's
        owner = self.org(member_name)
        return None if owner.id == owned else owner.id

    def _owns(self, owner: str, owned: str, relation: str, share: float | None, stated: str) -> None:
        self.ctx.edge(
            Owns(src=owner, dst=owned, relation=relation, share=share, note=f"stated: {stated}"),
            confidence=self.ownership_confidence,
        )

    def _ownership(self, cells: SideCells, company: NodeModel) -> None:
        for member in parse_members(cells.parents) if cells.parents else []:
            owner = self._owner(member.name, company.id)
            if owner:
                self._owns(owner, company.id, "parent", member.share, cells.parents)
        venture = company
        jv_name = cells.joint_venture
        composition = cells.composition
        if jv_name and is_composition(jv_name) and not composition:
            jv_name, composition = "", jv_name  # a composition written in the joint-venture column
        if jv_name and composition:
            venture = self.org(jv_name)
        elif jv_name:
            self.ctx.notes.append(
                f"{self.ctx.file} row {self.row}: joint venture '{jv_name}' of "
                f"{company.name} named without its composition: no ownership link made"
            )
        for member in parse_members(composition) if composition else []:
            owner = self._owner(member.name, venture.id)
            if owner:
                self._owns(owner, venture.id, "joint venture", member.share, composition)
        if cells.subsidiary:
            child = self.org(cells.subsidiary)
            if child.id != company.id:
                self._owns(company.id, child.id, "subsidiary", None, cells.subsidiary)
