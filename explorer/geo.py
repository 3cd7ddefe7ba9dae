"""The offline basemap: Natural Earth 1:110m country borders shipped in data/open/boundaries.

Origin, licence, sha256 and the processing applied are recorded in data/manifest.toml; nothing is
fetched at run time. Also gives country names for ISO2 codes (group labels, map tooltips).
"""

from __future__ import annotations

import itertools
import json
from functools import lru_cache
from typing import Any

from tierwatch.graph.settings import REPO_ROOT

BASEMAP = REPO_ROOT / "data" / "open" / "boundaries" / "ne_110m_admin_0_countries.geojson"


@lru_cache(maxsize=1)
def countries() -> dict[str, Any]:
    """The country borders as a GeoJSON FeatureCollection (properties: iso2, name)."""
    return json.loads(BASEMAP.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    return {
        f["properties"]["iso2"]: f["properties"]["name"]
        for f in countries()["features"]
        if f["properties"]["iso2"]
    }


def country_name(iso2: str | None) -> str:
    """ "CN" -> "China"; an unknown code is returned as given."""
    if not iso2:
        return ""
    return _names().get(iso2.upper(), iso2.upper())


def _ring_area(ring: list[list[float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))) / 2


@lru_cache(maxsize=1)
def _points() -> dict[str, tuple[float, float]]:
    """ISO2 -> (lat, lon): the centre of the bounding box of the country's largest polygon (its
    mainland), where sites known only by country are drawn."""
    out: dict[str, tuple[float, float]] = {}
    for f in countries()["features"]:
        iso = f["properties"]["iso2"]
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        outer = max((p[0] for p in polys), key=_ring_area)
        lons = [p[0] for p in outer]
        lats = [p[1] for p in outer]
        if iso:
            out[iso] = ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)
    return out


def country_point(iso2: str | None) -> tuple[float, float] | None:
    """(lat, lon) where a site known only by its country is drawn, or None for an unknown code."""
    return _points().get((iso2 or "").upper())
