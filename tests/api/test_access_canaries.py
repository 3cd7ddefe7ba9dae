"""A role without access never sees restricted evidence, by any route or export format.

Canaries (tests/api/conftest.py) are planted in the real demo graph: access-restricted findings
(and an organisation only such a finding names) and a licence-restricted dataset (a supplier link
and a finding). As ``public`` every route's and every export format's bytes are searched for the
canary strings; the opened setting shows the licence canaries to ``public`` but never the access
ones; ``analyst`` sees everything (the positive control, so the routes do reach the canaries).
"""

from __future__ import annotations

import io
import re
import urllib.parse
import zipfile

import pypdf
import pytest
from api_canaries import (
    ACCESS_CANARIES,
    CANARY_BRAND,
    CANARY_BUYER,
    LICENCE_CANARIES,
    MATCH_URLS,
    POST_REQUESTS,
    PUBLIC_CONTROL,
)
from fastapi.testclient import TestClient
from tierwatch.api.app import create_app
from tierwatch.api.auth import KeyStore, Role
from tierwatch.graph.exports import FORMATS
from tierwatch.graph.report import FORMATS as REPORT_FORMATS
from tierwatch.graph.settings import Settings


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe=":")


WATCH_ROUTES = ("/v1/watch", "/v1/alerts", "/v1/changes/")


def _bodies(client: TestClient, headers: dict[str, str], hidden_ids: list[str]) -> dict[str, bytes]:
    """Every route, and every export format of every export route, as bytes."""
    b, buyer = _q(CANARY_BRAND), _q(CANARY_BUYER)
    urls = [
        "/v1/search?q=canary",
        "/v1/search?q=Canaryacess%20Widget",
        "/v1/search?q=Canarylicense%20Minning",
        "/v1/search?q=dell",
        f"/v1/entities/{b}",
        f"/v1/entities/{b}/upstream?tiers=3",
        f"/v1/entities/{b}/downstream?tiers=2",
        f"/v1/entities/{buyer}/exposure?hits_per_category=200",
        f"/v1/entities/{b}/exposure?hits_per_category=200",
        f"/v1/entities/{b}/risk",
        f"/v1/entities/{buyer}/risk",
        "/v1/risk?limit=500",
        f"/v1/paths?src={buyer}&dst={b}&k=5",
        "/v1/leverage?all=true&limit=500&evidence=20&paths=2",
        "/v1/leverage?buyer_country=CA&type=Brand&evidence=20&paths=20",
        "/v1/health",
        "/v1/whoami",
        "/v1/watch",
        "/v1/alerts",
        f"/v1/changes/{buyer}?since=2018-01-01&until=2020-06-30",
        *MATCH_URLS,
    ]
    for hidden in hidden_ids:
        urls += [
            f"/v1/entities/{_q(hidden)}",
            f"/v1/paths?src={b}&dst={_q(hidden)}",
            f"/v1/entities/{_q(hidden)}/upstream",
            f"/v1/entities/{_q(hidden)}/export?format=json",
            f"/v1/reconcile/preview?id={_q(hidden)}",
        ]
    for fmt in REPORT_FORMATS:  # a PDF of the buyer's 200 hits per category would take a minute
        urls += [
            f"/v1/entities/{buyer}/report?format={fmt}&hits_per_category={200 if fmt == 'html' else 20}",
            f"/v1/entities/{b}/report?format={fmt}&hits_per_category=200",
        ]
    for fmt in FORMATS:
        urls += [
            f"/v1/entities/{b}/export?format={fmt}&hops=2",
            f"/v1/entities/{buyer}/exposure/export?format={fmt}&hits_per_category=200",
            f"/v1/paths/export?src={buyer}&dst={b}&format={fmt}&k=5",
            f"/v1/leverage/export?all=true&format={fmt}&limit=200",
        ]
    out = {}
    for url in urls:
        response = client.get(url, headers=headers)
        allowed = (200, 403, 404) if url.startswith(WATCH_ROUTES) else (200, 404)  # 403: analyst only
        assert response.status_code in allowed, (url, response.status_code, response.text[:300])
        body = response.content
        if body[:2] == b"PK":  # the CSV zip: search its members
            with zipfile.ZipFile(io.BytesIO(body)) as zf:
                body = b"\n".join(zf.read(name) for name in zf.namelist())
        if body[:5] == b"%PDF-":  # a report: search its text
            body = pdf_text(body)
        out[url] = body
    for url, request in POST_REQUESTS:
        response = client.post(url, headers=headers, **request)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
        out[f"POST {url}"] = response.content
    return out


def pdf_text(data: bytes) -> bytes:
    """A PDF's text with white space removed (table cells wrap words), as the needles are searched."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", "", text).encode()


def _found(bodies: dict[str, bytes], needles: tuple[str, ...]) -> list[tuple[str, str]]:
    """(url, needle) for each needle in a body; a PDF's text is compared without white space."""

    def has(body: bytes, n: str) -> bool:
        return n.lower().encode() in body.lower() or re.sub(r"\s+", "", n).lower().encode() in body.lower()

    return [(url, n) for url, body in bodies.items() for n in needles if has(body, n)]


def _hidden_ids(settings: Settings) -> list[str]:
    """Ids of the canary-only organisations, found as analyst."""
    client = TestClient(create_app(settings))
    key = KeyStore(settings.keys_path).add(Role.ANALYST)
    ids = []
    for q in ("Canaryaccess Widgets", "Canarylicence Mining"):
        hits = client.get(f"/v1/search?q={_q(q)}", headers={"X-API-Key": key}).json()["hits"]
        assert hits, f"analyst finds {q}"
        ids.append(hits[0]["entity"]["id"])
    return ids


def test_public_sees_no_canary(demo_settings: Settings) -> None:
    hidden = _hidden_ids(demo_settings)
    client = TestClient(create_app(demo_settings))
    bodies = _bodies(client, {}, hidden)
    assert _found(bodies, ACCESS_CANARIES) == []
    assert _found(bodies, LICENCE_CANARIES) == []
    assert _found(bodies, (PUBLIC_CONTROL,)), "the public control finding is visible"
    # a canary-only id reads exactly like a missing one
    for hidden_id in hidden:
        missing = client.get(f"/v1/entities/{_q(hidden_id)}").json()["error"]["message"]
        assert missing == client.get("/v1/entities/zz:missing").json()["error"]["message"].replace(
            "zz:missing", hidden_id
        )
    # licence-restricted facts are counted as withheld; access-restricted ones are not counted
    detail = client.get(f"/v1/entities/{_q(CANARY_BRAND)}").json()
    upstream = client.get(f"/v1/entities/{_q(CANARY_BRAND)}/upstream").json()
    assert detail["withheld"]["findings"] + detail["withheld"]["links"] + upstream["withheld"]["links"] >= 1


def test_public_answers_do_not_change_when_access_canaries_go(demo_store_dir, tmp_path) -> None:
    """Not even counts: public's answers are byte-identical without the access-restricted rows."""
    from tierwatch.graph.sqlite_ops import copy_store
    from tierwatch.graph.sqlite_store import SQLiteStore

    copy_store(demo_store_dir, tmp_path)
    store = SQLiteStore(tmp_path)
    gone = [
        n["id"]
        for n in store.iter_nodes(dataset="canary-findings")
        if n.get("access") == "restricted"
        or (n["type"] != "RiskFinding" and n["licence_class"] == "restricted")
    ]
    assert len(gone) >= 3
    with store.write_lock():
        store.delete_nodes(gone)
    # a generous time limit: the first query of each app builds its index on a shared machine
    with_canaries = Settings(
        store_dir=demo_store_dir, keys_file=tmp_path / "k1.json", api_query_timeout_s=120
    )
    without = Settings(store_dir=tmp_path, keys_file=tmp_path / "k2.json", api_query_timeout_s=120)
    b, buyer = _q(CANARY_BRAND), _q(CANARY_BUYER)
    urls = [
        "/v1/search?q=Canaryacess%20Widget",
        "/v1/search?q=canary",
        f"/v1/entities/{b}",
        f"/v1/entities/{b}/upstream?tiers=3",
        f"/v1/entities/{buyer}/exposure?hits_per_category=200",
        f"/v1/entities/{b}/risk",
        f"/v1/paths?src={buyer}&dst={b}&k=5",
    ]
    a, z = TestClient(create_app(with_canaries)), TestClient(create_app(without))
    for url in urls:
        assert a.get(url).json() == z.get(url).json(), url
    for url, request in POST_REQUESTS:
        assert a.post(url, **request).json() == z.post(url, **request).json(), url


def test_opened_licence_shows_licence_canaries_but_never_access_ones(demo_settings: Settings) -> None:
    opened = demo_settings.model_copy(update={"open_licence_restricted_to_public": True})
    hidden = _hidden_ids(opened)
    bodies = _bodies(TestClient(create_app(opened)), {}, hidden)
    assert _found(bodies, ACCESS_CANARIES) == []
    licence_hits = {n for _, n in _found(bodies, LICENCE_CANARIES)}
    assert {"CANARY-LICENCE-LINK", "CANARY-LICENCE-FINDING"} <= licence_hits


def test_analyst_sees_every_canary(demo_settings: Settings) -> None:
    hidden = _hidden_ids(demo_settings)
    key = KeyStore(demo_settings.keys_path).add(Role.ANALYST)
    bodies = _bodies(TestClient(create_app(demo_settings)), {"Authorization": f"Bearer {key}"}, hidden)
    seen = {n for _, n in _found(bodies, ACCESS_CANARIES + LICENCE_CANARIES)}
    assert {"CANARY-ACCESS-DELL", "CANARY-LICENCE-LINK", "CANARY-LICENCE-FINDING"} <= seen


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_export_as_public_has_no_canary(demo_settings: Settings, fmt: str, tmp_path, monkeypatch) -> None:
    from tierwatch.graph import settings as settings_module

    from tierwatch.cli.export_cmd import run
    from tierwatch.cli.query_cmds import _service, _viewer

    monkeypatch.setattr(settings_module, "get_settings", lambda: demo_settings)
    monkeypatch.setattr("tierwatch.cli.query_cmds.get_settings", lambda: demo_settings)
    monkeypatch.setattr("tierwatch.cli.export_cmd.get_settings", lambda: demo_settings)
    from tierwatch.graph.exports import filename
    from tierwatch.graph.query.service import TraversalFilter

    out = tmp_path / filename("x", fmt)
    run(
        CANARY_BRAND,
        fmt,
        out,
        2,
        "neighbourhood",
        None,
        3,
        6,
        TraversalFilter(),
        False,
        demo_settings.store,
        _viewer("public"),
        _service,
    )
    data = out.read_bytes()
    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            data = b"\n".join(zf.read(n) for n in zf.namelist())
    for needle in ACCESS_CANARIES + LICENCE_CANARIES:
        assert needle.lower().encode() not in data.lower(), needle
