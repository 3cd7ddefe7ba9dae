"""Result models of a shared-leverage answer (graph/query/leverage.py; docs/QUERY.md "Shared leverage")."""

from __future__ import annotations

from pydantic import Field
from tierwatch.graph.query.models import EntityRef, FindingRef, FindingRule, Path, Withheld, _Model

RANKING = (
    "rows: entities upstream of at least min_buyers of the selected buyers (within max_tiers chain links), "
    "ranked by how many of them reach it, then by the strongest risk evidence on it (the confidence of "
    "the best finding that applies to it directly or through where it is), then by id"
)
SPEND_NOTE = (
    "spend: per currency, the contract values and spend records (every fiscal year) of each buyer "
    "whose contract or spend link leads to the entity within the tier bound; where a source gives no "
    "value the buyer is counted among buyers but not in spend (a lower bound, never an estimate)"
)


class SpendTotal(_Model):
    currency: str
    amount: float  # the sum over buyers, as the sources give it (not converted)
    buyers: int  # buyers with a known value in this currency behind the entity


class LeverageEvidence(_Model):
    """A finding that applies to the shared entity itself (tier 0), with the rule that matched."""

    finding: FindingRef
    rule: FindingRule
    via: str | None = None  # the country or region node a place rule went through
    confidence: float  # the finding's own confidence


class LeveragePath(_Model):
    buyer: EntityRef
    path: Path  # the buyer's best path to the entity (nodes[0] is the buyer)


class LeverageRow(_Model):
    entity: EntityRef
    buyers: int  # selected buyers that reach it
    buyer_ids: list[str]  # those buyers, best path first (cost, then id)
    min_tier: int  # fewest chain links from any of them
    best_confidence: float  # of the best path from any of them
    spend: list[SpendTotal] = Field(default_factory=list)
    risk: float = 0.0  # confidence of the strongest finding on it (0: none the viewer may see)
    risk_categories: list[str] = Field(default_factory=list)
    findings: int = 0  # distinct findings that apply to it
    evidence: list[LeverageEvidence] = Field(default_factory=list)  # strongest first, limited
    paths: list[LeveragePath] = Field(default_factory=list)  # on request, best buyers first


class LeverageResult(_Model):
    selection: str  # "country CA", "kind federal department", "buyers a,b", "all buyers"
    buyers: list[EntityRef]  # the selected buyers this viewer may see
    buyers_reaching: int  # of them, those with at least one reported entity upstream
    max_tiers: int
    min_buyers: int
    as_of: str | None = None
    include_candidates: bool = False
    rows: list[LeverageRow]
    total: int
    offset: int
    more: int
    ranking: str = RANKING
    spend_note: str = SPEND_NOTE
    withheld: Withheld = Field(default_factory=Withheld)
