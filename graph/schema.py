"""The one schema source: node and edge types as pydantic models.

Everything else derives from these classes: the label and relationship-type allow-lists used to
fill Cypher templates, the Neo4j uniqueness constraints, validation of what ingest pipelines emit,
and the API's response models. Property values are flat (strings, numbers, booleans, lists of
those) so that both stores hold exactly the same thing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from tierwatch.graph.errors import SchemaError

Scalar = str | int | float | bool


class Method(StrEnum):
    """How a fact was established."""

    DECLARED = "declared"  # the source states it (a CMRT row, a supplier list, an award)
    IDENTIFIER_MATCH = "identifier_match"  # joined on an identifier (RMI id, company number)
    NAME_MATCH = "name_match"  # joined on a normalised name
    TEXT_MENTION = "text_mention"  # a brand named in free text
    INFERRED = "inferred"  # derived by a stated rule (RMI origin code CC -> its countries)
    REVIEWED = "reviewed"  # a reviewed aliases-file entry


class LicenceClass(StrEnum):
    OPEN = "open"
    RESTRICTED = "restricted"


class Access(StrEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class RiskCategory(StrEnum):
    FORCED_LABOUR = "forced_labour"
    CHILD_LABOUR = "child_labour"
    FORCED_CHILD_LABOUR = "forced_child_labour"
    FREEDOM_OF_ASSOCIATION = "freedom_of_association"
    HEALTH_AND_SAFETY = "health_and_safety"
    CONFLICT_AND_ARMED_GROUPS = "conflict_and_armed_groups"
    EXPORT_CONTROL = "export_control"
    GOVERNANCE = "governance"
    OTHER = "other"


class SupplyStatus(StrEnum):
    CONFIRMED = "confirmed"
    REPORTED = "reported"  # reported, not confirmed
    NOT_REALISED = "not_realised"  # a reported deal that did not happen
    DECLARED = "declared"


# ---------------------------------------------------------------------------------------------
# Nodes


class NodeModel(BaseModel):
    """Base of every node type. ``id`` is deterministic and namespace-prefixed (``rmi:CID002243``)."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    label: ClassVar[str] = ""
    id_prefixes: ClassVar[tuple[str, ...]] = ()

    id: str = Field(min_length=3)
    name: str | None = None
    aliases: list[str] = Field(default_factory=list)
    identifiers: list[str] = Field(default_factory=list)  # "scheme:value", e.g. "GB-COH:01234567"
    country: str | None = None  # ISO 3166-1 alpha-2
    region: str | None = None  # ISO 3166-2
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _id_has_namespace(cls, value: str) -> str:
        if ":" not in value:
            raise ValueError(f"id {value!r} has no namespace prefix")
        return value


class PublicBuyer(NodeModel):
    label: ClassVar[str] = "PublicBuyer"
    kind: str | None = None  # department, council, university, health body ...


class Contract(NodeModel):
    label: ClassVar[str] = "Contract"
    ocid: str | None = None
    stage: str | None = None  # planning, tender, award, contract
    title: str | None = None
    description: str | None = None
    status: str | None = None
    value_amount: float | None = None
    value_currency: str | None = None
    date: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    categories: list[str] = Field(default_factory=list)  # "ict", "vehicles"
    classifications: list[str] = Field(default_factory=list)  # "CPV:30213100"
    procurement_method: str | None = None
    lots: list[str] = Field(default_factory=list)  # "LOT-0001: title" (TED notices)
    languages: list[str] = Field(default_factory=list)  # languages the notices are published in ("SV", "EN")


class Company(NodeModel):
    label: ClassVar[str] = "Company"
    website: str | None = None
    address: str | None = None  # registered/listed address as the source gives it (BIS Entity List)


class Brand(Company):
    """A company whose branded products public buyers buy (Dell, Apple, GM ...)."""

    label: ClassVar[str] = "Brand"


class Facility(NodeModel):
    label: ClassVar[str] = "Facility"
    kind: str | None = None  # factory, cell plant, refinery ...
    address: str | None = None
    city: str | None = None
    state: str | None = None
    lat: float | None = None
    lon: float | None = None
    technology: str | None = None
    stage: str | None = None  # battery chain stage: minerals, processing, components, cells, packs ...
    products: list[str] = Field(default_factory=list)
    commodities: list[str] = Field(default_factory=list)
    years: list[int] = Field(default_factory=list)
    investment_usd: float | None = None  # announced investment (sum of the site's announcements)
    jobs: int | None = None  # announced jobs (sum of the site's announcements)
    timeline: list[str] = Field(default_factory=list)  # e.g. "Post-Inflation Reduction Act"
    sectors: list[str] = Field(default_factory=list)  # Open Supply Hub sectors (Apparel, Health ...)
    workers: str | None = None  # number of workers as the source gives it (a count or a range)


class Smelter(NodeModel):
    label: ClassVar[str] = "Smelter"
    rmi_id: str | None = None
    metal: str | None = None
    commodities: list[str] = Field(default_factory=list)
    city: str | None = None
    state: str | None = None
    lat: float | None = None
    lon: float | None = None
    rmi_status: str | None = None


class Mine(NodeModel):
    label: ClassVar[str] = "Mine"
    commodities: list[str] = Field(default_factory=list)
    mining_type: Literal["artisanal", "industrial", "unknown"] = "unknown"
    asset_type: str | None = None
    lat: float | None = None
    lon: float | None = None
    state: str | None = None
    operator: str | None = None


class Country(NodeModel):
    label: ClassVar[str] = "Country"
    iso2: str
    iso3: str | None = None
    numeric: str | None = None


class Region(NodeModel):
    """An ISO 3166-2 subdivision (a province of DR Congo, a district of Rwanda)."""

    label: ClassVar[str] = "Region"
    code: str | None = None
    kind: str | None = None


class Commodity(NodeModel):
    """A mineral, metal or good. ``parents`` lets coltan count as tantalum ore, and so on."""

    label: ClassVar[str] = "Commodity"
    kind: str | None = None  # mineral, metal, good
    parents: list[str] = Field(default_factory=list)  # commodity ids this one is a form of


class OriginCategory(NodeModel):
    """A declared origin that is not a place: RMI origin codes (CC, HR, LR) and Recycled/Scrap."""

    label: ClassVar[str] = "OriginCategory"
    code: str
    countries: list[str] = Field(default_factory=list)


class RiskFinding(NodeModel):
    """A risk claim with its scope, date, evidence and access level.

    Scope is one entity (``scope_entity``) or a country, optionally narrowed to a region and a
    good or commodity: ILAB's finding on coltan from DR Congo does not touch DR Congo's copper.
    """

    label: ClassVar[str] = "RiskFinding"
    category: str
    scope_kind: Literal["entity", "country"]
    scope_entity: str | None = None
    scope_country: str | None = None
    scope_region: str | None = None
    scope_commodity: str | None = None
    date: str | None = None
    date_precision: DatePrecision | None = None
    evidence: str
    severity: str | None = None
    access: Access = Access.PUBLIC
    list_name: str | None = None
    list_section: str | None = None  # the list's section (UFLPA Sec. 2(d)(2)(B)(i), (ii), (v))
    list_status: str | None = None  # the listing's status as published (CBP: Active, Partially Modified)
    reported_by: str | None = None
    observed: str | None = None  # JSON object of observed numbers, where the source gives them
    original_value: str | None = None
    # A tier-n fact (ILAB derived entries): the good in scope is made with an input from elsewhere.
    derived_from_country: str | None = None  # ISO 3166-1 alpha-2 of the input's country
    derived_from_commodity: str | None = None  # commodity id of the input, where the list names it
    flags: list[str] = Field(default_factory=list)  # as the list gives them (CAHRA: conflict-affected ...)


class RemedyStatus(StrEnum):
    """Where remedy of a finding stands, as a source reports it (ingest/templates/remedy.py)."""

    REPORTED = "reported"  # the harm was reported to the company or buyer
    ACKNOWLEDGED = "acknowledged"  # the company acknowledged it
    IN_REMEDY = "in_remedy"  # remedy under way
    REMEDIED = "remedied"  # remedy completed
    DISPUTED = "disputed"  # the company disputes the finding or the remedy
    NOT_REMEDIED = "not_remedied"  # a deadline passed, or remedy was refused


class Remedy(NodeModel):
    """One remedy record of a finding: its status on a date, who provided the remedy and who verified
    it (organisations, never persons), the evidence and where it was published. It is evidence about
    the finding (REMEDIES -> the RiskFinding): shown with it, never a reason to hide the finding.
    ``access = restricted`` (the default of the template where it concerns workers) hides it like a
    restricted finding."""

    label: ClassVar[str] = "Remedy"
    status: RemedyStatus
    finding: str  # the RiskFinding id
    date: str | None = None  # of this status
    date_precision: DatePrecision | None = None
    started: str | None = None  # when remedy began, where known
    provided_by: str | None = None  # the organisation providing remedy
    verified_by: str | None = None  # the organisation that verified it (None: unverified)
    evidence: str
    source_ref: str | None = None  # where the record was published (a URL or document reference)
    access: Access = Access.RESTRICTED
    reported_by: str | None = None  # the organisation that filed the record


class Indicator(NodeModel):
    """A dated country indicator value (WGI, ITUC)."""

    label: ClassVar[str] = "Indicator"
    indicator: str
    indicator_name: str | None = None
    year: int | None = None
    value: float | None = None
    rating: str | None = None
    unit: str | None = None
    std_error: float | None = None  # standard error of an estimate (WGI StdErr)
    lower: float | None = None  # lower bound of the 90% confidence interval (WGI Lower, of the rank)
    upper: float | None = None  # upper bound of the 90% confidence interval (WGI Upper, of the rank)
    source_count: int | None = None  # number of data sources behind the value (WGI NumSrc)


class Source(NodeModel):
    """One version of a dataset as ingested (dataset + sha256)."""

    label: ClassVar[str] = "Source"
    dataset: str
    source: str
    publisher: str | None = None
    licence: str | None = None
    licence_class: LicenceClass = LicenceClass.OPEN
    files: list[str] = Field(default_factory=list)
    sha256: str
    origin: str | None = None
    ingested_at: str | None = None
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    rows_skipped: int = 0
    unmapped_columns: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)  # gaps the run worked around (blank header field ...)


NODE_TYPES: dict[str, type[NodeModel]] = {
    m.label: m
    for m in (
        PublicBuyer,
        Contract,
        Company,
        Brand,
        Facility,
        Smelter,
        Mine,
        Country,
        Region,
        Commodity,
        OriginCategory,
        RiskFinding,
        Remedy,
        Indicator,
        Source,
    )
}

#: node types whose ``access`` field may restrict them (hidden from a viewer without access)
ACCESS_TYPES = ("RiskFinding", "Remedy")

# When two sources give one node different types, the more specific type wins.
TYPE_PRECEDENCE: dict[frozenset[str], str] = {frozenset({"Company", "Brand"}): "Brand"}

# ---------------------------------------------------------------------------------------------
# Edges


class EdgeModel(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    rel: ClassVar[str] = ""
    sources: ClassVar[tuple[str, ...]] = ()  # allowed source node labels
    targets: ClassVar[tuple[str, ...]] = ()  # allowed target node labels

    src: str
    dst: str
    key: str = ""  # distinguishes parallel edges of one type (fiscal year, commodity ...)
    note: str | None = None


_ORGS = ("Company", "Brand")
_SITES = ("Facility", "Smelter", "Mine")
_SUPPLIERS = (*_ORGS, *_SITES, "Country", "Region", "OriginCategory")
_ANY = tuple(NODE_TYPES)


class BuyerOf(EdgeModel):
    rel: ClassVar[str] = "BUYER_OF"
    sources: ClassVar[tuple[str, ...]] = ("PublicBuyer",)
    targets: ClassVar[tuple[str, ...]] = ("Contract",)
    role: str | None = None  # buyer, procuringEntity


class AwardedTo(EdgeModel):
    rel: ClassVar[str] = "AWARDED_TO"
    sources: ClassVar[tuple[str, ...]] = ("Contract",)
    targets: ClassVar[tuple[str, ...]] = _ORGS
    date: str | None = None
    value_amount: float | None = None
    value_currency: str | None = None


class Covers(EdgeModel):
    """A contract covers a brand's products (disclosure, text mention)."""

    rel: ClassVar[str] = "COVERS"
    sources: ClassVar[tuple[str, ...]] = ("Contract",)
    targets: ClassVar[tuple[str, ...]] = (*_ORGS, "Commodity")
    product: str | None = None
    model: str | None = None
    quantity: float | None = None
    mention: str | None = None


class SpendsWith(EdgeModel):
    """Aggregated spend of a public buyer with a brand in one fiscal year (not a contract)."""

    rel: ClassVar[str] = "SPENDS_WITH"
    sources: ClassVar[tuple[str, ...]] = ("PublicBuyer",)
    targets: ClassVar[tuple[str, ...]] = _ORGS
    fiscal_year: str
    amount: float | None = None
    currency: str | None = None
    amount_constant: float | None = None
    candidate: bool = False


class Owns(EdgeModel):
    rel: ClassVar[str] = "OWNS"
    sources: ClassVar[tuple[str, ...]] = _ORGS
    targets: ClassVar[tuple[str, ...]] = (*_ORGS, *_SITES)
    share: float | None = None
    relation: str | None = None  # parent, joint venture, subsidiary, leasing arm


class Operates(EdgeModel):
    rel: ClassVar[str] = "OPERATES"
    sources: ClassVar[tuple[str, ...]] = _ORGS
    targets: ClassVar[tuple[str, ...]] = _SITES


class Supplies(EdgeModel):
    """Upstream supplies downstream (ore to smelter, smelter to brand, supplier to brand ...)."""

    rel: ClassVar[str] = "SUPPLIES"
    sources: ClassVar[tuple[str, ...]] = _SUPPLIERS
    targets: ClassVar[tuple[str, ...]] = (*_ORGS, *_SITES)
    commodity: str | None = None
    product: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    years: list[int] = Field(default_factory=list)
    status: SupplyStatus = SupplyStatus.DECLARED
    granularity: str | None = None  # entity, country, category
    origin_code: str | None = None
    amount: float | None = None
    currency: str | None = None
    evidence: str | None = None


class LocatedIn(EdgeModel):
    rel: ClassVar[str] = "LOCATED_IN"
    sources: ClassVar[tuple[str, ...]] = (*_ORGS, *_SITES, "PublicBuyer", "Region")
    targets: ClassVar[tuple[str, ...]] = ("Country", "Region")


class Concerns(EdgeModel):
    """A finding concerns its scope: an entity, a country or a region."""

    rel: ClassVar[str] = "CONCERNS"
    sources: ClassVar[tuple[str, ...]] = ("RiskFinding",)
    targets: ClassVar[tuple[str, ...]] = _ANY


class About(EdgeModel):
    """A finding is about a good or commodity."""

    rel: ClassVar[str] = "ABOUT"
    sources: ClassVar[tuple[str, ...]] = ("RiskFinding",)
    targets: ClassVar[tuple[str, ...]] = ("Commodity",)


class Remedies(EdgeModel):
    """A remedy record is about a finding."""

    rel: ClassVar[str] = "REMEDIES"
    sources: ClassVar[tuple[str, ...]] = ("Remedy",)
    targets: ClassVar[tuple[str, ...]] = ("RiskFinding",)


class Includes(EdgeModel):
    """An origin category includes a country (RMI's CC: DR Congo and its neighbours)."""

    rel: ClassVar[str] = "INCLUDES"
    sources: ClassVar[tuple[str, ...]] = ("OriginCategory",)
    targets: ClassVar[tuple[str, ...]] = ("Country",)


class Measures(EdgeModel):
    rel: ClassVar[str] = "MEASURES"
    sources: ClassVar[tuple[str, ...]] = ("Indicator",)
    targets: ClassVar[tuple[str, ...]] = ("Country",)


class TradeFlow(EdgeModel):
    """Country-to-country trade in a commodity over a period: evidence, never a company link."""

    rel: ClassVar[str] = "TRADE_FLOW"
    sources: ClassVar[tuple[str, ...]] = ("Country",)
    targets: ClassVar[tuple[str, ...]] = ("Country",)
    commodity: str
    period: str
    value_usd: float | None = None
    quantity: float | None = None
    quantity_unit: str | None = None
    hs_code: str | None = None


class SameAsCandidate(EdgeModel):
    """Two nodes may be the same entity: a scored candidate, never a silent merge."""

    rel: ClassVar[str] = "SAME_AS_CANDIDATE"
    sources: ClassVar[tuple[str, ...]] = _ANY
    targets: ClassVar[tuple[str, ...]] = _ANY
    score: float
    evidence: str
    review: Literal["open", "confirmed", "rejected"] = "open"


class OwnershipCandidate(EdgeModel):
    """A listed parent may own a unit (UFLPA-listed group -> its smelter): scored, unconfirmed."""

    rel: ClassVar[str] = "OWNERSHIP_CANDIDATE"
    sources: ClassVar[tuple[str, ...]] = (*_ORGS, *_SITES)
    targets: ClassVar[tuple[str, ...]] = (*_ORGS, *_SITES)
    score: float
    evidence: str


EDGE_TYPES: dict[str, type[EdgeModel]] = {
    m.rel: m
    for m in (
        BuyerOf,
        AwardedTo,
        Covers,
        SpendsWith,
        Owns,
        Operates,
        Supplies,
        LocatedIn,
        Concerns,
        About,
        Remedies,
        Includes,
        Measures,
        TradeFlow,
        SameAsCandidate,
        OwnershipCandidate,
    )
}

#: Edges along which supply risk travels upstream -> downstream.
CHAIN_EDGE_TYPES = ("SUPPLIES", "OWNS", "OPERATES", "AWARDED_TO", "COVERS", "SPENDS_WITH", "BUYER_OF")

#: The common Neo4j label every node carries, so links can find nodes by id alone.
ENTITY_LABEL = "Entity"

# Properties every stored element carries besides its model's fields (derived from provenance).
PROVENANCE_PROPERTIES = ("prov", "confidence", "methods", "datasets", "licence_class", "retired")


def node_model(label: str) -> type[NodeModel]:
    try:
        return NODE_TYPES[label]
    except KeyError:
        raise SchemaError(f"unknown node type {label!r}; known: {', '.join(sorted(NODE_TYPES))}") from None


def edge_model(rel: str) -> type[EdgeModel]:
    try:
        return EDGE_TYPES[rel]
    except KeyError:
        raise SchemaError(f"unknown edge type {rel!r}; known: {', '.join(sorted(EDGE_TYPES))}") from None


def allowed_label(label: str) -> str:
    """A label from the allow-list, safe to fill into a Cypher template."""
    if label != ENTITY_LABEL:
        node_model(label)
    return label


def allowed_rel(rel: str) -> str:
    """A relationship type from the allow-list, safe to fill into a Cypher template."""
    edge_model(rel)
    return rel


def flat_properties(model: BaseModel, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A model's values as flat store properties: no None, lists sorted and de-duplicated."""
    out: dict[str, Any] = {}
    for name, value in model.model_dump(mode="json").items():
        if name in skip or value is None or value == []:
            continue
        if isinstance(value, list):
            value = sorted(set(value), key=lambda v: (str(type(v)), v))
        elif isinstance(value, dict):
            raise SchemaError(f"property {name!r} is a mapping; store it as JSON text")
        out[name] = value
    return out
