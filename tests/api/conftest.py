"""API test fixtures: the real demo graph plus canaries, on both stores, and clients per role.

The demo graph is built once per test run (tests/demo_graph.py: the committed open files, and the
restricted ones when TIERWATCH_REAL_DATA_DIR is set; ``TIERWATCH_TEST_DEMO_STORE`` may name a store
directory already holding it) and copied here, never changed. The Neo4j variant receives the
same stored elements (the stores hold byte-identical elements: tests/test_store_contract.py).

Canaries (``CANARIES``), written with the real ``findings`` and ``links`` template pipelines:

- access canaries: findings with ``access = restricted`` on Dell (bought by the RCMP) and on an
  organisation named only by that row;
- licence canaries: a dataset ingested with ``licence_class = restricted``: a supplier link into
  Dell from an organisation it alone names, and a public-access finding on Dell;
- a public control finding on Dell that ``public`` must see.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from api_canaries import CANARY_BRAND, PUBLIC_CONTROL
from demo_graph import load_into_neo4j, shared_demo_store
from tierwatch.graph.settings import Settings


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def add_canaries(store, settings: Settings, work: Path) -> None:
    from tierwatch.ingest.runner import run_ingest

    work.mkdir(parents=True, exist_ok=True)
    head = "finding_ref,entity,category,evidence,reported_by,access,severity"
    findings = _write(
        work / "canary_findings.csv",
        head,
        [
            f"acc-1,{CANARY_BRAND},forced_labour,CANARY-ACCESS-DELL worker interviews,Canary Monitor,"
            "restricted,high",
            "acc-2,Canaryaccess Widgets Ltd,health_and_safety,CANARY-ACCESS-WIDGETS exposure,Canary Monitor,"
            "restricted,high",
            f"pub-1,{CANARY_BRAND},freedom_of_association,{PUBLIC_CONTROL} union report,Canary Monitor,"
            "public,medium",
        ],
    )
    run_ingest(
        "findings",
        [findings],
        store,
        settings,
        dataset="canary-findings",
        publisher="Canary Monitor",
        licence="test",
        licence_class="open",
    )
    links = _write(
        work / "canary_links.csv",
        "upstream,downstream,commodity,evidence",
        [f"Canarylicence Mining Co,{CANARY_BRAND},tin,CANARY-LICENCE-LINK shipping record"],
    )
    run_ingest(
        "links",
        [links],
        store,
        settings,
        dataset="canary-licds",
        publisher="Canary Licensor",
        licence="no redistribution",
        licence_class="restricted",
    )
    lic_findings = _write(
        work / "canary_lic_findings.csv",
        head,
        [f"lic-1,{CANARY_BRAND},child_labour,CANARY-LICENCE-FINDING list entry,Canary Licensor,public,high"],
    )
    run_ingest(
        "findings",
        [lic_findings],
        store,
        settings,
        dataset="canary-licds-findings",
        publisher="Canary Licensor",
        licence="no redistribution",
        licence_class="restricted",
    )


@pytest.fixture(scope="session")
def demo_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store with the demo graph and the canaries (built once per session)."""
    from tierwatch.graph.sqlite_ops import copy_store
    from tierwatch.graph.sqlite_store import SQLiteStore

    base = tmp_path_factory.mktemp("api-demo")
    directory = base / "store"
    real = os.environ.get("TIERWATCH_REAL_DATA_DIR")
    settings = Settings(store_dir=directory, real_data_dir=Path(real) if real else None)
    copy_store(shared_demo_store(tmp_path_factory), directory)
    store = SQLiteStore(directory)
    add_canaries(store, settings, base / "canaries")
    return directory


@pytest.fixture
def demo_neo4j(demo_store_dir: Path, neo4j_uri: str) -> str:
    """The same elements in the test Neo4j (loaded once; reloaded if another test emptied it)."""
    load_into_neo4j(demo_store_dir, neo4j_uri)
    return neo4j_uri


@pytest.fixture(params=["embedded", "neo4j"])
def demo_settings(request: pytest.FixtureRequest, demo_store_dir: Path, tmp_path: Path) -> Settings:
    """Settings pointing at the demo graph on each backend, with a fresh keys file."""
    if request.param == "embedded":
        return Settings(
            store="embedded",
            store_dir=demo_store_dir,
            keys_file=tmp_path / "keys.json",
            api_query_timeout_s=120,
        )
    uri = request.getfixturevalue("demo_neo4j")
    # whole-graph risk on Neo4j reads the graph once per generation: more than the default 10 s here
    return Settings(
        store="neo4j",
        store_dir=demo_store_dir,
        neo4j_uri=uri,
        keys_file=tmp_path / "keys.json",
        api_query_timeout_s=120,
    )


@pytest.fixture(scope="session")
def demo_app_settings(demo_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Embedded-store settings for session-wide apps (schemathesis)."""
    keys = tmp_path_factory.mktemp("keys") / "keys.json"
    return Settings(store="embedded", store_dir=demo_store_dir, keys_file=keys)
