"""Property-based tests over the OpenAPI spec (schemathesis), in-process against the ASGI app on the
real demo graph: no server errors, no responses that break the documented schemas.

Operations are driven through hypothesis directly (schemathesis' pytest fixture integration does
not run under pytest 9 yet)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tierwatch.api.app import create_app
from tierwatch.api.auth import KeyStore, Role

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]


def test_every_operation_conforms(demo_app_settings) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(demo_app_settings))
    failures: list[str] = []
    statuses: dict[int, int] = {}
    key = KeyStore(demo_app_settings.keys_path).add(Role.ANALYST)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:
            # random keys only ever meet 401 (tested in test_api.py): ask as public or as analyst instead
            headers = {
                k: v
                for k, v in (case.headers or {}).items()
                if k.lower() not in ("x-api-key", "authorization")
            }
            if sum(statuses.values()) % 2:
                headers["X-API-Key"] = key
            case.headers = headers
            response = case.call_and_validate(checks=CHECKS)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
    assert statuses.get(200, 0) >= len(operations), statuses  # the cases reach real answers too
    print("schemathesis statuses:", dict(sorted(statuses.items())))
