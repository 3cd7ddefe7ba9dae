"""Real (unmocked) tests of the local Neo4j launcher: build, start, query, stop.

The server tests are marked ``neo4j``; they need a JDK 17+ and Maven (the first run downloads
~116 MB of jars into the cache folder, see ``tierwatch.neo4j_local``). Each starts its own server
on a free port, so they do not disturb a server already running on 7687.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase
from neo4j.exceptions import ConstraintError

from tierwatch import neo4j_local
from tierwatch.neo4j_local import Neo4jLocalError


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def port() -> Iterator[int]:
    """A free port; whatever server the test started on it is stopped afterwards, and the
    port's data folder and log are removed (random ports would otherwise litter the cache)."""
    free = _free_port()
    yield free
    neo4j_local.stop(free)
    home = neo4j_local.default_home()
    shutil.rmtree(home / f"data-{free}", ignore_errors=True)
    for suffix in ("log", "lock", "pid"):
        (home / f"neo4j-{free}.{suffix}").unlink(missing_ok=True)


def _driver(port: int) -> Driver:
    return GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=None)


@pytest.mark.neo4j
def test_start_query_stop(port: int) -> None:
    started = neo4j_local.start(port)
    assert started.running
    assert started.pid is not None
    assert started.uri == f"bolt://127.0.0.1:{port}"

    with _driver(port) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
        assert records[0]["one"] == 1

        driver.execute_query("CREATE (:Probe {name: $name, n: 42})", name="hello")
        records, _, _ = driver.execute_query("MATCH (p:Probe {name: $name}) RETURN p.n AS n", name="hello")
        assert [r["n"] for r in records] == [42]

        summary = driver.execute_query("UNWIND range(1, 10000) AS i CREATE (:X {id: i})").summary
        assert summary.counters.nodes_created == 10_000
        records, _, _ = driver.execute_query("MATCH (x:X) RETURN count(x) AS c, sum(x.id) AS s")
        assert (records[0]["c"], records[0]["s"]) == (10_000, 10_000 * 10_001 // 2)

    current = neo4j_local.status(port)
    assert current.running
    assert current.pid == started.pid

    # A second start on the same port reuses the running server.
    again = neo4j_local.start(port)
    assert again.running
    assert again.pid == started.pid

    assert neo4j_local.stop(port) is True
    after = neo4j_local.status(port)
    assert not after.running
    assert after.pid is None
    assert not neo4j_local.stop(port)


@pytest.mark.neo4j
def test_cypher_features_we_rely_on(port: int) -> None:
    """Community 5.26.0 embedded: relationship uniqueness constraints and dynamic labels work."""
    neo4j_local.start(port)
    with _driver(port) as driver:
        driver.execute_query("CREATE CONSTRAINT t_id FOR ()-[r:T]-() REQUIRE r.id IS UNIQUE")
        driver.execute_query("CREATE (:A)-[:T {id: 1}]->(:B)")
        with pytest.raises(ConstraintError):
            driver.execute_query("MATCH (a:A), (b:B) CREATE (a)-[:T {id: 1}]->(b)")

        records, _, _ = driver.execute_query(
            "CREATE (n:Base) SET n:$($label) RETURN labels(n) AS labels", label="Dynamic Label"
        )
        assert sorted(records[0]["labels"]) == ["Base", "Dynamic Label"]
        records, _, _ = driver.execute_query(
            "UNWIND $rows AS row MERGE (n:$(row.label) {id: row.id}) RETURN count(n) AS c",
            rows=[{"label": "L1", "id": 1}, {"label": "L2", "id": 2}],
        )
        assert records[0]["c"] == 2

    # The data folder is wiped at each start.
    neo4j_local.stop(port)
    neo4j_local.start(port)
    with _driver(port) as driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS c")
        assert records[0]["c"] == 0


def test_missing_java_gives_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(Neo4jLocalError) as info:
        neo4j_local.start(_free_port(), home=tmp_path / "home")
    message = str(info.value)
    assert "`java`" in message
    assert "not found on PATH" in message
    assert "docker compose up neo4j" in message
    assert "\n" not in message
