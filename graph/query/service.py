"""The query layer's contract: one ``QueryService`` per store, the ``Viewer`` access model, filters.

The API, the explorer, the CLI and exports all go through a ``QueryService``; access
restrictions are enforced here, so they all inherit them:

- evidence with access level ``restricted`` (RiskFinding.access) is seen only by a viewer with
  ``sees_restricted_access``; for anyone else it does not exist (not in bodies, counts, paths,
  exports or error texts: an id visible only through it is ``NotFoundError``, same message as a
  missing id);
- facts from datasets of licence class ``restricted`` (element ``licence_class``) are seen only
  by a viewer with ``sees_restricted_licence``; answers count what was withheld.

Both stores are compiled into the same CSR index (embedded: from SQLite; Neo4j: from the chain
skeleton streamed once and patched from its change record), and the same Python code runs on
it, so they give the same answers (tests/query/).

Usage::

    svc = open_query_service(get_settings())          # the configured store
    svc.refresh()                                     # reload if an ingest finished meanwhile
    svc.exposure("ca-buyer:rcmp", Viewer.public())
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from datetime import date
from typing import Any, Literal, Protocol, runtime_checkable

import pycountry
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from tierwatch.graph.errors import QueryError
from tierwatch.graph.query.models import (
    EntityDetail,
    ExposureResult,
    PathsResult,
    RiskRanking,
    RiskScore,
    SearchResult,
    Subgraph,
    TraversalResult,
)
from tierwatch.graph.schema import NODE_TYPES, RiskCategory
from tierwatch.graph.settings import Settings

MAX_TIERS = 8
MAX_PAGE = 1000


class Viewer(BaseModel):
    """Who is asking. Two switches decide what restricted material they see."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["public", "analyst"] = "public"
    sees_restricted_access: bool = False  # RiskFinding.access == "restricted"
    sees_restricted_licence: bool = False  # elements with licence_class == "restricted"

    @classmethod
    def public(cls, open_licence: bool = False) -> Viewer:
        """A public viewer; ``open_licence`` when the operator opens licence-restricted facts to all."""
        return cls(role="public", sees_restricted_access=False, sees_restricted_licence=open_licence)

    @classmethod
    def analyst(cls) -> Viewer:
        return cls(role="analyst", sees_restricted_access=True, sees_restricted_licence=True)

    @property
    def key(self) -> tuple[bool, bool]:
        return (self.sees_restricted_access, self.sees_restricted_licence)


class TraversalFilter(BaseModel):
    """Filters of traversals, exposure and paths (docs/QUERY.md "Filters").

    - ``commodities``: a SUPPLIES link that names a commodity is followed only when it is one of
      these or a form/parent of one (links without a commodity are followed);
    - ``min_confidence``: links below it are not followed;
    - ``as_of``: ISO date; links whose period does not cover it are not followed; retired links
      are followed only when ``as_of`` is before their end;
    - ``require_overlap`` (needs ``as_of``): supply and spend links are followed only when their
      period is known (and covers ``as_of``), so the dated links of every path overlap in time;
    - ``include_candidates``: follow candidate links (SAME_AS_CANDIDATE, OWNERSHIP_CANDIDATE,
      SPENDS_WITH with candidate=true), labelled ``candidate`` in every path;
    - ``countries``, ``entity_types``: which reached entities are *reported* (traversal goes
      through others, so a chain is not cut by a country filter).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    commodities: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    entity_types: tuple[str, ...] = ()
    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    as_of: str | None = None
    require_overlap: bool = False
    include_candidates: bool = False

    @field_validator("as_of")
    @classmethod
    def _iso(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError("as_of must be an ISO date (YYYY-MM-DD)") from None
        return value

    @model_validator(mode="after")
    def _overlap_needs_as_of(self) -> TraversalFilter:
        if self.require_overlap and not self.as_of:
            raise ValueError("require_overlap needs as_of (the day every dated link must hold on)")
        return self

    @field_validator("commodities")
    @classmethod
    def _commodity_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({v if v.startswith("commodity:") else f"commodity:{v.lower()}" for v in value}))

    @field_validator("countries")
    @classmethod
    def _iso2(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({v.upper() for v in value}))


class Page(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)


# -- parameter validation: one place for the API, the CLI, the explorer and exports --------------
#
# Every unknown value (category, commodity, country, entity type, export format) is refused with a
# ``QueryError`` that names the parameter and the allowed values; the API answers it with 422
# (api/errors.py), the CLI with exit code 2 (tierwatch/cli/__init__.py).

ENTITY_TYPES: tuple[str, ...] = tuple(NODE_TYPES)
RISK_CATEGORIES: tuple[str, ...] = tuple(c.value for c in RiskCategory)
COUNTRY_CODES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries)


def check_choice(parameter: str, values: Iterable[str], allowed: Collection[str]) -> None:
    """Refuse values not in ``allowed``: the message names the parameter, the unknown values, close
    matches and every allowed value."""
    unknown = [v for v in values if v not in allowed]
    if not unknown:
        return
    close = sorted({m for v in unknown for m in difflib.get_close_matches(v, list(allowed), n=3, cutoff=0.6)})
    message = f"unknown {parameter} {', '.join(repr(v) for v in unknown)}"
    if close:
        message += f" (did you mean {', '.join(close)}?)"
    raise QueryError(f"{message}; use one of: {', '.join(sorted(allowed))}")


def check_types(types: Iterable[str]) -> tuple[str, ...]:
    types = tuple(types)
    check_choice("entity type", types, ENTITY_TYPES)
    return types


def check_categories(categories: Iterable[str]) -> tuple[str, ...]:
    categories = tuple(categories)
    check_choice("risk category", categories, RISK_CATEGORIES)
    return categories


def check_countries(codes: Iterable[str]) -> tuple[str, ...]:
    codes = tuple(codes)
    bad = [c for c in codes if c.upper() not in COUNTRY_CODES]
    if bad:
        raise QueryError(
            f"unknown country {', '.join(repr(c) for c in bad)}: use an ISO 3166-1 alpha-2 code "
            "(two letters, e.g. CD, CN, GB, US)"
        )
    return codes


def check_commodities(commodities: Iterable[str], known: Collection[str]) -> None:
    """``commodities``: ids (``commodity:tin``) as ``TraversalFilter`` holds them; ``known``: the ids
    in the graph. The message lists every known name (without the ``commodity:`` prefix)."""
    short = {k.removeprefix("commodity:") for k in known}
    wanted = [c.removeprefix("commodity:") for c in commodities]
    check_choice("commodity", wanted, short)


def make_filter(
    *,
    commodities: Iterable[str] = (),
    countries: Iterable[str] = (),
    entity_types: Iterable[str] = (),
    min_confidence: float = 0.0,
    as_of: str | None = None,
    include_candidates: bool = False,
    require_overlap: bool = False,
) -> TraversalFilter:
    """A ``TraversalFilter`` from user input, or a ``QueryError`` naming what is wrong (countries and
    types are checked here; commodities need the graph: ``QueryService`` checks them)."""
    try:
        return TraversalFilter(
            commodities=tuple(commodities),
            countries=check_countries(countries),
            entity_types=check_types(entity_types),
            min_confidence=min_confidence,
            as_of=as_of,
            include_candidates=include_candidates,
            require_overlap=require_overlap,
        )
    except ValidationError as exc:
        raise QueryError("; ".join(_message(e) for e in exc.errors())) from None


def _message(error: Any) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()))
    text = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {text}" if where and where not in text else text


def check_tiers(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_TIERS:
        raise QueryError(f"tiers must be an integer from 1 to {MAX_TIERS}")
    return n


@runtime_checkable
class QueryService(Protocol):
    """Every query, for one store. All methods raise ``NotFoundError`` for ids the viewer cannot see
    and ``QueryError`` for out-of-bounds parameters."""

    backend: str

    @property
    def generation(self) -> str:
        """Identifies the graph version the answers come from; changes when an ingest finishes."""

    def refresh(self) -> bool:
        """Reload when the store changed since the last answer (True if it did). Cheap; call per request."""

    def search(
        self,
        text: str,
        viewer: Viewer,
        *,
        types: tuple[str, ...] = (),
        country: str | None = None,
        page: Page = Page(),
    ) -> SearchResult:
        """Entities by name or alias (case-, accent-insensitive, fuzzy), by identifier ("scheme:value")
        or id; optionally only some types / one country. Ranked by the shared score, then id."""

    def entity(self, entity_id: str, viewer: Viewer) -> EntityDetail:
        """Properties, identifiers, aliases, provenance and the findings that apply to it (tier 0)."""

    def upstream(
        self,
        entity_id: str,
        viewer: Viewer,
        *,
        tiers: int = 3,
        filters: TraversalFilter = TraversalFilter(),
        page: Page = Page(),
    ) -> TraversalResult:
        """Who supplies it, up to ``tiers`` links (<= 8), best path per entity; ordered by cost, path ids."""

    def downstream(
        self,
        entity_id: str,
        viewer: Viewer,
        *,
        tiers: int = 3,
        filters: TraversalFilter = TraversalFilter(),
        page: Page = Page(),
    ) -> TraversalResult:
        """Who it supplies (the reverse of upstream)."""

    def exposure(
        self,
        entity_id: str,
        viewer: Viewer,
        *,
        tiers: int = 6,
        filters: TraversalFilter = TraversalFilter(),
        categories: tuple[str, ...] = (),
        hits_per_category: int = 20,
        coverage: bool = True,
    ) -> ExposureResult:
        """Risk categories reached upstream of a buyer or contract (any entity works), with paths,
        evidence, confidence, an aggregate with its formula, and coverage of the expected chains
        (``coverage=False`` skips the per-anchor coverage searches: ``coverage.chains`` is then empty)."""

    def paths(
        self,
        src: str,
        dst: str,
        viewer: Viewer,
        *,
        k: int = 3,
        max_hops: int = 6,
        filters: TraversalFilter = TraversalFilter(),
    ) -> PathsResult:
        """Up to ``k`` cheapest simple chain paths between two entities (upstream from ``src`` first,
        else downstream), ordered by cost then ids."""

    def risk(self, entity_id: str, viewer: Viewer) -> RiskScore:
        """Own and inherited risk of an entity, with the path and evidence it comes from."""

    def risk_ranking(
        self, viewer: Viewer, *, types: tuple[str, ...] = (), page: Page = Page()
    ) -> RiskRanking:
        """Entities by propagated risk score (desc), then id."""

    def subgraph(
        self, entity_id: str, viewer: Viewer, *, hops: int = 2, max_elements: int = 5000
    ) -> Subgraph:
        """Stored nodes and edges within ``hops`` links (any type, both directions) for export."""

    def close(self) -> None: ...


def open_query_service(settings: Settings, backend: str | None = None) -> QueryService:
    """The query service for the configured store (``TIERWATCH_STORE``) or the one named."""
    from tierwatch.graph.query.engine_service import StoreQueryService
    from tierwatch.graph.store import open_store

    # Neo4j reads carry the API's limit as their transaction timeout: the server stops them too
    store = open_store(settings, backend, query_timeout_s=settings.api_query_timeout_s)
    return StoreQueryService(store)
