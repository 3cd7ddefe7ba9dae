"""Exposure of a buyer or contract: risk categories reached upstream, and coverage of expected chains."""

from __future__ import annotations

from typing import Literal

import numpy as np
from tierwatch.graph.query.arcs import MICRO
from tierwatch.graph.query.findings import Hits
from tierwatch.graph.query.index import GraphIndex
from tierwatch.graph.query.models import (
    ACCESS_HINT,
    CategoryExposure,
    ChainCoverage,
    Coverage,
    CoverageStep,
    EntityRef,
)
from tierwatch.graph.query.results import conf_of_cost, entity_ref, finding_hits
from tierwatch.graph.query.scores import category_measures
from tierwatch.graph.query.traverse import Reach, along, search
from tierwatch.graph.query.unknowns import explain_steps, headline

#: the five categories every answer lists (others come from the data)
CORE_CATEGORIES = (
    "forced_labour",
    "child_labour",
    "freedom_of_association",
    "health_and_safety",
    "conflict_and_armed_groups",
)
CATEGORY_FORMULA = (
    "score = 1 - prod over findings f (1 - c_f), c_f = best path confidence x finding confidence"
)
AGGREGATE_FORMULA = "aggregate = 1 - prod over categories k (1 - score_k)"

CHAINS: dict[str, tuple[str, ...]] = {
    "ict": ("brand", "assembler", "component maker", "smelter or refiner", "mine"),
    "vehicles": ("brand", "pack or cell maker", "cathode or precursor", "refiner", "mine"),
}
#: contract categories (ingest/vocab/cpv_categories.toml, `chain`) -> the chain coverage expects; a
#: goods category not listed here (medical devices, pharmaceuticals, apparel ...) has no chain yet
CATEGORY_CHAINS: dict[str, str] = {
    "ict": "ict",
    "phones": "ict",
    "vehicles": "vehicles",
    "batteries": "vehicles",
}
VENDOR_LINKS = ("AWARDED_TO", "COVERS", "SPENDS_WITH")
#: contract categories the OCDS and TED pipelines store when no classification code is for goods
NOT_GOODS = ("services", "works")
MAX_ANCHORS = 20
EVIDENCE_ROWS = 500  # methods/datasets of a step: from its best 500 entities' last links


def _per_category(ix: GraphIndex, hits: Hits) -> dict[int, tuple[set[int], set[int]]]:
    """category code -> (findings, entities) with a hit."""
    out: dict[int, tuple[set[int], set[int]]] = {}
    for c in np.unique(ix.fnd_cat[hits.fnd]) if len(hits) else ():
        rows = ix.fnd_cat[hits.fnd] == c
        out[int(c)] = (set(hits.fnd[rows].tolist()), set(hits.ent[rows].tolist()))
    return out


def withheld_findings(visible: Hits, opened: Hits) -> int:
    """Distinct findings that apply with the licence opened and not for this viewer."""
    return len(set(opened.fnd.tolist()) - set(visible.fnd.tolist()))


def _category_note(score: float, findings: int, entities: int) -> str | None:
    if not findings and not entities:
        return None
    what = (
        f"{findings} findings on {entities} entities" if findings else f"findings on {entities} more entities"
    )
    return (
        f"{score:.2f} from the evidence this viewer may see; {what} withheld (licence-restricted): "
        f"{ACCESS_HINT}"
    )


def categories(
    reach: Reach, hits: Hits, per_category: int, wanted: tuple[str, ...], opened: Hits | None = None
) -> list[CategoryExposure]:
    """``opened``: the hits of the same question with the licence opened (access unchanged), when the
    viewer may not see licence-restricted facts: each category says what it withheld."""
    ix = reach.ix
    cat = ix.fnd_cat[hits.fnd] if len(hits) else np.zeros(0, dtype=np.int16)
    seen = _per_category(ix, hits)
    more_seen = _per_category(ix, opened) if opened is not None else {}
    present = {ix.categories[c] for c in (*seen, *more_seen)}
    names = (
        list(wanted)
        if wanted
        else sorted(set(CORE_CATEGORIES) | present, key=lambda c: (c not in CORE_CATEGORIES, c))
    )
    out = []
    for name in names:
        code = ix.categories.index(name) if name in ix.categories else -2
        vis_f, vis_e = seen.get(code, (set(), set()))
        all_f, all_e = more_seen.get(code, (vis_f, vis_e))
        wf, we = len(all_f - vis_f), len(all_e - vis_e)
        rows = np.flatnonzero(cat == code)
        if not len(rows):
            out.append(
                CategoryExposure(
                    category=name,
                    score=0.0,
                    formula=CATEGORY_FORMULA,
                    findings=0,
                    entities=0,
                    hits=[],
                    withheld_findings=wf,
                    withheld_entities=we,
                    note=_category_note(0.0, wf, we),
                    **category_measures(reach, hits, rows),  # type: ignore[arg-type]
                )
            )
            continue
        f = hits.fnd[rows]
        # rows are in the one order: the first row of each finding is its best hit
        _, first = np.unique(f, return_index=True)
        conf = np.exp(-np.sort(hits.cost[rows[first]]).astype(np.float64) / MICRO)
        score = round(float(1.0 - np.prod(1.0 - conf)), 6)
        out.append(
            CategoryExposure(
                category=name,
                score=score,
                formula=CATEGORY_FORMULA,
                findings=len(first),
                entities=len(np.unique(hits.ent[rows])),
                min_tier=int(reach.tier[hits.ent[rows]].min()),
                hits=finding_hits(reach, hits, rows[:per_category]),
                more=max(0, len(rows) - per_category),
                withheld_findings=wf,
                withheld_entities=we,
                note=_category_note(score, wf, we),
                **category_measures(reach, hits, rows),  # type: ignore[arg-type]
            )
        )
    return out


def aggregate(cats: list[CategoryExposure]) -> float:
    return round(float(1.0 - np.prod([1.0 - c.score for c in cats])), 6) if cats else 0.0


# ---------------------------------------------------------------------------------------------
# Coverage


def _text(node: dict) -> str:
    return " ".join(str(node.get(k) or "") for k in ("kind", "stage", "technology", "asset_type")).lower()


COUNTRY_ONLY = 100  # step class offset: the mine step known only at country/origin level


def _node_class(chain: str, node: dict) -> int:
    """A node's step by what it is (index into CHAINS[chain]); -1: decided by its position."""
    t = node["type"]
    text = _text(node)
    if t == "Mine" or "mining" in text or "minerals" in text:
        return 4
    if t in ("Country", "Region", "OriginCategory"):
        return COUNTRY_ONLY + 4
    if t == "Smelter" or any(w in text for w in ("refin", "smelt", "processing")):
        return 3
    if chain == "vehicles" and any(w in text for w in ("cathode", "precursor", "anode", "material")):
        return 2
    if chain == "vehicles" and any(w in text for w in ("cell", "pack", "battery", "module")):
        return 1
    if t in ("PublicBuyer", "Contract", "Commodity"):
        return -2  # not a chain step
    return -1


def step_classes(ix: GraphIndex, chain: str) -> np.ndarray:
    key = f"step:{chain}"
    if key not in ix.cache:
        memo: dict[tuple[str, ...], int] = {}  # types and kinds repeat: classify each combination once

        def cls(d: dict) -> int:
            k = (d["type"], *(str(d.get(f) or "") for f in ("kind", "stage", "technology", "asset_type")))
            if k not in memo:
                memo[k] = _node_class(chain, d)
            return memo[k]

        ix.cache[key] = np.fromiter((cls(d) for d in ix.nodes), dtype=np.int16, count=ix.n)
    return ix.cache[key]


def _arc_is(ix: GraphIndex, rel: str) -> np.ndarray:
    """Per arc, 1 when its edge has type ``rel`` ("candidate": when it is an unconfirmed candidate)."""
    key = f"arc_is:{rel}"
    if key not in ix.cache:
        if rel == "candidate":
            ix.cache[key] = ix.arc_candidate.astype(np.int64)
        else:
            types = np.array([e["type"] == rel for e in ix.edges], dtype=bool)
            ix.cache[key] = (
                types[ix.arc_edge].astype(np.int64) if len(ix.arc_edge) else np.zeros(0, dtype=np.int64)
            )
    return ix.cache[key]


def _edge_evidence(ix: GraphIndex) -> tuple[np.ndarray, list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    """Per edge: a code of its (methods, datasets) pair, and the pairs (cached per index)."""
    if "edge_evidence" not in ix.cache:
        pairs: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
        codes = np.fromiter(
            (
                pairs.setdefault((tuple(e.get("methods", ())), tuple(e.get("datasets", ()))), len(pairs))
                for e in ix.edges
            ),
            dtype=np.int64,
            count=len(ix.edges),
        )
        ix.cache["edge_evidence"] = (codes, list(pairs))
    return ix.cache["edge_evidence"]


def _step_of(
    ix: GraphIndex, sub: Reach, chain: str, on_path: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per reached entity of ``sub``: (entities, chain step or -1, country-only, candidate links)."""
    ents = sub.reached
    cls = step_classes(ix, chain)[ents].astype(np.int64)
    n_supply, n_cand = on_path[0][ents], on_path[1][ents]
    positional = np.where(n_supply == 0, 0, np.where(n_supply == 1, 1, 2))
    step = np.where(cls == -1, positional, cls % COUNTRY_ONLY)
    step[cls == -2] = -1
    return ents, step, cls >= COUNTRY_ONLY, n_cand


def _on_path(ix: GraphIndex, sub: Reach) -> tuple[np.ndarray, np.ndarray]:
    """Per node: SUPPLIES links and candidate links on its best path from the anchor."""
    return along(sub, _arc_is(ix, "SUPPLIES")), along(sub, _arc_is(ix, "candidate"))


def _chain_coverage(
    ix: GraphIndex,
    sub: Reach,
    chain: str,
    on_path: tuple[np.ndarray, np.ndarray],
    opened: tuple[Reach, tuple[np.ndarray, np.ndarray]] | None = None,
) -> list[CoverageStep]:
    """``on_path``: per node, SUPPLIES links and candidate links on its best path from the anchor;
    ``opened``: the same search with the licence opened and its ``on_path`` (steps count what only it
    reaches as ``withheld``)."""
    steps = CHAINS[chain]
    ents, step, country_only, n_cand = _step_of(ix, sub, chain, on_path)
    hidden_step = np.zeros(0, dtype=np.int64)
    if opened is not None:
        o_ents, o_step, _, _ = _step_of(ix, opened[0], chain, opened[1])
        hidden_step = o_step[sub.hops[o_ents] < 0]
    out = []
    for i, s in enumerate(steps):
        rows = np.flatnonzero(step == i)
        withheld = int((hidden_step == i).sum())
        if not len(rows):
            out.append(CoverageStep(step=s, status="withheld" if withheld else "unknown", withheld=withheld))
            continue
        status: Literal["candidate_only", "country_only", "mapped"]
        if (n_cand[rows] > 0).all():
            status = "candidate_only"
        elif country_only[rows].all():
            status = "country_only"
        else:
            status = "mapped"
        # the step's best entities in the one order (only the best EVIDENCE_ROWS are sorted)
        keys = sub.key(ents[rows])
        if len(rows) > EVIDENCE_ROWS:
            top = np.argpartition(keys, EVIDENCE_ROWS - 1)[:EVIDENCE_ROWS]
            rows, keys = rows[top], keys[top]
        vs = ents[rows[np.argsort(keys, kind="stable")]]
        last = sub.last_arc[vs]
        codes, pairs = _edge_evidence(ix)
        methods: set[str] = set()
        datasets: set[str] = set()
        for c in np.unique(codes[ix.arc_edge[last[last >= 0]]]):
            methods.update(pairs[int(c)][0])
            datasets.update(pairs[int(c)][1])
        out.append(
            CoverageStep(
                step=s,
                status=status,
                entities=int((step == i).sum()),
                examples=[entity_ref(ix.nodes[int(v)]) for v in vs[:5]],
                best_confidence=conf_of_cost(int(sub.cost[vs[0]])),
                methods=sorted(methods),
                datasets=sorted(datasets),
                withheld=withheld,
            )
        )
    return out


def _specific(ix: GraphIndex, sub: Reach, chain: str) -> int:
    """How many reached entities a chain recognises by what they are (not by position) in its middle steps."""
    cls = step_classes(ix, chain)[sub.reached]
    return int(np.isin(cls, (1, 2)).sum())


def _contract_categories(ix: GraphIndex, nodes: list[int]) -> set[str]:
    """The chains the contracts on a path expect, from their categories."""
    cats: set[str] = set()
    for v in nodes:
        if ix.nodes[v]["type"] == "Contract":
            cats.update(CATEGORY_CHAINS[c] for c in ix.nodes[v].get("categories", ()) if c in CATEGORY_CHAINS)
    return cats


def _chainless_goods(ix: GraphIndex, nodes: list[int]) -> list[str]:
    """Goods categories of the contracts on a path for which no chain is defined yet, or []."""
    found = {
        c
        for v in nodes
        if ix.nodes[v]["type"] == "Contract"
        for c in ix.nodes[v].get("categories", ())
        if c not in CATEGORY_CHAINS and c not in NOT_GOODS
    }
    return sorted(found)


def _chain_note(name: str, chain: str, steps: list[CoverageStep]) -> str:
    unknown = [s.step for s in steps if s.status == "unknown"]
    withheld = [s.step for s in steps if s.status == "withheld"]
    parts = []
    if withheld:
        parts.append(f"{', '.join(withheld)} withheld for this viewer (licence-restricted)")
    if len(unknown) == len(steps) - 1 and steps[0].status != "unknown":
        return f"no supplier data for {name}: only the brand is mapped"
    if unknown:
        parts.append(f"unmapped steps: {', '.join(unknown)}")
    if not parts:
        return f"{name}: every step of the {chain} chain is mapped"
    return f"{name}: {'; '.join(parts)}"


def _not_goods(ix: GraphIndex, nodes: list[int]) -> list[str]:
    """The natures ("services", "works") of the contracts on a path that buy no goods, or []."""
    contracts = [ix.nodes[v] for v in nodes if ix.nodes[v]["type"] == "Contract"]
    natures = {c for n in contracts for c in n.get("categories", ()) if c in NOT_GOODS}
    return sorted(natures) if contracts and natures else []


def coverage(reach: Reach, mask: np.ndarray, tiers: int, open_mask: np.ndarray | None = None) -> Coverage:
    """``open_mask``: the viewer's mask with the licence opened (None when the viewer sees it all)."""
    ix = reach.ix
    root = ix.nodes[reach.root]
    if "vendor_arcs" not in ix.cache:
        vendor = np.zeros(len(ix.arc_edge), dtype=bool)
        for rel in VENDOR_LINKS:
            vendor |= _arc_is(ix, rel).astype(bool)
        ix.cache["vendor_arcs"] = vendor
    vendor = ix.cache["vendor_arcs"]
    rs = reach.reached
    last = reach.last_arc[rs]
    found = rs[(last >= 0) & vendor[np.maximum(last, 0)]] if len(vendor) else rs[:0]
    anchors = [int(v) for v in reach.sort(found)]
    notes: list[str] = []
    if root["type"] not in ("PublicBuyer", "Contract"):
        anchors = [reach.root]
    if root["type"] == "Contract" and not anchors:
        stage = root.get("stage") or "unknown"
        notes.append(f"{stage} stage: no supplier awarded or named yet, so no chain is mapped")
    if root["type"] == "PublicBuyer" and not anchors:
        notes.append(
            "no contract or spend of this buyer names a supplier or brand yet, so no chain is mapped"
        )
    chains = []
    for a in anchors[:MAX_ANCHORS]:
        nodes, _ = reach.path(a)
        cats = _contract_categories(ix, nodes)
        not_goods = [] if cats else _not_goods(ix, nodes)
        if not_goods:  # a services or works contract: no supply chain is expected
            name = ix.nodes[a].get("name") or ix.nodes[a]["id"]
            notes.append(f"{name}: not a goods contract ({', '.join(not_goods)}): no supply chain expected")
            continue
        chainless = [] if cats else _chainless_goods(ix, nodes)
        if chainless:  # goods whose chain tierwatch does not define yet: say so, do not guess one
            name = ix.nodes[a].get("name") or ix.nodes[a]["id"]
            notes.append(
                f"{name}: {', '.join(chainless)} contract: no supply chain is defined for this category yet"
            )
            continue
        remaining = max(1, tiers - int(reach.hops[a])) if a != reach.root else tiers
        sub = search(ix, a, "upstream", remaining, mask)
        on_path = _on_path(ix, sub)
        opened = None
        if open_mask is not None:
            sub_open = search(ix, a, "upstream", remaining, open_mask)
            opened = (sub_open, _on_path(ix, sub_open))
        scored = []
        for chain in sorted(cats) if cats else sorted(CHAINS):
            steps = _chain_coverage(ix, sub, chain, on_path, opened)
            mapped = sum(1 for s in steps if s.status not in ("unknown", "withheld"))
            scored.append((-mapped, -_specific(ix, sub, chain), chain, steps))
        picked = sorted(scored, key=lambda x: x[2]) if cats else [min(scored, key=lambda x: x[:3])]
        name = ix.nodes[a].get("name") or ix.nodes[a]["id"]
        for _, _, chain, steps in picked:
            explain_steps(name, steps)
            note = _chain_note(name, chain, steps)
            withheld = [s.step for s in steps if s.status == "withheld"]
            if note.startswith("no supplier data") or withheld:
                notes.append(note)
            chains.append(
                ChainCoverage(
                    anchor=entity_ref(ix.nodes[a]),
                    chain=chain,  # type: ignore[arg-type]
                    chain_source="contract_category" if cats else "inferred",
                    steps=steps,
                    unknown_steps=[s.step for s in steps if s.status == "unknown"],
                    withheld_steps=withheld,
                    note=note,
                )
            )
    if any(c.withheld_steps or any(s.withheld for s in c.steps) for c in chains):
        notes.append(ACCESS_HINT)
    return Coverage(
        chains=chains,
        notes=notes,
        more=max(0, len(anchors) - MAX_ANCHORS),
        headline=headline(ix, reach.root, mask, chains),
    )


def root_ref(ix: GraphIndex, root: int) -> EntityRef:
    return entity_ref(ix.nodes[root])
