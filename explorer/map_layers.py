"""The map page's deck.gl layers: the offline country basemap, site points, and grid clusters.

Clustering: sites are binned on a grid whose cell is 1/40 of the larger side of their bounding box
(at least 0.25 degree); a cell holding ``MIN_CLUSTER`` or more sites is drawn as one larger circle
(its count in the tooltip and the list it opens), coloured by the risk most of its sites carry (grey
when most carry none). Sites with a country but no coordinates are drawn as one ring per country at
its mainland's centre (explorer.geo.country_point). Deterministic: the same sites, the same picture.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pandas as pd
import pydeck as pdk
from tierwatch.explorer.geo import countries, country_name, country_point
from tierwatch.explorer.grouping import plural
from tierwatch.explorer.style import TYPE_NAMES

CLUSTER_PREFIX = "cluster:"
COUNTRY_PREFIX = "country-sites:"
MIN_CLUSTER = 3
MAP_WIDTH_PX = 1050  # about the map's width on a laptop screen, for the initial zoom


def countries_layer() -> pdk.Layer:
    return pdk.Layer(
        "GeoJsonLayer",
        countries(),
        id="countries",
        stroked=True,
        filled=True,
        get_fill_color=[236, 234, 222, 255],
        get_line_color=[120, 120, 120, 255],
        line_width_min_pixels=0.8,
        pickable=False,
    )


def cluster(
    located: pd.DataFrame, enabled: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    """(single points, clusters, cluster id -> site ids). Clusters carry name, count, lat/lon, colour."""
    if located.empty or not enabled:
        return located.assign(type_text=located["type"].map(TYPE_NAMES)), located.iloc[0:0], {}
    span = max(
        float(located["lat"].max() - located["lat"].min()), float(located["lon"].max() - located["lon"].min())
    )
    cell = max(0.25, span / 40)
    keys = list(zip((located["lat"] // cell).astype(int), (located["lon"] // cell).astype(int), strict=True))
    by_cell: dict[tuple[int, int], list[int]] = {}
    for pos, key in enumerate(keys):
        by_cell.setdefault(key, []).append(pos)
    singles: list[int] = []
    rows: list[dict[str, Any]] = []
    members: dict[str, list[str]] = {}
    for key in sorted(by_cell):
        idx = by_cell[key]
        if len(idx) < MIN_CLUSTER:
            singles.extend(idx)
            continue
        part = located.iloc[idx]
        cid = f"{CLUSTER_PREFIX}{key[0]}:{key[1]}"
        risks = Counter(part["risk"])
        risk_text, _ = risks.most_common(1)[0]
        colour = part[part["risk"] == risk_text]["colour"].iloc[0]
        ctry = sorted(set(part["country"].fillna("")) - {""})
        rows.append(
            {
                "id": cid,
                "name": f"{len(idx)} sites",
                "type": "cluster",
                "type_text": ", ".join(f"{n} {plural(t, n)}" for t, n in Counter(part["type"]).most_common()),
                "country": ", ".join(ctry[:4]) + (" …" if len(ctry) > 4 else ""),
                "lat": float(part["lat"].mean()),
                "lon": float(part["lon"].mean()),
                "risk": ", ".join(f"{t} {n}" for t, n in risks.most_common(3)),
                "colour": colour,
                "count": str(len(idx)),
                "radius": 5 + 2 * math.log2(len(idx)),
                "commodities": "",
            }
        )
        members[cid] = list(part["id"])
    points = located.iloc[sorted(singles)]
    return points.assign(type_text=points["type"].map(TYPE_NAMES)), pd.DataFrame(rows), members


def by_country(unlocated: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Sites without coordinates but with a country: one ring per country at its mainland's centre,
    labelled with the count and coloured by the risk most of them carry (country id -> site ids)."""
    rows: list[dict[str, Any]] = []
    members: dict[str, list[str]] = {}
    if unlocated.empty:
        return pd.DataFrame(rows), members
    for iso, part in sorted(unlocated.groupby(unlocated["country"].fillna(""))):
        point = country_point(iso) if iso else None
        if point is None:
            continue
        risks = Counter(part["risk"])
        risk_text, _ = risks.most_common(1)[0]
        cid = f"{COUNTRY_PREFIX}{iso}"
        rows.append(
            {
                "id": cid,
                "name": f"{len(part)} sites in {country_name(iso)} (no coordinates: drawn at the country)",
                "type": "country_sites",
                "type_text": ", ".join(f"{n} {plural(t, n)}" for t, n in Counter(part["type"]).most_common()),
                "country": iso,
                "lat": point[0],
                "lon": point[1],
                "risk": ", ".join(f"{t} {n}" for t, n in risks.most_common(3)),
                "colour": part[part["risk"] == risk_text]["colour"].iloc[0],
                "count": str(len(part)),
                "radius": 5 + 2 * math.log2(len(part) + 1),
                "commodities": "",
            }
        )
        members[cid] = list(part["id"])
    return pd.DataFrame(rows), members


def _circles(
    data: pd.DataFrame, layer_id: str, fill: Any, line: Any, sizes: tuple[int, int, float]
) -> pdk.Layer:
    """Pickable circles sized in pixels: ``sizes`` = (min radius, max radius, edge width)."""
    return pdk.Layer(
        "ScatterplotLayer",
        data,
        id=layer_id,
        get_position="[lon, lat]",
        get_fill_color=fill,
        get_line_color=line,
        get_radius="radius",
        radius_units="pixels",
        radius_min_pixels=sizes[0],
        radius_max_pixels=sizes[1],
        stroked=True,
        line_width_min_pixels=sizes[2],
        line_width_max_pixels=sizes[2],
        pickable=True,
    )


def _counts(data: pd.DataFrame, layer_id: str) -> pdk.Layer:
    """The number of sites written on each cluster or ring (drawn by deck.gl from a font atlas it
    renders in the browser with a local sans-serif font: nothing fetched). Not pickable: a click goes
    to the circle beneath."""
    return pdk.Layer(
        "TextLayer",
        data,
        id=layer_id,
        get_position="[lon, lat]",
        get_text="count",
        get_size=20,
        size_units="pixels",
        get_color=[20, 20, 20, 255],
        font_family="sans-serif",
        font_weight="bold",
        get_text_anchor="'middle'",
        get_alignment_baseline="'center'",
        outline_width=3,
        outline_color=[255, 255, 255, 255],
        font_settings={"sdf": True},
        pickable=False,
    )


def site_layers(points: pd.DataFrame, clusters: pd.DataFrame, by_country: pd.DataFrame) -> list[pdk.Layer]:
    """Sites (filled, dark edge), rings for sites placed by country (white, coloured edge), clusters
    (filled, white edge); the rings and clusters carry their number of sites."""
    layers = [_circles(points, "sites", "colour", [40, 40, 40, 220], (3, 12, 0.7))]
    if not by_country.empty:
        layers.append(_circles(by_country, "country_sites", [255, 255, 255, 200], "colour", (6, 20, 3)))
    if not clusters.empty:
        layers.append(_circles(clusters, "site_clusters", "colour", [255, 255, 255, 255], (6, 20, 2)))
    layers += [
        _counts(f, f"{name}_counts")
        for f, name in ((by_country, "country_sites"), (clusters, "site_clusters"))
        if not f.empty
    ]
    return layers


def _mercator_y(lat: float) -> float:
    lat = max(-85.0, min(85.0, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(located: pd.DataFrame, height_px: int = 560) -> pdk.ViewState:
    """A view that shows every located site: the Web Mercator zoom (deck.gl: a 512 px world at zoom 0)
    that fits their longitude span in the map's width and their projected latitude span in its height,
    with a 30% margin."""
    lat0, lat1 = float(located["lat"].min()), float(located["lat"].max())
    lon0, lon1 = float(located["lon"].min()), float(located["lon"].max())
    y0, y1 = _mercator_y(lat0), _mercator_y(lat1)
    lon_span = max(lon1 - lon0, 0.5) * 1.3
    y_span = max(y1 - y0, 0.01) * 1.3
    zoom = min(
        math.log2(MAP_WIDTH_PX * 360 / (512 * lon_span)), math.log2(height_px * 2 * math.pi / (512 * y_span))
    )
    zoom = max(0.3, min(7.0, zoom))
    mid_lat = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2)
    return pdk.ViewState(latitude=round(mid_lat, 4), longitude=(lon0 + lon1) / 2, zoom=round(zoom, 2))
