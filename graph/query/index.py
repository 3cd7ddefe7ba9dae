"""The compiled index: node, arc and finding arrays with CSR adjacency, built from stored elements.

Both stores compile their whole graph once per generation (the Neo4j service from the skeleton it
streams and patches: graph/query/neo4j_index.py), so the same code runs on the same arrays and the
two stores give the same answers. Node index = rank of the id in sorted order, so every
"ties by ids" rule is an integer comparison.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tierwatch.graph.query.arcs import (
    DEALS_IN,
    PLACE,
    arcs_of,
    cost_of,
    derived_link,
    edge_window,
    place_arc,
    retired_end,
)
from tierwatch.graph.schema import ACCESS_TYPES

NONE_DAY = -1
#: severities that record an observed absence (IPIS "none observed": a 0 in the visit's cell): kept as
#: evidence and shown with the entity, but not risk: exposure and propagation leave them out
NEGATIVE_SEVERITIES = frozenset({"none observed"})
WINDOW_KEYS = ("type", "fiscal_year", "period_start", "period_end")  # what arcs.edge_window reads
NO_END = 99_999_999
#: node types that are never located in a place or deal in a commodity (their country/commodity
#: properties say what they are about)
UNPLACED_TYPES = ("Country", "RiskFinding", "Indicator", "Source")


def _csr(rows: np.ndarray, n: int) -> np.ndarray:
    """indptr of a CSR whose entries are already sorted by ``rows``."""
    return np.searchsorted(rows, np.arange(n + 1), side="left").astype(np.int64)


def commodity_id(value: str) -> str:
    return value if value.startswith("commodity:") else f"commodity:{value.strip().lower().replace(' ', '-')}"


@dataclass
class GraphIndex:
    ids: np.ndarray  # object array of node ids, sorted
    pos: dict[str, int]
    nodes: list[dict[str, Any]]  # stored node dicts, aligned with ids
    ntype: np.ndarray  # int16 codes into type_names
    type_names: list[str]
    node_lic: np.ndarray  # bool: licence_class restricted
    node_hidden: np.ndarray  # bool: access-restricted (a restricted finding, or only from such datasets)
    node_cost: np.ndarray  # int64: cost_of(node confidence) (used for findings)
    fnd_cat: np.ndarray  # int16 category code of a RiskFinding node, -1 otherwise
    categories: list[str]
    fnd_scomm: np.ndarray  # int32 scope_commodity code of a finding, -1 when none
    # arcs, upstream direction, sorted by (frm, to, edge id)
    arc_frm: np.ndarray
    arc_to: np.ndarray
    arc_edge: np.ndarray  # index into edges
    arc_cost: np.ndarray  # int64 micro-nats
    arc_conf: np.ndarray
    arc_candidate: np.ndarray
    arc_reverse: np.ndarray
    arc_lic: np.ndarray
    arc_comm: np.ndarray  # int32 commodity code or -1
    arc_start: np.ndarray
    arc_end: np.ndarray
    arc_retired_end: np.ndarray  # -1 when not retired
    arc_hidden: np.ndarray  # bool: the edge comes only from access-restricted datasets
    up_ptr: np.ndarray  # CSR over arc_frm
    down_order: np.ndarray  # arc indices sorted by (to, frm, edge id)
    down_ptr: np.ndarray
    edges: list[dict[str, Any]]
    edge_pos: dict[str, int]
    commodities: list[str]  # commodity code -> id
    comm_code: dict[str, int]
    related: np.ndarray  # bool [c, c]: same, form of, or parent of (transitively)
    node_comm_ptr: np.ndarray
    node_comm: np.ndarray
    # locations: node -> country/region nodes it is in (edges and properties; a region's country too)
    loc_ptr: np.ndarray
    loc: np.ndarray
    # findings: CONCERNS target -> finding
    fnd_ptr: np.ndarray
    fnd_node: np.ndarray  # finding node index, grouped by target
    fnd_negative: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # per node
    hidden_datasets: frozenset[str] = field(default_factory=frozenset)
    hidden_ids: frozenset[str] = field(default_factory=frozenset)
    arc_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))  # arcs.SUPPLY..PLACE
    arc_place: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # kind == PLACE
    cache: dict[str, Any] = field(default_factory=dict)  # derived arrays (step classes, propagation)

    @property
    def n(self) -> int:
        return len(self.ids)

    def type_code(self, name: str) -> int:
        return self.type_names.index(name) if name in self.type_names else -1


def hidden_datasets_of(findings: Iterable[dict[str, Any]]) -> frozenset[str]:
    """Datasets whose every RiskFinding is access-restricted: what they alone assert is hidden too."""
    public: set[str] = set()
    restricted: set[str] = set()
    for f in findings:
        (restricted if f.get("access") == "restricted" else public).update(f.get("datasets", ()))
    return frozenset(restricted - public)


def node_is_hidden(
    node: dict[str, Any], hidden_datasets: frozenset[str], hidden_ids: frozenset[str] = frozenset()
) -> bool:
    """Access-restricted for viewers without access: a restricted finding, an entity only such findings
    name (``hidden_ids``), or what only datasets of restricted findings assert."""
    if node.get("type") in ACCESS_TYPES and node.get("access") == "restricted":
        return True
    if node.get("id") in hidden_ids:
        return True
    ds = node.get("datasets") or ()
    return bool(ds) and all(d in hidden_datasets for d in ds)


def compile_index(
    nodes: Iterable[dict[str, Any]],
    edges: Iterable[dict[str, Any]],
    hidden_datasets: frozenset[str] | None = None,
    hidden_ids: frozenset[str] | None = None,
) -> GraphIndex:
    node_list = sorted(nodes, key=lambda d: d["id"])
    ids = np.array([d["id"] for d in node_list], dtype=object)
    pos = {nid: i for i, nid in enumerate(ids)}
    n = len(node_list)
    if hidden_datasets is None:
        hidden_datasets = hidden_datasets_of(d for d in node_list if d.get("type") == "RiskFinding")
    if hidden_ids is None:
        hidden_ids = frozenset()
    type_names = sorted({d["type"] for d in node_list})
    tcode = {t: i for i, t in enumerate(type_names)}
    ntype = np.fromiter((tcode[d["type"]] for d in node_list), dtype=np.int16, count=n)
    node_lic = np.fromiter((d.get("licence_class") == "restricted" for d in node_list), dtype=bool, count=n)
    # per-value work is memoised: confidences, dataset lists, periods and commodities repeat a lot
    only_hidden = _memo(lambda ds: bool(ds) and all(x in hidden_datasets for x in ds))

    def ds_hidden(ds: Any) -> bool:  # node_is_hidden's dataset rule
        return bool(ds) and only_hidden(tuple(ds))

    node_hidden = np.fromiter(
        (
            (d.get("type") in ACCESS_TYPES and d.get("access") == "restricted")
            or d.get("id") in hidden_ids
            or ds_hidden(d.get("datasets"))
            for d in node_list
        ),
        dtype=bool,
        count=n,
    )
    cost = _memo(cost_of)
    node_cost = np.fromiter(
        (cost(float(d.get("confidence", 0.0))) for d in node_list), dtype=np.int64, count=n
    )
    categories = sorted(
        {d["category"] for d in node_list if d["type"] == "RiskFinding" and d.get("category")}
    )
    ccode = {c: i for i, c in enumerate(categories)}
    fnd_cat = np.fromiter(
        (ccode.get(d.get("category"), -1) if d["type"] == "RiskFinding" else -1 for d in node_list),
        dtype=np.int16,
        count=n,
    )
    fnd_negative = np.fromiter(
        (d["type"] == "RiskFinding" and d.get("severity") in NEGATIVE_SEVERITIES for d in node_list),
        dtype=bool,
        count=n,
    )

    # commodities: codes, the related matrix (same / form / parent, transitively)
    comm_nodes = [d for d in node_list if d["type"] == "Commodity"]
    commodities = [d["id"] for d in comm_nodes]
    comm_code = {c: i for i, c in enumerate(commodities)}
    nc = len(commodities)
    anc = np.eye(nc, dtype=bool)
    for d in comm_nodes:
        for p in d.get("parents", ()):
            if p in comm_code:
                anc[comm_code[d["id"]], comm_code[p]] = True
    for _ in range(max(1, int(np.ceil(np.log2(max(nc, 2)))) + 1)):  # transitive closure
        anc = anc | ((anc.astype(np.int32) @ anc.astype(np.int32)) > 0)
    related = anc | anc.T

    code_of = _memo(lambda value: comm_code.get(commodity_id(value), -1))

    def code(value: str | None) -> int:
        return code_of(value) if value else -1

    fnd_scomm = np.fromiter(
        (code(d.get("scope_commodity")) if d["type"] == "RiskFinding" else -1 for d in node_list),
        dtype=np.int32,
        count=n,
    )
    comm_rows: list[int] = []
    comm_vals: list[int] = []
    for i, d in enumerate(node_list):
        if not d.get("commodities") and not d.get("metal"):
            continue
        values = set(d.get("commodities") or ())
        if d.get("metal"):
            values.add(d["metal"])
        codes = sorted({c for c in (code(v) for v in values) if c >= 0})
        comm_rows.extend([i] * len(codes))
        comm_vals.extend(codes)
    node_comm = np.array(comm_vals, dtype=np.int32)
    node_comm_ptr = _csr(np.array(comm_rows, dtype=np.int64), n)

    edge_list = sorted(with_derived_links(node_list, pos, edges), key=lambda e: e["id"])
    edge_pos = {e["id"]: i for i, e in enumerate(edge_list)}
    cols: tuple[list[Any], ...] = tuple([] for _ in range(14))
    (
        c_frm,
        c_to,
        c_edge,
        c_cost,
        c_conf,
        c_cand,
        c_rev,
        c_lic,
        c_comm,
        c_start,
        c_end,
        c_rend,
        c_hid,
        c_kind,
    ) = cols
    window = _memo(lambda key: edge_window(dict(zip(WINDOW_KEYS, key, strict=True))))
    loc_pairs: set[tuple[int, int]] = set()
    fnd_pairs: list[tuple[int, int]] = []
    for ei, e in enumerate(edge_list):
        rel = e["type"]
        s, t = pos.get(e["src"]), pos.get(e["dst"])
        if s is None or t is None:
            continue
        if rel == "LOCATED_IN":
            loc_pairs.add((s, t))
        if rel == "CONCERNS":
            fnd_pairs.append((t, s))
            continue
        arcs = [place_arc(e)] if rel in ("LOCATED_IN", DEALS_IN) else list(arcs_of(e))
        if not arcs:
            continue
        start, end = window((rel, e.get("fiscal_year"), e.get("period_start"), e.get("period_end")))
        rend = retired_end(e)
        comm = code(e.get("commodity"))
        lic = e.get("licence_class") == "restricted"
        hid = ds_hidden(e.get("datasets"))
        for a in arcs:
            c_frm.append(pos[a.frm])
            c_to.append(pos[a.to])
            c_edge.append(ei)
            c_cost.append(cost(a.confidence))
            c_conf.append(a.confidence)
            c_cand.append(a.candidate)
            c_rev.append(a.reverse)
            c_lic.append(lic)
            c_comm.append(comm)
            c_start.append(NONE_DAY if start is None else start)
            c_end.append(NO_END if end is None else end)
            c_rend.append(NONE_DAY if rend is None else rend)
            c_hid.append(hid)
            c_kind.append(a.kind)
    # arcs sorted by (frm, to, edge, reverse): unique per arc
    order = np.lexsort(
        (np.array(c_rev, dtype=bool), np.array(c_edge, dtype=np.int64), np.array(c_to, dtype=np.int64), c_frm)
    )
    arc_frm = np.array(c_frm, dtype=np.int64)[order]
    arc_to = np.array(c_to, dtype=np.int64)[order]
    arc_edge = np.array(c_edge, dtype=np.int64)[order]
    arc_cost = np.array(c_cost, dtype=np.int64)[order]
    arc_conf = np.array(c_conf, dtype=np.float64)[order]
    arc_candidate = np.array(c_cand, dtype=bool)[order]
    arc_reverse = np.array(c_rev, dtype=bool)[order]
    arc_lic = np.array(c_lic, dtype=bool)[order]
    arc_comm = np.array(c_comm, dtype=np.int32)[order]
    arc_start = np.array(c_start, dtype=np.int64)[order]
    arc_end = np.array(c_end, dtype=np.int64)[order]
    arc_rend = np.array(c_rend, dtype=np.int64)[order]
    arc_hidden = np.array(c_hid, dtype=bool)[order]
    arc_kind = np.array(c_kind, dtype=np.int8)[order]
    up_ptr = _csr(arc_frm, n)
    down_order = np.lexsort((arc_edge, arc_frm, arc_to)) if len(arc_to) else np.zeros(0, dtype=np.int64)
    down_ptr = _csr(arc_to[down_order], n)

    # locations: LOCATED_IN edges, the country/region properties, and a region's own country
    country_of_region: dict[int, int] = {}
    for i, d in enumerate(node_list):
        for key, prefix in (("country", "country:"), ("region", "region:")):
            value = d.get(key)
            if value and d["type"] not in ("Country", "RiskFinding", "Indicator", "Source"):
                target = pos.get(prefix + value)
                if target is not None and target != i:
                    loc_pairs.add((i, target))
    for s, t in list(loc_pairs):
        if node_list[s]["type"] == "Region" and node_list[t]["type"] == "Country":
            country_of_region[s] = t
    for s, t in list(loc_pairs):
        if t in country_of_region:
            loc_pairs.add((s, country_of_region[t]))
    loc_sorted = sorted(p for p in loc_pairs if node_list[p[0]]["type"] != "Region")
    loc = np.array([t for _, t in loc_sorted], dtype=np.int64)
    loc_ptr = _csr(np.array([s for s, _ in loc_sorted], dtype=np.int64), n)
    fnd_pairs = sorted(set(fnd_pairs))
    fnd_node = np.array([f for _, f in fnd_pairs], dtype=np.int64)
    fnd_ptr = _csr(np.array([t for t, _ in fnd_pairs], dtype=np.int64), n)

    return GraphIndex(
        ids=ids,
        pos=pos,
        nodes=node_list,
        ntype=ntype,
        type_names=type_names,
        node_lic=node_lic,
        node_hidden=node_hidden,
        node_cost=node_cost,
        fnd_cat=fnd_cat,
        categories=categories,
        fnd_scomm=fnd_scomm,
        arc_frm=arc_frm,
        arc_to=arc_to,
        arc_edge=arc_edge,
        arc_cost=arc_cost,
        arc_conf=arc_conf,
        arc_candidate=arc_candidate,
        arc_reverse=arc_reverse,
        arc_lic=arc_lic,
        arc_comm=arc_comm,
        arc_start=arc_start,
        arc_end=arc_end,
        arc_retired_end=arc_rend,
        arc_hidden=arc_hidden,
        up_ptr=up_ptr,
        down_order=down_order,
        down_ptr=down_ptr,
        edges=edge_list,
        edge_pos=edge_pos,
        commodities=commodities,
        comm_code=comm_code,
        related=related,
        node_comm_ptr=node_comm_ptr,
        node_comm=node_comm,
        loc_ptr=loc_ptr,
        loc=loc,
        fnd_ptr=fnd_ptr,
        fnd_node=fnd_node,
        fnd_negative=fnd_negative,
        hidden_datasets=hidden_datasets,
        hidden_ids=hidden_ids,
        arc_kind=arc_kind,
        arc_place=arc_kind == PLACE,
    )


def with_derived_links(
    node_list: list[dict[str, Any]], pos: dict[str, int], edges: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The stored edges and the place links nodes state by their own properties (arcs.derived_link):
    LOCATED_IN to the country/region a node names (unless a stored LOCATED_IN says it), DEALS_IN to
    each commodity its ``commodities``/``metal`` names, and a commodity form's DEALS_IN to its parents."""
    out = list(edges)
    stored = {(e["src"], e["dst"]) for e in out if e["type"] == "LOCATED_IN"}
    for d in node_list:
        kind, nid = d["type"], d["id"]
        if kind in UNPLACED_TYPES:
            continue
        for key, prefix in (("country", "country:"), ("region", "region:")):
            place = prefix + value if isinstance(value := d.get(key), str) and value else None
            if place in pos and place != nid and (nid, place) not in stored:
                out.append(derived_link(d, "LOCATED_IN", place))
        named = list(d.get("commodities") or ())
        if d.get("metal"):
            named.append(d["metal"])
        if kind == "Commodity":
            named.extend(d.get("parents") or ())
        for c in sorted({commodity_id(v) for v in named if isinstance(v, str) and v}):
            if c in pos and c != nid:
                out.append(derived_link(d, DEALS_IN, c))
    return out


def _memo(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn`` remembered per (hashable) argument, for one compilation."""
    seen: dict[Any, Any] = {}

    def get(key: Any) -> Any:
        try:
            if key not in seen:
                seen[key] = fn(key)
            return seen[key]
        except TypeError:  # unhashable: an odd stored value
            return fn(key)

    return get


def hidden_ids_of(
    restricted_targets: dict[str, list[dict[str, Any]]],
    restricted_datasets: set[str],
    nodes: dict[str, dict[str, Any]],
) -> frozenset[str]:
    """Entities named only by access-restricted findings: every edge they have comes from one, and
    every dataset they carry holds restricted findings. ``restricted_targets``: id -> its incident
    (edge, far node) rows."""
    out = set()
    for nid, rows in restricted_targets.items():
        node = nodes[nid]
        if node.get("type") == "RiskFinding":
            continue
        if not set(node.get("datasets") or ()) <= restricted_datasets:
            continue
        if all(m.get("type") == "RiskFinding" and m.get("access") == "restricted" for m in rows):
            out.add(nid)
    return frozenset(out)


def gather(ptr: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For CSR ``ptr``: (entry positions, owning node) of every entry of ``nodes``, vectorised."""
    starts = ptr[nodes]
    counts = ptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(nodes)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return starts[owner] + offsets, owner


def group_rows(rows: list[tuple[int, int]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for a, b in rows:
        out[a].append(b)
    return out
