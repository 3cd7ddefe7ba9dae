"""Known unknowns with reasons, and coverage as a headline (docs/QUERY.md "Known unknowns").

An unmapped chain step says why, with one code from a small list in the spirit of GLEIF's reporting
exceptions (``REASONS``), and the concrete request the gap implies (``next_request``). The headline
says how much of a buyer's purchases (contracts and spend lines, and their value where known) is
mapped at each chain step, as Trase says how much of a commodity's volume it traced.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from tierwatch.graph.query.index import GraphIndex
from tierwatch.graph.query.models import ACCESS_HINT, ChainCoverage, CoverageHeadline, CoverageStep, StepShare

#: the reason codes (docs/QUERY.md): code -> what it means
REASONS: tuple[tuple[str, str], ...] = (
    ("no_data_loaded", "no supplier data is loaded for this brand: only the brand itself is mapped"),
    (
        "not_disclosed",
        "the data loaded for this brand names nobody at this step (its disclosures skip it)",
    ),
    ("declared_none", "declared none: the supply at this step is declared 100% recycled or scrap"),
    ("not_applicable", "not applicable: a services or works purchase has no supply chain"),
    ("withheld_for_viewer", "mapped only in licence-restricted data, withheld for this viewer"),
)
#: chain step positions across the chains (exposure.CHAINS): the headline's rows
STEP_LABELS = (
    "brand",
    "assembler / pack or cell maker",
    "component maker / cathode or precursor",
    "smelter or refiner",
    "mine",
)
MAPPED = ("mapped", "country_only")
RECYCLED = ("origin:r-s",)

_MINE = (
    "ask {brand} (or the smelters and refiners it names) for the mines or countries of origin: the "
    "mine list of its CMRT/EMRT, or the RMI RMAP country-of-origin data of those smelters"
)
NEXT_REQUEST: dict[str, str] = {
    "brand": "ask the supplier which brands it delivers under this contract (a product or brand list)",
    "assembler": (
        "ask {brand} for its final assembly sites (supplier list with factory names and addresses) "
        "for the products bought"
    ),
    "component maker": "ask {brand} for its component supplier list (tier-2 makers of the products bought)",
    "smelter or refiner": (
        "ask {brand} for its smelter list: a CMRT (tin, tantalum, tungsten, gold) and an EMRT "
        "(cobalt, mica, lithium, nickel ...), RMI reporting templates"
    ),
    "pack or cell maker": (
        "ask {brand} for its battery cell and pack makers (EU Battery Regulation due-diligence "
        "report or battery passport supply-chain data)"
    ),
    "cathode or precursor": (
        "ask {brand} or its cell makers for their cathode and precursor suppliers (EMRT; battery "
        "passport supply-chain data)"
    ),
    "refiner": "ask {brand} for its cobalt, lithium, nickel and graphite refiners (an EMRT)",
    "mine": _MINE,
}


def explain_steps(brand: str, steps: list[CoverageStep]) -> None:
    """Set ``reason`` and ``next_request`` of each unmapped step (and of a mine step declared recycled)."""
    beyond = [s for s in steps[1:] if s.status != "unknown"]
    for s in steps:
        if s.status == "withheld":
            s.reason = "withheld_for_viewer"
            s.next_request = ACCESS_HINT
        elif s.status == "unknown":
            s.reason = "not_disclosed" if beyond else "no_data_loaded"
            s.next_request = NEXT_REQUEST.get(s.step, "").format(brand=brand) or None
        elif (
            s.step == "mine"
            and s.status == "country_only"
            and s.examples
            and len(s.examples) == s.entities
            and all(e.id in RECYCLED for e in s.examples)
        ):
            s.reason = "declared_none"


def _arcs_from(ix: GraphIndex, v: int, mask: np.ndarray) -> list[tuple[int, dict[str, Any]]]:
    """(target, edge) of the followed arcs out of ``v`` (upstream direction), masked."""
    out = []
    for a in range(int(ix.up_ptr[v]), int(ix.up_ptr[v + 1])):
        if mask[a]:
            out.append((int(ix.arc_to[a]), ix.edges[int(ix.arc_edge[a])]))
    return out


def _units(ix: GraphIndex, root: int, mask: np.ndarray) -> tuple[list[dict[str, Any]], list[str]]:
    """The root's purchases: each contract (with its awarded or covered companies) and each spend line
    (one per vendor, fiscal years summed); and the datasets of the links that say so."""
    node = ix.nodes[root]
    contracts = [root] if node["type"] == "Contract" else []
    spend: dict[int, dict[str, Any]] = {}
    datasets: set[str] = set()
    if node["type"] == "PublicBuyer":
        for t, e in _arcs_from(ix, root, mask):
            datasets.update(e.get("datasets", ()))
            if e["type"] == "SPENDS_WITH":
                u = spend.setdefault(t, {"kind": "spend", "anchors": {t}, "amount": 0.0, "currency": None})
                if e.get("amount") is not None:
                    u["amount"] += float(e["amount"])
                    u["currency"] = e.get("currency") or u["currency"]
            elif ix.nodes[t]["type"] == "Contract" and t not in contracts:
                contracts.append(t)
    units = list(spend.values())
    for c in contracts:
        cn = ix.nodes[c]
        vendors = [(t, e) for t, e in _arcs_from(ix, c, mask) if e["type"] in ("AWARDED_TO", "COVERS")]
        anchors = {t for t, _ in vendors}
        for _, e in vendors:
            datasets.update(e.get("datasets", ()))
        cats = set(cn.get("categories") or ())
        units.append(
            {
                "kind": "contract",
                "anchors": anchors,
                "amount": cn.get("value_amount"),
                "currency": cn.get("value_currency"),
                "not_goods": bool(cats) and cats <= {"services", "works"},
            }
        )
    for u in units:
        if not u["amount"]:
            u["amount"] = None
    return units, sorted(datasets)


def headline(
    ix: GraphIndex, root: int, mask: np.ndarray, chains: list[ChainCoverage]
) -> CoverageHeadline | None:
    """The share of the root's contracts and spend lines (and of their value) mapped per chain step;
    None for a root that is neither a buyer nor a contract."""
    name = ix.nodes[root].get("name") or ix.nodes[root]["id"]
    if ix.nodes[root]["type"] not in ("PublicBuyer", "Contract"):
        return None
    units, datasets = _units(ix, root, mask)
    by_anchor: dict[str, list[ChainCoverage]] = {}
    for c in chains:
        by_anchor.setdefault(c.anchor.id, []).append(c)
    goods = [u for u in units if not u.get("not_goods")]
    currencies = Counter(u["currency"] for u in goods if u["amount"] is not None)
    currency = currencies.most_common(1)[0][0] if currencies else None
    priced = [u for u in goods if u["amount"] is not None and u["currency"] == currency]
    total = sum(u["amount"] for u in priced) if priced else None
    not_assessed = sum(
        1 for u in goods if u["anchors"] and not any(str(ix.ids[a]) in by_anchor for a in u["anchors"])
    )
    steps = []
    for i, label in enumerate(STEP_LABELS):

        def status(u: dict[str, Any], i: int = i) -> set[str]:
            return {
                c.steps[i].status
                for a in u["anchors"]
                for c in by_anchor.get(str(ix.ids[a]), ())
                if i < len(c.steps)
            }

        mapped = [u for u in goods if status(u) & set(MAPPED)]
        withheld = [u for u in goods if u not in mapped and "withheld" in status(u)]
        share_spend = None
        if total:
            share_spend = round(sum(u["amount"] for u in mapped if u in priced) / total, 4)
        steps.append(
            StepShare(
                step=label,
                units_mapped=len(mapped),
                units_withheld=len(withheld),
                share_units=round(len(mapped) / len(goods), 4) if goods else 0.0,
                share_spend=share_spend,
            )
        )
    n_contracts = sum(1 for u in units if u["kind"] == "contract")
    n_spend = len(units) - n_contracts
    parts = [
        f"{s.step} {100 * s.share_units:.0f}%"
        + (f" ({100 * s.share_spend:.0f}% of spend)" if s.share_spend is not None else "")
        + (f" (+{s.units_withheld} withheld)" if s.units_withheld else "")
        for s in steps
    ]
    money = f"; {currency or ''} {total:,.0f} where the amount is known".replace("  ", " ") if total else ""
    text = (
        f"Coverage: of {name}'s {_n(len(goods), 'goods purchase')} ({_n(n_contracts, 'contract')}, "
        f"{_n(n_spend, 'spend line')}{money}), mapped per chain step: {', '.join(parts)}."
        if goods
        else f"Coverage: {name} has no goods contract or spend line naming a supplier or brand yet."
    )
    if len(units) > len(goods):
        text += (
            f" {len(units) - len(goods)} services or works contracts need no supply chain (not_applicable)."
        )
    if not_assessed:
        text += f" {not_assessed} purchases lie beyond the 20 brands coverage examines (not assessed)."
    return CoverageHeadline(
        units=len(goods),
        contracts=n_contracts,
        spend_lines=n_spend,
        not_goods=len(units) - len(goods),
        not_assessed=not_assessed,
        spend_total=total,
        currency=currency,
        steps=steps,
        text=text,
        datasets=datasets,
    )


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
