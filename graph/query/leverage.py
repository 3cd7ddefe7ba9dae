"""Shared leverage: the entities upstream of two or more of a set of buyers (docs/QUERY.md "Shared leverage").

One tiered search per selected buyer over the compiled index (the same kernel, mask and group rule as
every traversal; a few milliseconds for all demo buyers), counted per reached entity; spend from one
search per contract or spend link (memoised: a brand many buyers pay is searched once); evidence from
the findings that apply to each shared entity itself (findings.attach at tier 0). Both stores answer
from their whole compiled graph (``source.full_index``), so they give the same ranking.

Access as everywhere: the arc mask keeps access-restricted material out of reach and counts nothing of
it; licence-restricted buyers, findings and the entities shared only through licence-restricted links
are counted in ``withheld``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from tierwatch.graph.errors import QueryError
from tierwatch.graph.query.arcs import MICRO
from tierwatch.graph.query.findings import RULES, attach
from tierwatch.graph.query.index import GraphIndex
from tierwatch.graph.query.leverage_models import (
    LeverageEvidence,
    LeveragePath,
    LeverageResult,
    LeverageRow,
    SpendTotal,
)
from tierwatch.graph.query.models import Withheld
from tierwatch.graph.query.remedies import with_remedies
from tierwatch.graph.query.results import conf_of_cost, entity_ref, finding_ref, path_model, with_note
from tierwatch.graph.query.service import (
    Page,
    TraversalFilter,
    Viewer,
    check_choice,
    check_countries,
    check_tiers,
)
from tierwatch.graph.query.traverse import arc_mask, search

#: what a leverage answer reports unless ``entity_types`` says otherwise: the places where work happens
#: (buyers, contracts, places, commodities and evidence nodes are the chain's frame, not workplaces)
NOT_REPORTED = (
    "PublicBuyer",
    "Contract",
    "Commodity",
    "Country",
    "Region",
    "OriginCategory",
    "RiskFinding",
    "Remedy",
    "Indicator",
    "Source",
)
MAX_PATHS = 20  # paths per row
MAX_EVIDENCE = 20  # findings per row
INF = np.iinfo(np.int64).max


class BuyerSelection:
    """Which buyers: explicit ids, a country, a kind of buyer, or all (exactly one)."""

    def __init__(
        self,
        buyers: Iterable[str] = (),
        country: str | None = None,
        kind: str | None = None,
        all_buyers: bool = False,
    ) -> None:
        self.buyers = tuple(dict.fromkeys(b.strip() for b in buyers if b.strip()))
        self.country = country.upper() if country else None
        self.kind = kind.strip() if kind else None
        self.all = all_buyers
        chosen = sum((bool(self.buyers), bool(self.country), bool(self.kind), self.all))
        if chosen != 1:
            raise QueryError("choose the buyers one way: buyers (ids), country, kind or all")
        if self.country:
            check_countries((self.country,))
        if len(self.buyers) > 2000:
            raise QueryError("buyers: at most 2000 ids (use country, kind or all for more)")

    def describe(self) -> str:
        if self.buyers:
            return f"buyers {','.join(self.buyers)}"
        if self.country:
            return f"country {self.country}"
        if self.kind:
            return f"kind {self.kind}"
        return "all buyers"


def _visible(ix: GraphIndex, v: int, viewer: Viewer) -> bool:
    return (viewer.sees_restricted_access or not ix.node_hidden[v]) and (
        viewer.sees_restricted_licence or not ix.node_lic[v]
    )


def select_buyers(ix: GraphIndex, sel: BuyerSelection, viewer: Viewer) -> tuple[np.ndarray, int]:
    """(buyer nodes this viewer may see, in id order; licence-restricted buyers left out). An explicit id
    that is missing or hidden is ``NotFoundError`` (the one message); one that is no buyer, ``QueryError``."""
    from tierwatch.graph.query.engine_service import not_found

    code = ix.type_code("PublicBuyer")
    if sel.buyers:
        out = []
        for b in sel.buyers:
            v = ix.pos.get(b)
            if v is None or not _visible(ix, v, viewer):
                raise not_found(b)
            if ix.ntype[v] != code:
                raise QueryError(f"buyers: {b!r} is a {ix.nodes[v]['type']}, not a public buyer")
            out.append(v)
        return np.array(sorted(out), dtype=np.int64), 0
    cands = np.flatnonzero(ix.ntype == code)
    if sel.country:
        cands = np.array([v for v in cands if ix.nodes[int(v)].get("country") == sel.country], dtype=np.int64)
    if sel.kind:
        kinds = {str(ix.nodes[int(v)].get("kind")) for v in cands if ix.nodes[int(v)].get("kind")}
        wanted = sel.kind.lower()
        match = {k for k in kinds if k.lower() == wanted}
        if not match:
            check_choice("buyer kind", [sel.kind], kinds)
        cands = np.array([v for v in cands if ix.nodes[int(v)].get("kind") in match], dtype=np.int64)
    if not viewer.sees_restricted_access:
        cands = cands[~ix.node_hidden[cands]]  # never counted
    withheld = 0
    if not viewer.sees_restricted_licence:
        withheld = int(ix.node_lic[cands].sum())
        cands = cands[~ix.node_lic[cands]]
    return cands.astype(np.int64), withheld


def reported_mask(ix: GraphIndex, filters: TraversalFilter) -> np.ndarray:
    """Which nodes a row may be about (types, countries of the filters; the default types otherwise)."""
    types = filters.entity_types or tuple(t for t in ix.type_names if t not in NOT_REPORTED)
    ok = np.isin(ix.ntype, [ix.type_code(t) for t in types])
    if filters.countries:
        wanted = set(filters.countries)
        ok &= np.fromiter(
            (d.get("country") in wanted or d.get("iso2") in wanted for d in ix.nodes), dtype=bool, count=ix.n
        )
    return ok


class _Counts:
    """Per node: how many buyers reach it, the best cost and fewest links from any; per buyer its reach."""

    def __init__(self, ix: GraphIndex, buyers: np.ndarray, tiers: int, mask: np.ndarray, ok: np.ndarray):
        self.count = np.zeros(ix.n, dtype=np.int64)
        self.best = np.full(ix.n, INF, dtype=np.int64)
        self.tier = np.full(ix.n, 99, dtype=np.int64)
        self.reach: list[tuple[np.ndarray, np.ndarray]] = []  # per buyer: (entities, their costs)
        for b in buyers:
            r = search(ix, int(b), "upstream", tiers, mask)
            ents = r.reached[1:]
            ents = ents[ok[ents]]
            cost = r.cost[ents].copy()
            self.count[ents] += 1
            self.best[ents] = np.minimum(self.best[ents], cost)
            self.tier[ents] = np.minimum(self.tier[ents], r.tier[ents])
            self.reach.append((ents.copy(), cost))


def _amount(ix: GraphIndex, arc: int) -> tuple[float, str] | None:
    """The value a buyer's first link carries: a spend record's amount, or its contract's value."""
    e = ix.edges[int(ix.arc_edge[arc])]
    if e["type"] == "SPENDS_WITH":
        amount, currency = e.get("amount"), e.get("currency")
    elif e["type"] == "BUYER_OF":
        node = ix.nodes[int(ix.arc_to[arc])]
        amount, currency = node.get("value_amount"), node.get("value_currency")
    else:
        return None
    if amount is None or not currency:
        return None
    return float(amount), str(currency)


def _spend(
    ix: GraphIndex, buyers: np.ndarray, tiers: int, mask: np.ndarray, ok: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """currency -> (per node: summed amount, per node: buyers with an amount in it)."""
    anchor_reach: dict[int, np.ndarray] = {}
    total: dict[str, np.ndarray] = {}
    payers: dict[str, np.ndarray] = {}
    for b in buyers:
        lo, hi = int(ix.up_ptr[b]), int(ix.up_ptr[b + 1])
        mine: dict[str, list[np.ndarray]] = {}
        for arc in range(lo, hi):
            if not mask[arc]:
                continue
            value = _amount(ix, arc)
            if value is None:
                continue
            anchor = int(ix.arc_to[arc])
            if anchor not in anchor_reach:
                if tiers > 1:
                    ents = search(ix, anchor, "upstream", tiers - 1, mask).reached
                else:
                    ents = np.array([anchor], dtype=np.int64)
                anchor_reach[anchor] = ents[ok[ents]].copy()
            ents = anchor_reach[anchor]
            amount, currency = value
            if currency not in total:
                total[currency] = np.zeros(ix.n, dtype=np.float64)
                payers[currency] = np.zeros(ix.n, dtype=np.int64)
            np.add.at(total[currency], ents, amount)
            mine.setdefault(currency, []).append(ents)
        for currency, parts in mine.items():
            payers[currency][np.unique(np.concatenate(parts))] += 1
    return {c: (total[c], payers[c]) for c in sorted(total)}


def leverage(
    svc: Any,
    selection: BuyerSelection,
    viewer: Viewer,
    *,
    tiers: int = 6,
    filters: TraversalFilter = TraversalFilter(),
    min_buyers: int = 2,
    paths: int = 0,
    evidence: int = 3,
    page: Page = Page(),
) -> LeverageResult:
    """Entities upstream of ``min_buyers`` or more of the selected buyers, ranked (leverage_models.RANKING);
    ``paths``: per row, the best paths from up to that many of its buyers; ``evidence``: findings per row."""
    check_tiers(tiers)
    if not 2 <= min_buyers <= 10_000:
        raise QueryError("min_buyers must be from 2 to 10000")
    if not 0 <= paths <= MAX_PATHS:
        raise QueryError(f"paths must be from 0 to {MAX_PATHS}")
    if not 0 <= evidence <= MAX_EVIDENCE:
        raise QueryError(f"evidence must be from 0 to {MAX_EVIDENCE}")
    svc._check(filters)
    ix: GraphIndex = svc.source.full_index()
    buyers, withheld_buyers = select_buyers(ix, selection, viewer)
    mask = arc_mask(ix, filters, viewer)
    ok = reported_mask(ix, filters)
    counts = _Counts(ix, buyers, tiers, mask, ok)
    shared = np.flatnonzero(counts.count >= min_buyers)
    withheld = Withheld(nodes=withheld_buyers)
    if not viewer.sees_restricted_licence:
        opened = _Counts(ix, buyers, tiers, arc_mask(ix, filters, viewer, licence=True), ok)
        withheld.paths = int(((opened.count >= min_buyers) & (counts.count < min_buyers)).sum())

    # evidence on each shared entity itself: its findings, found the way an entity detail finds them
    hits = attach(
        ix,
        shared,
        np.zeros(ix.n, dtype=np.int64),
        lambda e: np.full(len(e), -1, dtype=np.int64),
        viewer,
        lambda e: e,
    )
    withheld.findings = hits.withheld
    strongest = np.full(ix.n, INF, dtype=np.int64)
    if len(hits):
        np.minimum.at(strongest, hits.ent, hits.cost)
    order = shared[np.lexsort((shared, strongest[shared], -counts.count[shared]))]
    window = order[page.offset : page.offset + page.limit]
    spend = _spend(ix, buyers, tiers, mask, ok) if len(window) else {}

    # per window row: its buyers by (cost, id)
    row_buyers: dict[int, list[tuple[int, int]]] = {int(v): [] for v in window}
    for b, (ents, cost) in zip(buyers, counts.reach, strict=True):
        hit = np.isin(ents, window)
        for v, c in zip(ents[hit], cost[hit], strict=True):
            row_buyers[int(v)].append((int(c), int(b)))
    for lst in row_buyers.values():
        lst.sort()
    # paths: one search per buyer that owes a path, all its rows at once (a search's workspace is large)
    path_of: dict[tuple[int, int], Any] = {}
    if paths:
        owed: dict[int, list[int]] = {}
        for v, lst in row_buyers.items():
            for _, b in lst[:paths]:
                owed.setdefault(b, []).append(v)
        for b in sorted(owed):
            r = search(ix, b, "upstream", tiers, mask)
            for v in owed[b]:
                nodes, arcs = r.path(v)
                path_of[(b, v)] = path_model(ix, nodes, arcs)

    rows = []
    for v in window:
        v = int(v)
        sel = np.flatnonzero(hits.ent == v)  # rows of hits are sorted by cost: strongest first
        cats = sorted({ix.categories[int(ix.fnd_cat[hits.fnd[i]])] for i in sel})
        rows.append(
            LeverageRow(
                entity=entity_ref(ix.nodes[v]),
                buyers=int(counts.count[v]),
                buyer_ids=[str(ix.ids[b]) for _, b in row_buyers[v]],
                min_tier=int(counts.tier[v]),
                best_confidence=conf_of_cost(int(counts.best[v])),
                spend=[
                    SpendTotal(currency=c, amount=round(float(t[v]), 2), buyers=int(p[v]))
                    for c, (t, p) in spend.items()
                    if p[v]
                ],
                risk=conf_of_cost(int(strongest[v])) if strongest[v] < INF else 0.0,
                risk_categories=cats,
                findings=len(np.unique(hits.fnd[sel])),
                evidence=[
                    LeverageEvidence(
                        finding=finding_ref(ix.nodes[int(hits.fnd[i])]),
                        rule=RULES[int(hits.rule[i])],  # type: ignore[arg-type]
                        via=str(ix.ids[int(hits.via[i])]) if hits.via[i] >= 0 else None,
                        confidence=round(float(np.exp(-int(hits.cost[i]) / MICRO)), 6),
                    )
                    for i in sel[:evidence]
                ],
                paths=[
                    LeveragePath(buyer=entity_ref(ix.nodes[b]), path=path_of[(b, v)])
                    for _, b in row_buyers[v][:paths]
                ],
            )
        )
    answer = LeverageResult(
        selection=selection.describe(),
        buyers=[entity_ref(ix.nodes[int(b)]) for b in buyers],
        buyers_reaching=sum(1 for ents, _ in counts.reach if len(ents)),
        max_tiers=tiers,
        min_buyers=min_buyers,
        as_of=filters.as_of,
        include_candidates=filters.include_candidates,
        rows=rows,
        total=len(order),
        offset=page.offset,
        more=max(0, len(order) - page.offset - len(window)),
        withheld=with_note(withheld),
    )
    return with_remedies(answer, svc.source, viewer)
