"""Request plumbing without a store (a stub query service): answers are the query layer's models as
JSON, once; the time limit gives 504; query threads per store; remembered keys; the loaded graph
kept out of full garbage collections."""

from __future__ import annotations

import gc
import time

import pytest
from fastapi.testclient import TestClient
from tierwatch.api.app import create_app
from tierwatch.api.auth import KeyStore, Role
from tierwatch.api.deps import query_threads
from tierwatch.graph.query.models import Coverage, EntityRef, ExposureResult, Withheld
from tierwatch.graph.settings import Settings

RESULT = ExposureResult(
    root=EntityRef(id="org:x", type="Organization", name="Ünïcode & Co </script>"),
    max_tiers=6,
    reached=3,
    categories=[],
    aggregate=1e-7,
    aggregate_formula="1 - prod(1 - score)",
    coverage=Coverage(chains=[], notes=["tender stage"]),
    withheld=Withheld(links=2),
)


class StubService:
    backend = "stub"
    generation = "stub:1"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0

    def refresh(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def exposure(self, entity_id: str, viewer, **options) -> ExposureResult:
        self.calls += 1
        time.sleep(self.delay)
        return RESULT


def _client(tmp_path, service: StubService, **settings) -> TestClient:
    cfg = Settings(store="networkx", store_dir=tmp_path, keys_file=tmp_path / "keys.json", **settings)
    return TestClient(create_app(cfg, service=service), raise_server_exceptions=False)


def test_answer_is_the_models_json(tmp_path) -> None:
    service = StubService()
    response = _client(tmp_path, service).get("/v1/entities/org:x/exposure")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.content == RESULT.model_dump_json().encode()
    assert response.json() == RESULT.model_dump(mode="json") and service.calls == 1
    assert gc.get_freeze_count() > 0  # the service's objects are out of full collections


def test_time_limit_is_504(tmp_path) -> None:
    response = _client(tmp_path, StubService(delay=1.0), api_query_timeout_s=0.1).get(
        "/v1/entities/org:x/exposure"
    )
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "timeout" and "0.1 s" in response.json()["error"]["message"]


def test_query_threads_by_store(tmp_path) -> None:
    assert 1 <= query_threads(Settings(store="networkx", store_dir=tmp_path)) <= 2
    assert query_threads(Settings(store="neo4j", store_dir=tmp_path)) == 40
    assert query_threads(Settings(store="networkx", store_dir=tmp_path, api_query_threads=7)) == 7
    with pytest.raises(ValueError):
        Settings(store_dir=tmp_path, api_query_threads=-1)


def test_keys_are_remembered_only_once_verified(tmp_path) -> None:
    keys = KeyStore(tmp_path / "keys.json")
    key = keys.add(Role.ANALYST)
    assert keys.remembered(key) is None  # not checked yet: the API hashes it off the event loop
    assert keys.role_for(key) is Role.ANALYST
    assert keys.remembered(key) is Role.ANALYST
    (entry,) = keys.list()
    keys.revoke(entry.id)
    assert keys.remembered(key) is None


def test_analyst_key_through_the_api(tmp_path) -> None:
    client = _client(tmp_path, StubService())
    key = KeyStore(tmp_path / "keys.json").add(Role.ANALYST)
    for _ in range(2):  # first the slow check (worker thread), then the remembered one
        assert client.get("/v1/whoami", headers={"X-API-Key": key}).json()["role"] == "analyst"
    assert client.get("/v1/whoami", headers={"X-API-Key": key + "x"}).status_code == 401
