"""Result models of the query layer (pydantic): what the API returns and the explorer draws.

Every answer that lists things lists them in one deterministic order (cost, then the ids of the
path behind each item), says how many more there are (``total`` / ``more``), and says how many
licence-restricted elements were withheld from this viewer (``withheld``). Access-restricted
evidence is never mentioned, not even in counts. See docs/QUERY.md for the semantics.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: what an answer says where licence-restricted material was withheld from this viewer (API, CLI, explorer)
ACCESS_HINT = "ask the operator of this service for an analyst key to see licence-restricted sources"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class EntityRef(_Model):
    """A node as a short reference: enough to label it and link to its detail."""

    id: str
    type: str
    name: str | None = None
    country: str | None = None


class ProvenanceEntry(_Model):
    """One source entry of an element (a row of a dataset version)."""

    dataset: str
    version: str
    file: str
    locator: str
    confidence: float
    method: str
    licence_class: str
    ended: str | None = None


class Link(_Model):
    """One edge as followed by a traversal, oriented as stored (``src`` -> ``dst``)."""

    id: str
    type: str
    src: str
    dst: str
    confidence: float
    methods: list[str] = Field(default_factory=list)
    datasets: list[str] = Field(default_factory=list)
    licence_class: str = "open"
    retired: bool = False
    status: str | None = None  # SUPPLIES status: declared, confirmed, reported
    commodity: str | None = None
    candidate: bool = False  # an unconfirmed candidate link, followed only on request
    # the period the source gives for the link (ISO dates; spend: its fiscal year, April to March)
    period_start: str | None = None
    period_end: str | None = None
    fiscal_year: str | None = None


class Path(_Model):
    """A path from the query's root: ``nodes[0]`` is the root, ``links[i]`` joins nodes i and i+1.

    ``confidence`` is the product of the links' confidences; ``cost`` = sum of -ln(confidence)
    (as computed: integer micro-nats / 10^6, so both stores agree to the bit).
    """

    nodes: list[str]
    links: list[Link]
    confidence: float
    cost: float
    has_candidates: bool = False
    # time along the path (links with a known period only; docs/QUERY.md "Time along a path")
    periods_overlap: bool | None = None  # None: fewer than two links have a period
    period_gap_days: int = 0  # days between the earliest-ending and the latest-starting link
    period_note: str | None = None  # "2017-2018 spend joined to 2025 supply (6 years apart)"


class Withheld(_Model):
    """Licence-restricted elements left out for this viewer (access-restricted ones are never counted).

    ``paths``: paths (paths answers: of the k best with the licence opened) or reached entities
    (traversals) that only licence-restricted links or entities lead to; ``note`` says it in words with
    how to get access (``ACCESS_HINT``), set whenever something was withheld."""

    nodes: int = 0
    links: int = 0
    findings: int = 0
    paths: int = 0
    note: str | None = None

    @property
    def total(self) -> int:
        return self.nodes + self.links + self.findings


class SearchHit(_Model):
    entity: EntityRef
    score: float  # 0..100, the shared ranking (docs/QUERY.md "Search")
    matched_field: Literal["identifier", "id", "name", "alias"]
    matched_text: str


class SearchResult(_Model):
    query: str
    hits: list[SearchHit]
    total: int
    offset: int
    more: int
    withheld: Withheld = Field(default_factory=Withheld)


class RemedyRef(_Model):
    """A remedy record of a finding (graph/schema.py ``Remedy``), as shown to a viewer that may see it."""

    id: str
    status: str  # reported, acknowledged, in_remedy, remedied, disputed, not_remedied
    date: str | None = None
    started: str | None = None
    provided_by: str | None = None
    verified_by: str | None = None  # None: not verified
    evidence: str
    source_ref: str | None = None
    reported_by: str | None = None
    access: str = "restricted"
    licence_class: str = "open"
    confidence: float
    datasets: list[str] = Field(default_factory=list)


class FindingRef(_Model):
    """A risk finding as shown to a viewer that may see it."""

    id: str
    category: str
    scope_kind: str
    scope_entity: str | None = None
    scope_country: str | None = None
    scope_region: str | None = None
    scope_commodity: str | None = None
    evidence: str
    access: str = "public"
    confidence: float
    date: str | None = None
    severity: str | None = None
    list_name: str | None = None
    reported_by: str | None = None
    licence_class: str = "open"
    datasets: list[str] = Field(default_factory=list)
    provenance: list[ProvenanceEntry] = Field(default_factory=list)
    # remedy records (graph/query/remedies.py): oldest first; the status of the latest; how many
    # licence-restricted records were withheld from this viewer
    remedies: list[RemedyRef] = Field(default_factory=list)
    remedy_status: str | None = None
    remedies_withheld: int = 0


FindingRule = Literal["direct", "region", "country", "country_commodity", "origin_country"]


class FindingHit(_Model):
    """A finding that applies to a reached entity, with the rule that matched and the path to it.

    ``confidence`` = path confidence x finding confidence; ``cost`` likewise in -ln space.
    """

    finding: FindingRef
    entity: EntityRef
    rule: FindingRule
    via: str | None = None  # the country or region node the rule went through
    commodity: str | None = None  # the commodity that made a commodity-scoped finding apply
    tier: int
    confidence: float
    cost: float
    path: Path


class EntityDetail(_Model):
    entity: EntityRef
    properties: dict[str, Any]
    identifiers: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    confidence: float
    methods: list[str] = Field(default_factory=list)
    datasets: list[str] = Field(default_factory=list)
    licence_class: str = "open"
    retired: bool = False
    provenance: list[ProvenanceEntry] = Field(default_factory=list)
    findings: list[FindingHit] = Field(default_factory=list)  # tier 0 hits (direct, region, country)
    links: dict[str, int] = Field(default_factory=dict)  # visible edge counts by "TYPE>" / "<TYPE"
    withheld: Withheld = Field(default_factory=Withheld)


class TraversalHit(_Model):
    entity: EntityRef
    tier: int  # fewest chain links from the root
    confidence: float  # of the best path
    path: Path  # the best path (lowest cost within the hop bound; ties by ids)


class TraversalResult(_Model):
    root: EntityRef
    direction: Literal["upstream", "downstream"]
    max_tiers: int
    hits: list[TraversalHit]
    total: int
    offset: int
    more: int  # "and N more"
    by_tier: dict[int, int] = Field(default_factory=dict)  # reached entities per tier (after filters)
    withheld: Withheld = Field(default_factory=Withheld)


class CategoryExposure(_Model):
    """One risk category of an exposure answer. ``score`` is from the evidence this viewer may see;
    ``withheld_findings`` / ``withheld_entities`` say how much licence-restricted evidence (or evidence
    reached only through licence-restricted links) was left out of it, and ``note`` says so in words."""

    category: str
    score: float  # noisy-OR of the best hit per finding: 1 - prod(1 - c), visible evidence only
    formula: str
    findings: int  # distinct findings that apply
    entities: int  # distinct reached entities with a hit
    min_tier: int | None = None
    hits: list[FindingHit]  # best hit per (finding, entity), ordered by cost then path ids; paged
    more: int = 0
    withheld_findings: int = 0  # findings that apply only with the licence opened
    withheld_entities: int = 0  # entities with a hit only with the licence opened
    note: str | None = None  # "0.0 from public evidence; 37 findings on 12 entities withheld ..."
    # measures that do not saturate (graph/query/scores.py, docs/QUERY.md "Scores that discriminate")
    strongest: float = 0.0  # the best single hit: path confidence x finding confidence
    bands: dict[str, int] = Field(default_factory=dict)  # hits (finding x entity) per confidence band
    by_tier: dict[int, int] = Field(default_factory=dict)  # hits per tier of the entity they apply to


#: why a chain step is not mapped (docs/QUERY.md "Known unknowns"; graph/query/unknowns.py)
UnknownReason = Literal[
    "no_data_loaded", "not_disclosed", "declared_none", "not_applicable", "withheld_for_viewer"
]


class CoverageStep(_Model):
    """One step of a contract category's expected chain and what the graph maps of it."""

    step: str  # "brand", "assembler", "component maker", "smelter or refiner", "mine" ...
    # withheld: nothing visible, but licence-restricted links or entities map this step
    status: Literal["mapped", "country_only", "candidate_only", "withheld", "unknown"]
    entities: int = 0
    withheld: int = 0  # entities at this step reached only through licence-restricted material
    examples: list[EntityRef] = Field(default_factory=list)  # up to 5, by cost then ids
    best_confidence: float | None = None
    methods: list[str] = Field(default_factory=list)
    datasets: list[str] = Field(default_factory=list)
    reason: UnknownReason | None = None  # why the step is not mapped (None when it is)
    next_request: str | None = None  # the concrete request the gap implies ("ask Dell for a CMRT ...")


class ChainCoverage(_Model):
    """Coverage of one brand (or supplier) reached from the root, against an expected chain."""

    anchor: EntityRef  # the brand or awarded company the chain starts at (or the root itself)
    chain: Literal["ict", "vehicles"]
    chain_source: Literal["contract_category", "inferred"]
    steps: list[CoverageStep]
    unknown_steps: list[str]
    withheld_steps: list[str] = Field(default_factory=list)  # mapped only in licence-restricted data
    note: str  # plain words: "no supplier data for Dell Technologies beyond the brand"


class StepShare(_Model):
    """One chain step of the coverage headline: how much of the buyer's purchases reach it mapped."""

    step: str  # position label: "brand", "assembler / pack or cell maker", ..., "mine"
    units_mapped: int  # contracts and spend lines with at least one brand mapped at this step
    units_withheld: int = 0  # ... mapped only in licence-restricted data (for this viewer)
    share_units: float  # units_mapped / units
    share_spend: float | None = None  # spend (value) of those units / spend of all units, where known


class CoverageHeadline(_Model):
    """What an exposure answer opens with: the share of the root's contracts and spend lines (and of
    their value, where known) mapped to each chain step (docs/QUERY.md "Coverage as a headline")."""

    units: int  # contracts and spend lines (one per vendor) of the buyer; a contract root: 1
    contracts: int
    spend_lines: int
    not_goods: int = 0  # services or works: no supply chain expected
    not_assessed: int = 0  # units whose brands are beyond the 20 anchors coverage looks at
    spend_total: float | None = None  # total value of the units with a known amount (one currency)
    currency: str | None = None
    steps: list[StepShare] = Field(default_factory=list)
    text: str = ""  # the headline in words
    datasets: list[str] = Field(default_factory=list)  # of the contract, award and spend links counted


class Coverage(_Model):
    chains: list[ChainCoverage]
    notes: list[str]  # plain words on what is unmapped: "tender stage: no supplier awarded yet"
    more: int = 0
    headline: CoverageHeadline | None = None


class Contribution(_Model):
    """What one brand (or awarded supplier) of the root brings to its exposure: where to act first."""

    rank: int
    anchor: EntityRef
    strongest: float  # best single hit through it (path confidence x finding confidence)
    strongest_category: str | None = None
    categories: dict[str, float] = Field(default_factory=dict)  # strongest hit per category
    findings: int = 0  # distinct findings whose best hit runs through it
    hits: int = 0  # (finding, entity) hits whose best path runs through it
    unknown_steps: list[str] = Field(default_factory=list)  # from its chain coverage


class ExposureResult(_Model):
    root: EntityRef
    max_tiers: int
    as_of: str | None = None
    include_candidates: bool = False
    reached: int  # entities reached upstream
    categories: list[CategoryExposure]
    aggregate: float = Field(
        description=(
            "Exposure aggregate: the likelihood that at least one reached finding holds, "
            "1 - prod over categories (1 - score), over every finding the viewer may see in the chain. "
            "It grows with the size of the chain; it is NOT the entity risk score of /risk "
            "(RiskScore.score: the worst single upstream source, decayed per link). docs/QUERY.md "
            '"Two measures".'
        )
    )
    aggregate_formula: str
    measure: Literal["exposure_any_finding"] = "exposure_any_finding"
    strongest: float = 0.0  # the best single hit over all categories (docs/QUERY.md "Scores ...")
    strongest_formula: str = ""
    contributors: list[Contribution] = Field(default_factory=list)  # brands ranked: where to act first
    contributors_more: int = 0  # brands past the first 20
    coverage: Coverage
    withheld: Withheld = Field(default_factory=Withheld)


class PathsResult(_Model):
    src: EntityRef
    dst: EntityRef
    direction: Literal["upstream", "downstream", "none"]
    paths: list[Path]
    max_hops: int
    k: int
    withheld: Withheld = Field(default_factory=Withheld)  # paths: of the k best with the licence opened


class RiskContribution(_Model):
    """Where one part of a risk score comes from."""

    kind: Literal["finding", "indicator"]
    source: EntityRef  # the entity whose own risk it is
    finding: FindingRef | None = None
    indicator: str | None = None  # "wgi:..." or "ituc:..." id
    indicator_value: str | None = None
    rule: str  # the matching rule: direct, country, country_commodity, indicator
    weight: float  # its contribution to the source's own risk


class RiskScore(_Model):
    """Risk of one entity: its own and the one inherited from upstream (see docs/QUERY.md)."""

    entity: EntityRef
    own: float
    inherited: float
    score: float = Field(
        description=(
            "Entity risk: max(own, inherited), the worst single source upstream (own risk x 0.8 x link "
            "confidence per link). NOT the exposure aggregate of /exposure (the likelihood that any "
            'reached finding holds). docs/QUERY.md "Two measures".'
        )
    )
    formula: str
    measure: Literal["risk_worst_source"] = "risk_worst_source"
    source: EntityRef | None = None  # the upstream entity the inherited part comes from
    path: Path | None = None  # the best path from the entity up to that source
    contributions: list[RiskContribution] = Field(default_factory=list)  # of the deciding entity
    passes: int = 0  # propagation passes the whole-graph run took
    withheld: Withheld = Field(default_factory=Withheld)


class RankedRisk(_Model):
    entity: EntityRef
    own: float
    score: float = Field(description="Entity risk (RiskScore.score): worst single upstream source")


class RiskRanking(_Model):
    items: list[RankedRisk]
    total: int
    offset: int
    more: int
    passes: int


class Subgraph(_Model):
    """An export of the neighbourhood of an entity: stored elements, as the viewer may see them."""

    root: str
    hops: int
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    truncated: bool = False
    withheld: Withheld = Field(default_factory=Withheld)
