"""docker-compose.yml (validated here without Docker): the API and the explorer run on Neo4j, and
every service waits for what it needs, healthy or finished."""

from __future__ import annotations

import yaml
from tierwatch.graph.settings import REPO_ROOT


def _services() -> dict[str, dict]:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def test_api_and_explorer_run_on_neo4j_with_health_checks():
    services = _services()
    for name in ("api", "explorer"):
        service = services[name]
        assert service["environment"]["TIERWATCH_STORE"] == "neo4j"
        assert service["environment"]["TIERWATCH_NEO4J_URI"] == "bolt://neo4j:7687"
        assert service["healthcheck"]["test"]
    assert "neo4j recover" in " ".join(services["api"]["command"])


def test_services_start_in_order():
    services = _services()
    waits = {name: s.get("depends_on", {}) for name, s in services.items()}
    for name, deps in waits.items():
        for dep, how in deps.items():
            wanted = "service_healthy" if "healthcheck" in services[dep] else "service_completed_successfully"
            assert how["condition"] == wanted, (name, dep)
    order: list[str] = []
    while len(order) < len(services):  # a start order exists (no cycle)
        ready = [n for n in services if n not in order and all(d in order for d in waits[n])]
        assert ready, f"cycle among {sorted(set(services) - set(order))}"
        order += sorted(ready)
    assert order.index("neo4j") < order.index("load") < order.index("api") < order.index("explorer")
