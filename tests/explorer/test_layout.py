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


@pytest.mark.parametrize("layout", ["rings", "layers"])
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
    a = payload(["ca-buyer:royal-canadian-mounted-police"], nodes, edges)
    b = payload(["ca-buyer:royal-canadian-mounted-police"], nodes, edges)
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
    assert [0, 1, 1] in data["e"]


def test_palette_is_okabe_ito_and_every_type_has_a_shape():
    risk_colours = {c for k, (c, _) in RISK_COLOURS.items() if k not in ("", "other")}
    assert risk_colours <= set(OKABE_ITO.values())
    assert len(risk_colours) == len(RISK_COLOURS) - 2, "one colour per category"
    for label in ("PublicBuyer", "Contract", "Brand", "Facility", "Smelter", "Mine"):
        assert label in TYPE_SHAPES
