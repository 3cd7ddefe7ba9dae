"""Same-site candidates between located sites of two sources (ICMM mines <-> battery-file facilities).

Two sites are offered as a ``SAME_AS_CANDIDATE`` (never merged) when they lie within
:data:`MAX_DISTANCE_KM` of each other (haversine) *and* their names, aliases or operators share at
least one distinctive word. The battery file rounds coordinates to 0.1 degree (up to ~7 km off),
hence the 10 km radius. Generic words (mine, plant, lithium, company ...) and the state name do not
count as shared words. The score grows with closeness and with the number of shared words.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tierwatch.graph.names import fold
from tierwatch.graph.schema import Method, SameAsCandidate
from tierwatch.ingest.framework import IngestContext

MAX_DISTANCE_KM = 10.0
EARTH_RADIUS_KM = 6371.0088

#: Words that say what a site is, not which site it is.
_GENERIC = """
    mine mines mining plant plants mill mills project projects operation operations facility facilities
    site deposit prospect property quarry pit smelter refinery works factory the and of de del la las los
    el le les du des da do dos company co corp corporation inc llc ltd limited group holdings resources
    minerals mineral metals metal lithium energy battery batteries materials technologies technology
    america american north south east west new city county township usa us
"""
GENERIC_WORDS = frozenset(_GENERIC.split())
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    names: tuple[str, ...]  # the name, aliases and operators: the words that may identify the site
    lat: float
    lon: float
    ignore: frozenset[str] = frozenset()  # words of the place's state/province

    def words(self) -> set[str]:
        found = {w for n in self.names for w in _WORD.findall(fold(n))}
        return {w for w in found if len(w) > 2 and w not in GENERIC_WORDS and w not in self.ignore}


def site_from_properties(node_id: str, props: Mapping[str, Any]) -> Site | None:
    """A Site from a stored node or a run's node record properties (None without coordinates)."""
    lat, lon = props.get("lat"), props.get("lon")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    names = [
        props.get("name") or "",
        *props.get("aliases", []),
        props.get("operator") or "",
        props.get("city") or "",
    ]
    ignore = {w for w in _WORD.findall(fold(props.get("state") or ""))}
    return Site(
        node_id,
        props.get("name") or node_id,
        tuple(n for n in names if n),
        float(lat),
        float(lon),
        frozenset(ignore),
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _describe(site: Site) -> str:
    others = list(dict.fromkeys(n for n in site.names if n != site.name))
    return f"'{site.name}'" + (f" (also: {'; '.join(others[:6])})" if others else "")


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat), math.floor(lon)


def same_site_candidates(ours: Iterable[Site], theirs: Iterable[Site]) -> list[SameAsCandidate]:
    """Scored candidates between two sets of sites, ids sorted so either run order gives one edge."""
    grid: dict[tuple[int, int], list[Site]] = defaultdict(list)
    for site in theirs:
        grid[_cell(site.lat, site.lon)].append(site)
    out: dict[tuple[str, str], SameAsCandidate] = {}
    for site in ours:
        words = site.words()
        if not words:
            continue
        cy, cx = _cell(site.lat, site.lon)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for other in grid.get((cy + dy, cx + dx), []):
                    if other.id == site.id:
                        continue
                    distance = haversine_km(site.lat, site.lon, other.lat, other.lon)
                    if distance > MAX_DISTANCE_KM:
                        continue
                    shared = words & other.words()
                    if not shared:
                        continue
                    first, second = sorted((site, other), key=lambda s: s.id)
                    score = round(
                        min(0.95, 0.5 + 0.3 * (1 - distance / MAX_DISTANCE_KM) + 0.1 * min(2, len(shared))), 3
                    )
                    out[(first.id, second.id)] = SameAsCandidate(
                        src=first.id,
                        dst=second.id,
                        score=score,
                        evidence=f"distance {distance:.1f} km; shared name words: "
                        f"{', '.join(sorted(shared))}; {_describe(first)} ~ {_describe(second)}",
                    )
    return [out[k] for k in sorted(out)]


def emit_same_site_candidates(
    ctx: IngestContext, ours_prefix: str, theirs_prefix: str, their_types: tuple[str, ...]
) -> int:
    """Candidates between this run's sites (ids starting ``ours_prefix``) and the store's other-source
    sites (ids starting ``theirs_prefix``). Returns how many were emitted."""
    ours = [site_from_properties(r.id, r.props) for r in ctx.nodes.values() if r.id.startswith(ours_prefix)]
    theirs = [
        site_from_properties(n["id"], n)
        for n in ctx.resolver.store.iter_nodes(types=their_types)
        if n["id"].startswith(theirs_prefix)
    ]
    found = same_site_candidates([s for s in ours if s], [s for s in theirs if s])
    for model in found:
        ctx.edge(
            model,
            at=f"same-site candidate {model.src} ~ {model.dst}",
            confidence=model.score,
            method=Method.NAME_MATCH,
        )
    return len(found)
