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

# -- the group rule (docs/QUERY.md "Group links and tiers") ---------------------------------------
#: what an arc is to the group rule: a supply step, a step down the group (owner -> owned or operated),
#: up the group (owned -> owner), a step between two records of one entity, or a place step (an entity
#: -> the country/region it is in, or the commodity it deals in; a region -> its country, a commodity
#: form -> its parent)
SUPPLY, DOWN, UP, SAME, PLACE = 0, 1, 2, 3, 4
KIND_NAMES = ("supply", "down the group", "up the group", "same entity", "place")
#: group-link state of a path's end: 0 after the root or a supply step, 1 in a run of group links that
#: went down, 2 in one that went up
RUN_NONE, RUN_DOWN, RUN_UP = 0, 1, 2
#: the rule as a table, [state][kind] -> the state after the step, -1 = not allowed: a run of
#: consecutive group links goes one way (down, or up), never both; a supply or place step ends the
#: run; a same-entity link keeps it (read in either direction the rule is the same: a path is valid
#: exactly when its reverse is)
GROUP_RULE = (
    (RUN_NONE, RUN_DOWN, RUN_UP, RUN_NONE, RUN_NONE),
    (RUN_NONE, RUN_DOWN, -1, RUN_DOWN, RUN_NONE),
    (RUN_NONE, -1, RUN_UP, RUN_UP, RUN_NONE),
)

#: what "upstream" and "downstream" mean, in words (shown by the API docs, CLI help and explorer)
UPSTREAM_MEANS = (
    "Upstream of X = who supplies X, tier by tier: X's suppliers, theirs, and so on back to smelters, "
    "mines and countries of origin (a buyer reaches its contracts, the companies paid or awarded, "
    "their brands' suppliers). Ownership counts one way at a time: a parent reaches what its "
    "subsidiaries, joint ventures and operated sites are supplied with (down the group), and a "
    "subsidiary or joint venture reaches its owners' supply (up the group, at half the confidence), "
    "but a run of group links never turns: a joint venture's other owner, a sister company or an "
    "owner's other businesses are not suppliers. Downstream of X = who X supplies, the same links "
    "read the other way; downstream of a country or commodity starts at the entities located in it "
    "or dealing in it (its regions, its forms)."
)

#: what an upstream step reads from a node: edges going out of it / coming into it
UP_OUT = tuple(sorted({*FORWARD, *BOTH}))
UP_IN = tuple(sorted({*BACKWARD, *BOTH}))

#: link types whose sources date them (a period or a fiscal year); only these can fail to overlap
DATED_TYPES = ("SUPPLIES", "SPENDS_WITH")

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
    kind: int = SUPPLY  # SUPPLY, DOWN, UP, SAME or PLACE (the group rule)


def kind_of(rel: str, reverse: bool) -> int:
    """The group-rule kind of an arc of an edge of type ``rel``."""
    if rel == "SAME_AS_CANDIDATE":
        return SAME
    if rel in ("OWNS", "OWNERSHIP_CANDIDATE"):
        return UP if reverse else DOWN
    if rel == "OPERATES":
        return DOWN
    if rel in PLACE_TYPES:
        return PLACE
    return SUPPLY


#: links that make place arcs (an entity -> its country or region, or the commodity it deals in):
#: followed only by downstream travel from a place or commodity and by paths to or from one
PLACE_TYPES = ("LOCATED_IN", "DEALS_IN")
#: the virtual link of an entity whose own record names a commodity (its ``commodities``/``metal``),
#: and of a commodity form to its parent (``parents``); never stored
DEALS_IN = "DEALS_IN"


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
        yield Arc(src, dst, eid, False, candidate, conf, kind_of(rel, False))
    if rel in BACKWARD:
        yield Arc(dst, src, eid, True, candidate, conf, SUPPLY)
    elif rel in BOTH:
        factor = 1.0 if rel == "SAME_AS_CANDIDATE" else REVERSE_OWNERSHIP_FACTOR
        yield Arc(dst, src, eid, True, candidate, round(conf * factor, 6), kind_of(rel, True))


def place_arc(edge: dict[str, Any]) -> Arc:
    """The place arc of a LOCATED_IN or DEALS_IN link (the entity -> the place or commodity)."""
    return Arc(edge["src"], edge["dst"], edge["id"], False, False, float(edge.get("confidence", 0.0)), PLACE)


def derived_link(node: dict[str, Any], rel: str, dst: str) -> dict[str, Any]:
    """A link a node's own record states by a property, never stored: LOCATED_IN for its ``country``/
    ``region`` (when no stored LOCATED_IN says it), DEALS_IN for a commodity its ``commodities``/
    ``metal`` names (or, for a commodity form, a ``parents`` entry); it carries the node's evidence."""
    link = {
        "id": f"{rel}:{node['id']}->{dst}",
        "type": rel,
        "src": node["id"],
        "dst": dst,
        "confidence": float(node.get("confidence", 0.0)),
        "datasets": list(node.get("datasets", ())),  # (its methods are the node's: not repeated)
        "licence_class": node.get("licence_class", "open"),
        "derived": True,
    }
    if rel == DEALS_IN:
        link["commodity"] = dst
    return link


def edge_window(edge: dict[str, Any]) -> tuple[int | None, int | None]:
    """The period an edge holds for (start, end as yyyymmdd), where the source gives one."""
    if edge["type"] == "SPENDS_WITH" and edge.get("fiscal_year"):
        return day(edge["fiscal_year"]), day(edge["fiscal_year"], end=True)
    return day(edge.get("period_start")), day(edge.get("period_end"), end=True)
