"""The map's offline basemap and its layers: Natural Earth borders from data/open (listed in the
manifest), sites clustered on a grid, sites known only by country drawn at that country, and a first
view that shows every site."""

from __future__ import annotations

import hashlib
import math
import tomllib

import pandas as pd
import pytest
from tierwatch.explorer import geo, map_layers
from tierwatch.explorer.risk import own_risks
from tierwatch.explorer.style import RISK_COLOURS, hex_to_rgb, primary_risk
from tierwatch.graph.exports import collect
from tierwatch.graph.query import Viewer, open_query_service
from tierwatch.graph.query.service import Page, TraversalFilter
from tierwatch.graph.settings import REPO_ROOT, Settings

RCMP = "canada:dept:rcmp-grc"


def test_the_basemap_is_the_manifest_file_and_names_every_country():
    manifest = tomllib.loads((REPO_ROOT / "data" / "manifest.toml").read_text(encoding="utf-8"))
    entry = next(d for d in manifest["dataset"] if d["dataset"] == "natural-earth-110m-admin-0-countries")
    assert "Public domain" in entry["licence"] and "natural-earth-geojson" in entry["origin"]
    assert entry["processing"]
    digest = hashlib.sha256(geo.BASEMAP.read_bytes()).hexdigest()
    assert entry["file"][0]["sha256"] == digest
    assert geo.BASEMAP.stat().st_size < 200_000, "small enough to commit and to send to the browser"
    assert geo.country_name("CD") == "Dem. Rep. Congo" and geo.country_name("FR") == "France"
    lat, lon = geo.country_point("CD")
    assert -10 < lat < 3 and 15 < lon < 31, "the DR Congo marker lies in the DR Congo"
    assert geo.country_point("ZZ") is None


@pytest.fixture(scope="module")
def rcmp_sites(demo_store_dir) -> pd.DataFrame:
    svc = open_query_service(Settings(store_dir=demo_store_dir))
    vw = Viewer.public()
    found = svc.upstream(
        RCMP,
        vw,
        tiers=4,
        filters=TraversalFilter(entity_types=("Facility", "Smelter", "Mine")),
        page=Page(limit=1000),
    )
    ids = {h.entity.id for h in found.hits}
    cats = own_risks(svc, vw, sorted(ids))
    rows = []
    for node in collect.fetch(svc, ids, set(), vw).nodes:
        risk = primary_risk(cats.get(node["id"]))
        rows.append(
            {
                "id": node["id"],
                "name": node.get("name") or node["id"],
                "type": node["type"],
                "country": node.get("country", ""),
                "lat": node.get("lat"),
                "lon": node.get("lon"),
                "risk": RISK_COLOURS[risk][1],
                "colour": hex_to_rgb(RISK_COLOURS[risk][0]),
                "radius": 4,
                "commodities": "",
            }
        )
    svc.close()
    return pd.DataFrame(rows)


def test_rcmp_sites_are_clustered_placed_by_country_and_all_in_the_first_view(rcmp_sites):
    located = rcmp_sites.dropna(subset=["lat", "lon"])
    unlocated = rcmp_sites[rcmp_sites["lat"].isna()]
    assert len(located) >= 10 and len(unlocated) >= 10
    points, clusters, members = map_layers.cluster(located)
    assert len(points) + sum(len(m) for m in members.values()) == len(located), "each site drawn once"
    assert len(clusters) == len(members) and all(len(m) >= map_layers.MIN_CLUSTER for m in members.values())
    by_country, country_members = map_layers.by_country(unlocated)
    assert not by_country.empty and set(by_country["country"]) <= set(unlocated["country"])
    for _, mark in by_country.iterrows():
        inside = unlocated[unlocated["country"] == mark["country"]]
        assert mark["count"] == str(len(inside)) == str(len(country_members[mark["id"]]))
    view = map_layers.fit_view(pd.concat([located, by_country]))
    world = 512 * 2**view.zoom  # deck.gl's Web Mercator world width in pixels
    lons = pd.concat([located["lon"], by_country["lon"]])
    assert (lons.max() - lons.min()) / 360 * world <= map_layers.MAP_WIDTH_PX
    ys = [
        math.log(math.tan(math.pi / 4 + math.radians(v) / 2))
        for v in pd.concat([located["lat"], by_country["lat"]])
    ]
    assert (max(ys) - min(ys)) / (2 * math.pi) * world <= 560


def test_each_cluster_and_country_ring_carries_its_number_of_sites(rcmp_sites):
    located = rcmp_sites.dropna(subset=["lat", "lon"])
    points, clusters, members = map_layers.cluster(located)
    by_country, country_members = map_layers.by_country(rcmp_sites[rcmp_sites["lat"].isna()])
    assert not clusters.empty and not by_country.empty
    layers = {layer.id: layer for layer in map_layers.site_layers(points, clusters, by_country)}
    for name, marks, inside in (
        ("site_clusters", clusters, members),
        ("country_sites", by_country, country_members),
    ):
        text = layers[f"{name}_counts"]
        assert text.type == "TextLayer" and not text.pickable, "the click goes to the circle beneath"
        drawn = {row["id"]: row["count"] for row in text.data}
        assert drawn == {m: str(len(inside[m])) for m in marks["id"]}, "the number is the sites it holds"
        assert all(count.isdigit() for count in drawn.values())
    spec = map_layers.pdk.Deck(layers=list(layers.values()), map_provider=None).to_json()
    assert "://" not in spec, "no font, tile or style is fetched"
