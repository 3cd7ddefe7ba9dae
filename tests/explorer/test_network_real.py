"""The network view on the demo graph: Apple's 3-tier upstream neighbourhood bounded to 1,000 nodes,
laid out on the server in <= 1 s with a payload <= 150 KB; "and N more" handles for the rest."""

from __future__ import annotations

import time

import pytest
from tierwatch.explorer import network as net
from tierwatch.explorer.graph_view import encode
from tierwatch.explorer.layout import payload
from tierwatch.graph.query import TraversalFilter, Viewer, open_query_service
from tierwatch.graph.settings import Settings


@pytest.fixture(scope="module")
def service(demo_store_dir):
    svc = open_query_service(Settings(store_dir=demo_store_dir))
    yield svc
    svc.close()


@pytest.mark.parametrize("layout", ["rings", "layers"])
def test_apple_thousand_node_neighbourhood_within_budget(service, layout):
    q = net.NetworkQuery(root="org:apple", tiers=3, budgets=(("org:apple", 1000),))
    view = net.build(service, Viewer.analyst(), q)
    net.colour_by_risk(service, Viewer.analyst(), view, 3, TraversalFilter())
    assert 900 <= len(view.nodes) <= net.MAX_NODES + 2
    assert view.hidden > 0 and any(n.more for n in view.nodes.values()), "the rest is behind a handle"
    assert any(n.risks for n in view.nodes.values()), "risk colours come from the exposure"
    start = time.perf_counter()
    data = payload(["org:apple"], view.nodes, view.edges, layout=layout)
    elapsed = time.perf_counter() - start
    size = len(encode(data))
    print(
        f"\napple {layout}: {len(view.nodes)} nodes, layout {elapsed * 1000:.1f} ms, "
        f"payload {size / 1024:.0f} KB"
    )
    assert elapsed <= 1.0
    assert size <= 150 * 1024


def test_public_network_withholds_licence_restricted_nodes(service):
    q = net.NetworkQuery(root="canada:dept:rcmp-grc", tiers=3, budgets=(("canada:dept:rcmp-grc", 1000),))
    public = net.build(service, Viewer.public(), q)
    analyst = net.build(service, Viewer.analyst(), q)
    assert len(public.nodes) < len(analyst.nodes)
    assert public.withheld > 0 and analyst.withheld == 0
    assert "rmi:CID004065" in analyst.nodes or len(analyst.nodes) > len(public.nodes)


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "csv", "cypher"])
def test_the_drawn_network_downloads_in_every_export_format_as_the_viewer_sees_it(service, fmt):
    from tierwatch.graph import exports
    from tierwatch.graph.exports import collect

    q = net.NetworkQuery(root="canada:dept:rcmp-grc", tiers=3, budgets=(("canada:dept:rcmp-grc", 1000),))
    view = net.build(service, Viewer.public(), q)
    ids = {n for n in view.nodes if not n.startswith(net.MORE_PREFIX)}
    sub = collect.fetch(service, ids, set(view.link_ids), Viewer.public(), {"export": "network"})
    assert {n["id"] for n in sub.nodes} == ids
    assert len(sub.edges) == len(view.link_ids)
    assert all(e.get("licence_class") != "restricted" for e in [*sub.nodes, *sub.edges])
    data = exports.write(sub, fmt)
    assert len(data) > 1000
