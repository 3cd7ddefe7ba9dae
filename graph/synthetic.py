"""A seeded synthetic supply-chain graph, for benchmarks and scale tests only.

Never mixed into the demo graph: every element's dataset is ``synthetic`` and ids start with
``syn:``. Shape: public buyers -> contracts -> brands -> tiers of factories -> smelters -> mines,
with skewed (Zipf-like) supplier choice so that a few suppliers serve many customers, as in
real chains; a few back links make cycles, as the real graph has.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tierwatch.graph.records import EdgeRecord, NodeRecord, Provenance, edge_id

DATASET = "synthetic"
COMMODITIES = ("cobalt", "lithium", "nickel", "graphite", "tin", "tantalum", "tungsten", "gold")
COUNTRIES = ("CN", "CD", "ID", "AU", "CL", "MY", "VN", "KR", "JP", "TW", "RW", "BR", "US", "DE", "PE")
CATEGORIES = ("forced_labour", "child_labour", "conflict_and_armed_groups", "health_and_safety")


@dataclass(frozen=True)
class Shape:
    """How many nodes of each layer; ``scaled(n)`` keeps the proportions for about ``n`` nodes."""

    buyers: int
    contracts: int
    brands: int
    tiers: tuple[int, ...]  # factories per tier, tier 1 nearest the brand
    smelters: int
    mines: int
    findings: int

    @classmethod
    def scaled(cls, n: int) -> Shape:
        f = n / 100_000
        return cls(
            buyers=max(2, int(300 * f)),
            contracts=max(4, int(12_000 * f)),
            brands=max(2, int(200 * f)),
            tiers=(max(3, int(20_000 * f)), max(3, int(25_000 * f)), max(3, int(20_000 * f))),
            smelters=max(2, int(2_000 * f)),
            mines=max(2, int(15_000 * f)),
            findings=max(2, int(5_500 * f)),
        )

    @property
    def total(self) -> int:
        return (
            self.buyers
            + self.contracts
            + self.brands
            + sum(self.tiers)
            + self.smelters
            + self.mines
            + self.findings
            + len(COUNTRIES)
        )


def _prov(i: int) -> Provenance:
    return Provenance(DATASET, "seeded", "generator", f"row {i}", 0.9, "declared")


def _skewed(rng: random.Random, n: int) -> int:
    """An index in [0, n) with a heavy head: supplier 0 is chosen far more often than supplier n-1."""
    return min(n - 1, int(n * rng.random() ** 3))


def generate(n_nodes: int, seed: int = 7) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """Records for a graph of about ``n_nodes`` nodes; the same seed gives the same graph."""
    rng = random.Random(seed)
    shape = Shape.scaled(n_nodes)
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    counter = 0

    def node(nid: str, label: str, **props: object) -> str:
        nonlocal counter
        counter += 1
        nodes.append(NodeRecord(nid, label, {"name": nid, **props}, [_prov(counter)]))
        return nid

    def edge(rel: str, src: str, dst: str, **props: object) -> None:
        nonlocal counter
        counter += 1
        edges.append(EdgeRecord(edge_id(rel, src, dst), rel, src, dst, dict(props), [_prov(counter)]))

    countries = [node(f"syn:country:{c}", "Country", iso2=c) for c in COUNTRIES]
    buyers = [node(f"syn:buyer:{i}", "PublicBuyer", country="GB") for i in range(shape.buyers)]
    contracts = []
    for i in range(shape.contracts):
        cid = node(f"syn:contract:{i}", "Contract", categories=[rng.choice(("ict", "vehicles"))])
        edge("BUYER_OF", buyers[_skewed(rng, len(buyers))], cid)
        contracts.append(cid)
    brands = [node(f"syn:brand:{i}", "Brand") for i in range(shape.brands)]
    for cid in contracts:
        edge("COVERS", cid, brands[_skewed(rng, len(brands))])
    downstream = brands
    for t, count in enumerate(shape.tiers, start=1):
        layer = []
        for i in range(count):
            country = rng.choice(countries)
            fid = node(f"syn:t{t}:{i}", "Facility", country=country.rsplit(":", 1)[1], kind=f"tier {t}")
            edge("LOCATED_IN", fid, country)
            for _ in range(rng.randint(1, 3)):
                edge("SUPPLIES", fid, downstream[_skewed(rng, len(downstream))])
            layer.append(fid)
        downstream = layer
    smelters = []
    for i in range(shape.smelters):
        commodity = rng.choice(COMMODITIES)
        sid = node(f"syn:smelter:{i}", "Smelter", metal=commodity, commodities=[commodity])
        for _ in range(rng.randint(1, 4)):
            edge("SUPPLIES", sid, downstream[_skewed(rng, len(downstream))], commodity=commodity)
        smelters.append(sid)
    for i in range(shape.mines):
        commodity = rng.choice(COMMODITIES)
        country = rng.choice(countries)
        mid = node(
            f"syn:mine:{i}",
            "Mine",
            commodities=[commodity],
            country=country.rsplit(":", 1)[1],
            mining_type=rng.choice(("artisanal", "industrial")),
        )
        edge("LOCATED_IN", mid, country)
        edge("SUPPLIES", mid, smelters[_skewed(rng, len(smelters))], commodity=commodity)
    targets = smelters + downstream
    for i in range(shape.findings):
        fid = node(
            f"syn:finding:{i}",
            "RiskFinding",
            category=rng.choice(CATEGORIES),
            scope_kind="entity",
            evidence=f"synthetic finding {i}",
            access="public",
        )
        edge("CONCERNS", fid, targets[_skewed(rng, len(targets))])
    # a few back links: a tier-1 factory that also sources from a brand (cycles exist in real data)
    for _ in range(max(1, shape.brands // 20)):
        edge("SUPPLIES", rng.choice(brands), rng.choice(shape_layer(nodes, "syn:t1:")))
    unique = {e.id: e for e in edges}
    return nodes, list(unique.values())


def shape_layer(nodes: list[NodeRecord], prefix: str) -> list[str]:
    return [n.id for n in nodes if n.id.startswith(prefix)][:50]
