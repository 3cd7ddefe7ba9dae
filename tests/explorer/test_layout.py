"""Server-side layout of the network view: fast, bounded, deterministic, colour-blind-safe legend."""

from __future__ import annotations

import random
import time

import pytest
from tierwatch.explorer.graph_view import encode
from tierwatch.explorer.layout import ViewEdge, ViewNode, payload
from tierwatch.explorer.style import OKABE_ITO, RISK_COLOURS, TYPE_SHAPES

TYPES = ["Brand", "Company", "Facility", "Smelter", "Mine", "Contract"]


def neighbourhood(n: int, seed: int = 7) -> tuple[dict[str, ViewNode], list[ViewEdge]]:
    """A tree-like neighbourhood of ``n`` nodes with realistic id and label lengths, plus cross links."""
    rng = random.Random(seed)
    nodes = {
        "ca-buyer:royal-canadian-mounted-police": ViewNode(
            "ca-buyer:royal-canadian-mounted-police", "PublicBuyer", "Royal Canadian Mounted Police"
        )
    }
    ids = list(nodes)
    edges = []
    for i in range(n - 1):
        nid = f"ipis:drc-asm-site-{i:05d}-{rng.randint(0, 99999):05d}"
        parent = ids[rng.randrange(0, max(1, len(ids) // 4 + 1))]
        nodes[nid] = ViewNode(
            nid,
            rng.choice(TYPES),
            f"Mining and Smelting Company No. {i} Ltd.",
            risks=rng.choice([[], ["forced_labour"], ["child_labour", "governance"]]),
        )
        edges.append(ViewEdge(parent, nid, "SUPPLIES"))
        ids.append(nid)
    for _ in range(n // 2):  # links that are not tree links
        a, b = rng.sample(ids, 2)
        edges.append(ViewEdge(a, b, "SUPPLIES", dashed=rng.random() < 0.2))
    return nodes, edges


@pytest.mark.parametrize("layout", ["tiers", "layers", "rings"])
def test_thousand_node_neighbourhood_lays_out_within_a_second_and_150_kb(layout):
    nodes, edges = neighbourhood(1000)
    start = time.perf_counter()
    data = payload(["ca-buyer:royal-canadian-mounted-police"], nodes, edges, layout=layout)
    elapsed = time.perf_counter() - start
    size = len(encode(data))
    print(
        f"\n{layout}: 1,000 nodes, {len(data['e'])} links: layout {elapsed * 1000:.1f} ms, "
        f"payload {size / 1024:.1f} KB"
    )
    assert elapsed <= 1.0
    assert size <= 150 * 1024
    assert len(data["n"]) == 1000
    positions = {(n[2], n[3]) for n in data["n"]}
    assert len(positions) > 900, "nodes do not pile up on one spot"


def test_layout_is_deterministic_and_puts_the_focus_in_the_centre():
    nodes, edges = neighbourhood(300)
    a = payload(["ca-buyer:royal-canadian-mounted-police"], nodes, edges, layout="rings")
    b = payload(["ca-buyer:royal-canadian-mounted-police"], nodes, edges, layout="rings")
    assert encode(a) == encode(b)
    root = a["n"][0]
    assert root[0] == "ca-buyer:royal-canadian-mounted-police" and (root[2], root[3]) == (0, 0)
    assert root[7] & 1, "the focus is flagged"


def test_more_handles_are_drawn_and_linked_to_their_anchor():
    nodes = {
        "org:a": ViewNode("org:a", "Brand", "A"),
        "more:org:a:upstream": ViewNode(
            "more:org:a:upstream", "more", "and 40 more", more=40, parent="org:a"
        ),
    }
    data = payload(["org:a"], nodes, [])
    handle = next(n for n in data["n"] if n[0].startswith("more:"))
    assert handle[4] == "more" and handle[7] & 2
    assert [e[:3] for e in data["e"]] == [[0, 1, 3]], "a dashed link from the anchor to its handle"


def test_tiers_run_left_to_right_and_links_are_styled_by_status_and_confidence():
    nodes = {
        "b": ViewNode("b", "PublicBuyer", "Buyer"),
        "brand": ViewNode("brand", "Brand", "Brand", parent="b", depth=1),
        "s": ViewNode("s", "Smelter", "Smelter", parent="brand", depth=2, risks=["forced_labour"]),
        "m": ViewNode("m", "Mine", "Mine", parent="s", depth=3),
        "cust": ViewNode("cust", "Company", "Customer", parent="b", depth=1, side=-1),
    }
    edges = [
        ViewEdge("b", "brand", "SPENDS_WITH", status=None, confidence=0.9),
        ViewEdge("brand", "s", "SUPPLIES", status="reported", confidence=0.5),
        ViewEdge("s", "m", "SUPPLIES", status="confirmed", confidence=1.0),
        ViewEdge("cust", "b", "SUPPLIES", dashed=True, confidence=0.2),
    ]
    data = payload(["b"], nodes, edges, layout="tiers", highlight=["b", "brand", "s"])
    x = {n[0]: n[2] for n in data["n"]}
    assert x["cust"] < x["b"] < x["brand"] < x["s"] < x["m"], "downstream left, upstream right, by tier"
    styles = {(data["n"][e[0]][0], data["n"][e[1]][0]): e for e in data["e"]}
    assert styles[("brand", "s")][2] == 2 and styles[("s", "m")][2] == 1 and styles[("cust", "b")][2] == 3
    assert styles[("s", "m")][3] > styles[("brand", "s")][3] > styles[("cust", "b")][3], "width by confidence"
    assert styles[("b", "brand")][4] == 1 and styles[("brand", "s")][4] == 1 and styles[("s", "m")][4] == 0
    flags = {n[0]: n[7] for n in data["n"]}
    assert flags["s"] & 16 and not flags["m"] & 16, "the path to the selected node is flagged"
    colour = {n[0]: data["colours"][n[5]] for n in data["n"]}
    assert colour["s"] == RISK_COLOURS["forced_labour"][0] and colour["m"] == RISK_COLOURS[""][0]


def test_palette_is_okabe_ito_and_every_type_has_a_shape():
    risk_colours = {c for k, (c, _) in RISK_COLOURS.items() if k not in ("", "other")}
    assert risk_colours <= set(OKABE_ITO.values())
    assert len(risk_colours) == len(RISK_COLOURS) - 2, "one colour per category"
    for label in ("PublicBuyer", "Contract", "Brand", "Facility", "Smelter", "Mine"):
        assert label in TYPE_SHAPES


@pytest.mark.parametrize("layout", ["tiers", "layers", "rings"])
@pytest.mark.parametrize("grouped", [True, False])
def test_no_two_drawn_labels_overlap_on_apples_two_tier_upstream_network(demo_service, layout, grouped):
    from tierwatch.explorer import network as net
    from tierwatch.explorer.grouping import GROUP_OVER, group_fanouts
    from tierwatch.explorer.labels import LABEL_SHOWN, overlaps, shown_label_boxes
    from tierwatch.graph.query import Viewer

    view = net.build(demo_service, Viewer.analyst(), net.NetworkQuery(root="org:apple", tiers=2))
    net.colour_by_risk(demo_service, Viewer.analyst(), view)
    drawn = group_fanouts("org:apple", view.nodes, view.edges, over=GROUP_OVER if grouped else 10**9)
    data = payload(["org:apple"], drawn.nodes, drawn.edges, layout=layout)
    boxes = shown_label_boxes(data)
    clashes = [(a, c) for i, (a, b) in enumerate(boxes) for c, d in boxes[i + 1 :] if overlaps(b, d)]
    assert clashes == [], f"{len(clashes)} overlapping labels, e.g. {clashes[:3]}"
    shown = [n for n in data["n"] if n[7] & LABEL_SHOWN]
    root = next(n for n in data["n"] if n[0] == "org:apple")
    assert root[7] & LABEL_SHOWN and (root[8] if len(root) > 8 else root[1]) == "Apple"
    for node in shown:  # a drawn label is the name, its first line, or the name cut with an ellipsis
        text = node[8] if len(node) > 8 else node[1]
        assert (
            text == node[1]
            or text == node[1].split("\n")[0]
            or text.endswith("…")
            or node[1].startswith(text)
        )
        if text.endswith("…"):
            assert node[1].startswith(text[:-1].rstrip()), (text, node[1])
    hidden = [n for n in data["n"] if not n[7] & LABEL_SHOWN]
    assert all(n[1] for n in hidden), "a node without a drawn label keeps its full name (hover title)"
    if grouped:
        assert len(shown) >= len(data["n"]) - 1, "the grouped view has room for (almost) every label"
    else:
        assert len(data["n"]) > 400 and len(shown) >= 50, "thinned, not blanked"
        assert len(hidden) > 0
