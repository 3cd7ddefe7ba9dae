"""Chain arcs: how stored edges become directed supply links, and the facts a filter looks at.

An *arc* points upstream (from a node to one that supplies it); the downstream direction is the
same arcs reversed. Both stores turn edges into arcs with this one function, so both follow the
same links.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

#: edge types whose target is upstream of their source
FORWARD = ("OWNS", "OPERATES", "AWARDED_TO", "COVERS", "SPENDS_WITH", "BUYER_OF", "OWNERSHIP_CANDIDATE")
#: edge types whose source is upstream of their target
BACKWARD = ("SUPPLIES",)
#: followed in both directions (the reverse of an ownership: a subsidiary's group supplies what it sells)
BOTH = ("OWNS", "OWNERSHIP_CANDIDATE", "SAME_AS_CANDIDATE")
CANDIDATE_TYPES = ("SAME_AS_CANDIDATE", "OWNERSHIP_CANDIDATE")
CHAIN_TYPES = tuple(sorted({*FORWARD, *BACKWARD, *BOTH}))
#: confidence factor of an ownership followed from the owned to its owner (a group link is weaker
#: evidence of supply than the link itself; it also keeps joint-venture detours behind direct links)
REVERSE_OWNERSHIP_FACTOR = 0.5

#: what an upstream step reads from a node: edges going out of it / coming into it
UP_OUT = tuple(sorted({*FORWARD, *BOTH}))
UP_IN = tuple(sorted({*BACKWARD, *BOTH}))

MICRO = 1_000_000
INF_COST = 2**62


def cost_of(confidence: float) -> int:
    """-ln(confidence) in integer micro-nats (exact sums, the same on every machine)."""
    if confidence <= 0.0:
        return INF_COST
    return round(-math.log(min(confidence, 1.0)) * MICRO)


def day(text: Any, end: bool = False) -> int | None:
    """An ISO date, month or year (or a fiscal year "2017-2018") as yyyymmdd; None if unreadable."""
    if not isinstance(text, str) or len(text) < 4 or not text[:4].isdigit():
        return None
    if len(text) == 9 and text[4] == "-" and text[5:].isdigit():  # fiscal year Apr..Mar
        return int(text[5:]) * 10000 + 331 if end else int(text[:4]) * 10000 + 401
    year = int(text[:4])
    month = int(text[5:7]) if len(text) >= 7 and text[5:7].isdigit() else None
    dom = int(text[8:10]) if len(text) >= 10 and text[8:10].isdigit() else None
    if month is None:
        return year * 10000 + (1231 if end else 101)
    if dom is None:
        return year * 10000 + month * 100 + (31 if end else 1)
    return year * 10000 + month * 100 + dom


def retired_end(edge: dict[str, Any]) -> int | None:
    """For a retired element: the latest end date of its provenance entries."""
    if not edge.get("retired"):
        return None
    ends = []
    for text in edge.get("prov", ()):
        ended = orjson.loads(text).get("ended")
        value = day(ended, end=False)
        if value:
            ends.append(value)
    return max(ends) if ends else 0


@dataclass(frozen=True, slots=True)
class Arc:
    """One upstream step: ``frm`` is supplied by ``to`` through edge ``edge``."""

    frm: str
    to: str
    edge: str
    reverse: bool  # True when the arc runs against the stored edge's direction
    candidate: bool
    confidence: float


def arcs_of(edge: dict[str, Any]) -> Iterator[Arc]:
    """The upstream arcs of a stored edge (none for non-chain edges and unrealised supplies)."""
    rel = edge["type"]
    if rel not in CHAIN_TYPES:
        return
    if rel == "SUPPLIES" and edge.get("status") == "not_realised":
        return
    candidate = rel in CANDIDATE_TYPES or (rel == "SPENDS_WITH" and bool(edge.get("candidate")))
    conf = float(edge.get("confidence", 0.0))
    if rel in CANDIDATE_TYPES and edge.get("score") is not None:
        conf = min(conf, float(edge["score"]))
    src, dst, eid = edge["src"], edge["dst"], edge["id"]
    if rel in FORWARD or rel in BOTH:
        yield Arc(src, dst, eid, False, candidate, conf)
    if rel in BACKWARD:
        yield Arc(dst, src, eid, True, candidate, conf)
    elif rel in BOTH:
        factor = 1.0 if rel == "SAME_AS_CANDIDATE" else REVERSE_OWNERSHIP_FACTOR
        yield Arc(dst, src, eid, True, candidate, round(conf * factor, 6))


def edge_window(edge: dict[str, Any]) -> tuple[int | None, int | None]:
    """The period an edge holds for (start, end as yyyymmdd), where the source gives one."""
    if edge["type"] == "SPENDS_WITH" and edge.get("fiscal_year"):
        return day(edge["fiscal_year"]), day(edge["fiscal_year"], end=True)
    return day(edge.get("period_start")), day(edge.get("period_end"), end=True)
