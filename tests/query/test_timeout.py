"""Neo4j reads of the query service carry TIERWATCH_API_QUERY_TIMEOUT_S as their transaction timeout.

The proof is a real server-side timeout: a query that needs seconds of work (variable-length
path enumeration over a small dense chain, cypher/reach_count.cypher) is stopped by Neo4j and
surfaces as ``QueryTimeoutError`` (504). Without the timeout it would run to the end and return.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tierwatch.graph.cypher_queries import cypher
from tierwatch.graph.errors import QueryTimeoutError
from tierwatch.graph.query import Viewer, open_query_service
from tierwatch.graph.settings import Settings

from .conftest import load_into_neo4j

pytestmark = pytest.mark.neo4j

WIDTH, LAYERS, HOPS = 7, 8, 8  # ~15 s of path enumeration for reach_count without a timeout
ROOT = "tw:timeout:buyer"


@pytest.fixture(scope="module")
def dense_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A buyer, a contract, a brand and LAYERS layers of WIDTH factories, each layer supplying every
    factory of the next one down: few elements, very many paths."""
    from tierwatch.graph.records import EdgeRecord, NodeRecord, Provenance, edge_id
    from tierwatch.graph.sqlite_store import SQLiteStore
    from tierwatch.graph.writer import GraphWriter

    prov = [Provenance("tw-timeout", "v1", "generated", "row", 0.9, "declared")]
    contract, brand = "tw:timeout:contract", "tw:timeout:brand"
    nodes = [
        NodeRecord(ROOT, "PublicBuyer", {"name": "Timeout Buyer"}, prov),
        NodeRecord(contract, "Contract", {"name": "Timeout Contract"}, prov),
        NodeRecord(brand, "Brand", {"name": "Timeout Brand"}, prov),
    ]
    edges = [
        EdgeRecord(edge_id("BUYER_OF", ROOT, contract), "BUYER_OF", ROOT, contract, {}, prov),
        EdgeRecord(edge_id("COVERS", contract, brand), "COVERS", contract, brand, {}, prov),
    ]
    below = [brand]
    for layer in range(1, LAYERS + 1):
        here = [f"tw:timeout:f{layer}:{i}" for i in range(WIDTH)]
        nodes += [NodeRecord(f, "Facility", {"name": f}, prov) for f in here]
        edges += [
            EdgeRecord(edge_id("SUPPLIES", a, b), "SUPPLIES", a, b, {}, prov) for a in here for b in below
        ]
        below = here
    directory = tmp_path_factory.mktemp("query-timeout") / "store"
    store = SQLiteStore(directory)
    with store.write_lock():
        writer = GraphWriter(store)
        writer.write_nodes(nodes)
        writer.write_edges(edges)
    return directory


def _service(directory: Path, uri: str, timeout: float):
    load_into_neo4j(directory, uri)
    return open_query_service(
        Settings(store_dir=directory, neo4j_uri=uri, api_query_timeout_s=timeout), "neo4j"
    )


def test_a_read_past_the_limit_is_stopped_by_neo4j(dense_dir, neo4j_uri):
    svc = _service(dense_dir, neo4j_uri, 0.001)
    try:
        assert svc.store.query_timeout_s == 0.001  # the service is built from the settings
        with pytest.raises(QueryTimeoutError, match=r"longer than 0\.001 s") as err:
            svc.store._read(cypher("reach_count", hops=HOPS), id=ROOT)
        assert err.value.http_status == 504
    finally:
        svc.close()


def test_queries_within_the_limit_answer(dense_dir, neo4j_uri):
    svc = _service(dense_dir, neo4j_uri, 60)
    try:
        assert svc.store.query_timeout_s == 60
        hit = svc.upstream(ROOT, Viewer.analyst(), tiers=4)
        assert hit.total == 2 + 2 * WIDTH  # contract, brand and two factory layers
        assert svc.store._read(cypher("reach_count", hops=4), id=ROOT)[0]["reached"] == hit.total
    finally:
        svc.close()
