"""Export writers: every format parses back, carries provenance, is deterministic and safe."""

from __future__ import annotations

import csv
import io
import zipfile

import networkx as nx
import orjson
import pytest
from tierwatch.graph import exports
from tierwatch.graph.exports import Subgraph, formats
from tierwatch.graph.exports.bulk import read_bulk, write_bulk
from tierwatch.graph.records import EdgeRecord, NodeRecord, Provenance, edge_id, merge_edge, merge_node
from tierwatch.graph.synthetic import generate

NASTY = '=HYPERLINK("http://x",\'a\')\\ \n\t line \x01 \u2028 é 漢 😀 `back` ; | "quoted"'


def _prov(i: int, licence: str = "open") -> Provenance:
    return Provenance("test-ds", "v1", "file.csv", f"row {i}", 0.75, "declared", licence)


@pytest.fixture(scope="module")
def sample() -> Subgraph:
    nodes_r, edges_r = generate(400, seed=3)
    nodes = [merge_node(None, r) for r in nodes_r]
    edges = [merge_edge(None, r) for r in edges_r]
    odd = merge_node(
        None,
        NodeRecord(
            "org:nasty",
            "Brand",
            {"name": NASTY, "aliases": ["+1 alias", "-minus", "@at"], "note": "-2+3"},
            [_prov(1)],
        ),
    )
    nodes.append(odd)
    target = nodes[0]["id"]
    edges.append(
        merge_edge(
            None,
            EdgeRecord(
                edge_id("SUPPLIES", "org:nasty", target, "k"),
                "SUPPLIES",
                "org:nasty",
                target,
                {"commodity": "commodity:tin", "years": [2020, 2021], "amount": 1.5, "evidence": NASTY},
                [_prov(2)],
            ),
        )
    )
    return Subgraph(nodes, edges, {"root": target, "role": "analyst"})


def _by_id(elements):
    return {e["id"]: e for e in elements}


def test_every_format_is_deterministic(sample: Subgraph) -> None:
    for fmt in exports.FORMATS:
        assert exports.write(sample, fmt) == exports.write(sample, fmt), fmt


def test_graphml_parses_with_provenance(sample: Subgraph) -> None:
    g = nx.read_graphml(io.BytesIO(exports.write(sample, "graphml")))
    assert g.number_of_nodes() == len(sample.nodes)
    assert g.number_of_edges() == len(sample.edges)
    attrs = g.nodes["org:nasty"]
    assert orjson.loads(attrs["prov"])[0] == _prov(1).to_json()
    assert attrs["datasets"] == '["test-ds"]'
    assert "\u2028" in attrs["name"] and "\x01" not in attrs["name"]


def test_gexf_parses(sample: Subgraph) -> None:
    g = nx.read_gexf(io.BytesIO(exports.write(sample, "gexf")))
    assert g.number_of_nodes() == len(sample.nodes)
    assert g.number_of_edges() == len(sample.edges)
    assert "prov" in g.nodes["org:nasty"]


def test_node_link_json_is_networkx_compatible(sample: Subgraph) -> None:
    data = orjson.loads(exports.write(sample, "json"))
    g = nx.node_link_graph(data, edges="links")
    assert g.number_of_nodes() == len(sample.nodes)
    assert g.number_of_edges() == len(sample.edges)
    assert g.nodes["org:nasty"]["name"] == NASTY
    assert data["graph"]["role"] == "analyst"


def test_csv_is_safe_against_formula_injection(sample: Subgraph) -> None:
    with zipfile.ZipFile(io.BytesIO(exports.write(sample, "csv"))) as zf:
        assert sorted(zf.namelist()) == ["edges.csv", "meta.json", "nodes.csv"]
        nodes = list(csv.DictReader(io.StringIO(zf.read("nodes.csv").decode("utf-8-sig"))))
        edges = list(csv.DictReader(io.StringIO(zf.read("edges.csv").decode("utf-8-sig"))))
    assert len(nodes) == len(sample.nodes) and len(edges) == len(sample.edges)
    for row in nodes + edges:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    nasty = next(r for r in nodes if r["id"] == "org:nasty")
    assert nasty["name"] == "'" + NASTY
    assert nasty["note"] == "'-2+3"
    assert "test-ds" in nasty["prov"]


def test_cypher_literals_escape_everything() -> None:
    text = formats.cypher_string(NASTY)
    assert "\n" not in text and "\x01" not in text and "\u2028" not in text
    assert text.count("'") == 2 + text.count("\\'")
    assert formats.cypher_value([1, 2]) == "[1, 2]"
    assert formats.cypher_value(float("nan")) == "null"


def test_bulk_csvs_round_trip(sample: Subgraph, tmp_path) -> None:
    files = write_bulk(sample.nodes, sample.edges, tmp_path)
    assert sum(n for f, n in files.items() if f.startswith("nodes_")) == len(sample.nodes)
    nodes, edges = read_bulk(tmp_path)
    assert _by_id(nodes) == _by_id(sample.nodes)
    assert _by_id(edges) == _by_id(sample.edges)
    script = (tmp_path / "import.sh").read_text()
    assert "neo4j-admin database import full" in script and "--array-delimiter=U+001F" in script


def test_cypher_script_replays_into_neo4j(sample: Subgraph, neo4j_uri: str) -> None:
    from tierwatch.graph.neo4j_store import Neo4jStore

    store = Neo4jStore(neo4j_uri, "neo4j", "tierwatch")
    try:
        store.clear()
        statements = formats.cypher_statements(exports.write(sample, "cypher"))
        with store.driver.session(database=store.database) as session:
            session.run(statements[0]).consume()  # the constraint, in its own transaction
            with session.begin_transaction() as tx:
                for statement in statements[1:]:
                    tx.run(statement).consume()
                tx.commit()
        assert _by_id(store.iter_nodes()) == _by_id(sample.nodes)
        assert _by_id(store.iter_edges()) == _by_id(sample.edges)
    finally:
        store.clear()
        store.close()
