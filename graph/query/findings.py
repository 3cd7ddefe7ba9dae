"""Which findings apply to reached entities, and by which rule (vectorised over the reached set).

Rules (docs/QUERY.md "Findings"):
- ``direct``: a finding CONCERNS the entity itself;
- ``region`` / ``country``: a finding CONCERNS the entity's region or country (its LOCATED_IN
  edges or its ``country``/``region`` property; a region's country counts too). A finding with a
  ``scope_commodity`` C (``country_commodity``) applies only when the entity deals in C or a
  form/parent of C (its ``commodities``/``metal``), or the link that reached it carries one;
- ``origin_country``: a Country, Region or origin category reached as a supply origin gets its own
  findings, commodity-scoped ones only for the commodity of the link that reached it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from tierwatch.graph.query.index import GraphIndex, gather
from tierwatch.graph.query.service import Viewer

RULES = ("direct", "region", "country", "country_commodity", "origin_country")
R_DIRECT, R_REGION, R_COUNTRY, R_COUNTRY_COMM, R_ORIGIN = range(5)
ORIGIN_TYPES = ("Country", "Region", "OriginCategory")
#: rules that come from where an entity is (not from what it does or is reported for)
PLACE_RULES = (R_REGION, R_COUNTRY, R_COUNTRY_COMM)
#: entities that buy and do not produce: their own place (its findings and indicators) is not risk of
#: what they buy (docs/QUERY.md "A buyer's own place")
BUYER_TYPES = ("PublicBuyer", "Contract")


@dataclass
class Hits:
    """Parallel arrays, one row per (entity, finding), best rule kept; sorted in the one order."""

    ent: np.ndarray
    fnd: np.ndarray
    rule: np.ndarray
    via: np.ndarray  # location node or -1
    comm: np.ndarray  # commodity code that made a scoped finding apply, or -1
    cost: np.ndarray  # entity path cost + finding cost
    withheld: int  # distinct licence-restricted findings that would have applied

    def __len__(self) -> int:
        return len(self.ent)

    def take(self, sel: np.ndarray) -> Hits:
        return Hits(
            self.ent[sel],
            self.fnd[sel],
            self.rule[sel],
            self.via[sel],
            self.comm[sel],
            self.cost[sel],
            self.withheld,
        )


def without_buyer_place(ix: GraphIndex, hits: Hits) -> Hits:
    """``hits`` less those that reach a buyer or contract only through where it is."""
    codes = [ix.type_code(t) for t in BUYER_TYPES if ix.type_code(t) >= 0]
    if not len(hits) or not codes:
        return hits
    drop = np.isin(ix.ntype[hits.ent], codes) & np.isin(hits.rule, PLACE_RULES)
    return hits.take(~drop) if drop.any() else hits


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def _commodity_match(
    ix: GraphIndex, ent: np.ndarray, fcomm: np.ndarray, reach_comm: np.ndarray
) -> np.ndarray:
    """Per row: the commodity code that relates the entity (or its reaching link) to the finding's, or -1."""
    out = np.full(len(ent), -1, dtype=np.int64)
    scoped = fcomm >= 0
    via_link = scoped & (reach_comm >= 0)
    if via_link.any():
        ok = np.zeros(len(ent), dtype=bool)
        ok[via_link] = ix.related[fcomm[via_link], reach_comm[via_link]]
        out[ok] = reach_comm[ok]
    rows = np.flatnonzero(scoped & (out < 0))
    if len(rows):
        pos, owner = gather(ix.node_comm_ptr, ent[rows])
        if len(pos):
            comm = ix.node_comm[pos].astype(np.int64)
            good = ix.related[fcomm[rows][owner], comm]
            # the smallest matching code per row (codes follow id order)
            cand = np.where(good, comm, np.iinfo(np.int64).max)
            best = np.full(len(rows), np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(best, owner, cand)
            hit = best < np.iinfo(np.int64).max
            out[rows[hit]] = best[hit]
    return out


def _with_findings(ix: GraphIndex) -> tuple[np.ndarray, np.ndarray]:
    """Per node: has findings of its own; is located where findings are (cached per index)."""
    if "with_findings" not in ix.cache:
        own = np.diff(ix.fnd_ptr) > 0
        loc_rows = own[ix.loc] if len(ix.loc) else np.zeros(0, dtype=bool)
        owner = np.repeat(np.arange(ix.n), np.diff(ix.loc_ptr))
        located = np.zeros(ix.n, dtype=bool)
        located[owner[loc_rows]] = True
        ix.cache["with_findings"] = (own, located)
    return ix.cache["with_findings"]


def attach(
    ix: GraphIndex,
    ents: np.ndarray,
    node_cost: np.ndarray,
    comm_of: Callable[[np.ndarray], np.ndarray],
    viewer: Viewer,
    order_key: Callable[[np.ndarray], np.ndarray],
    categories: tuple[str, ...] = (),
    *,
    negative: bool = False,
) -> Hits:
    """Findings applying to ``ents``, reached at ``node_cost[e]`` (indexed by node); ``comm_of(nodes)``:
    the commodity of the link that reached each node (-1 if none); ``order_key(nodes)``: sort keys of
    nodes in the one order. Rows come back sorted by (cost, entity order, finding id, rule).
    Findings of an observed absence (``index.NEGATIVE_SEVERITIES``) only with ``negative``."""
    direct_ok, located_ok = _with_findings(ix)
    parts = []
    # direct and origin findings: CONCERNS on the entity itself
    sel = np.flatnonzero(direct_ok[ents])
    pos, owner = gather(ix.fnd_ptr, ents[sel])
    owner = sel[owner]
    if len(pos):
        origin_codes = np.array(
            [ix.type_code(t) for t in ORIGIN_TYPES if ix.type_code(t) >= 0], dtype=np.int16
        )
        e = ents[owner]
        f = ix.fnd_node[pos]
        origin = np.isin(ix.ntype[e], origin_codes)
        rule = np.where(origin, R_ORIGIN, R_DIRECT)
        rc = comm_of(e)
        fc = ix.fnd_scomm[f].astype(np.int64)
        comm = np.where(origin, _commodity_match(ix, e, np.where(origin, fc, -1), rc), -1)
        ok = ~origin | (fc < 0) | (comm >= 0)
        parts.append((e[ok], f[ok], rule[ok], np.full(int(ok.sum()), -1), comm[ok], owner[ok]))
    # location findings
    sel = np.flatnonzero(located_ok[ents])
    lpos, lowner = gather(ix.loc_ptr, ents[sel])
    lowner = sel[lowner]
    if len(lpos):
        loc = ix.loc[lpos]
        fpos, fowner = gather(ix.fnd_ptr, loc)
        if len(fpos):
            row = lowner[fowner]
            e = ents[row]
            f = ix.fnd_node[fpos]
            via = loc[fowner]
            region = ix.ntype[via] == ix.type_code("Region")
            fc = ix.fnd_scomm[f].astype(np.int64)
            comm = _commodity_match(ix, e, fc, comm_of(e))
            ok = (fc < 0) | (comm >= 0)
            rule = np.where(fc >= 0, R_COUNTRY_COMM, np.where(region, R_REGION, R_COUNTRY))
            parts.append((e[ok], f[ok], rule[ok], via[ok], comm[ok], row[ok]))
    if not parts:
        return Hits(_empty(), _empty(), _empty(), _empty(), _empty(), _empty(), 0)
    e, f, rule, via, comm, row = (np.concatenate(x) for x in zip(*parts, strict=True))
    is_finding = ix.fnd_cat[f] >= 0
    if not negative:
        is_finding &= ~ix.fnd_negative[f]
    if categories:
        wanted = np.array([ix.categories.index(c) for c in categories if c in ix.categories], dtype=np.int16)
        is_finding &= np.isin(ix.fnd_cat[f], wanted)
    e, f, rule, via, comm, row = (
        e[is_finding],
        f[is_finding],
        rule[is_finding],
        via[is_finding],
        comm[is_finding],
        row[is_finding],
    )
    # access-restricted evidence does not exist for this viewer; licence-restricted is counted
    if not viewer.sees_restricted_access:
        keep = ~ix.node_hidden[f]
        e, f, rule, via, comm, row = e[keep], f[keep], rule[keep], via[keep], comm[keep], row[keep]
    withheld = 0
    if not viewer.sees_restricted_licence:
        lic = ix.node_lic[f] | ((via >= 0) & ix.node_lic[np.maximum(via, 0)])
        withheld = len(np.unique(f[lic]))
        keep = ~lic
        e, f, rule, via, comm, row = e[keep], f[keep], rule[keep], via[keep], comm[keep], row[keep]
    cost = node_cost[e] + ix.node_cost[f]
    if len(parts) > 1 or (via >= 0).any():
        # one row per (entity, finding): the best rule (lowest rule code, then via); direct rows alone
        # are unique already (one CONCERNS pair each)
        o = np.lexsort((via, rule, f, e))
        e, f, rule, via, comm, cost = e[o], f[o], rule[o], via[o], comm[o], cost[o]
        first = np.ones(len(e), dtype=bool)
        first[1:] = (e[1:] != e[:-1]) | (f[1:] != f[:-1])
        e, f, rule, via, comm, cost = e[first], f[first], rule[first], via[first], comm[first], cost[first]
    # (entity, finding) pairs are unique now, so (cost, entity order, finding) is a total order
    o = np.lexsort((f, order_key(e), cost))
    return Hits(e[o], f[o], rule[o], via[o], comm[o], cost[o], withheld)
