"""GET /v1/entities/{id}/report on the real demo graph (both stores): the files, the role, bad input."""

from __future__ import annotations

import io

import pypdf
from fastapi.testclient import TestClient
from tierwatch.api.app import create_app
from tierwatch.api.auth import KeyStore, Role
from tierwatch.graph.settings import Settings

BUYER = "canada:dept:rcmp-grc"


def test_report_route_formats_roles_and_bad_input(demo_settings: Settings) -> None:
    client = TestClient(create_app(demo_settings), raise_server_exceptions=False)
    key = KeyStore(demo_settings.keys_path).add(Role.ANALYST)
    public = client.get(f"/v1/entities/{BUYER}/report")
    assert public.status_code == 200 and public.headers["content-type"].startswith("text/html")
    assert 'filename="report-canada-dept-rcmp-grc.html"' in public.headers["content-disposition"]
    analyst = client.get(f"/v1/entities/{BUYER}/report", headers={"X-API-Key": key})
    assert b"for the role public" in public.content and b"for the role analyst" in analyst.content
    # the same numbers as the exposure answer for the same role
    exposure = client.get(f"/v1/entities/{BUYER}/exposure").json()
    assert f"{exposure['withheld']['findings']} findings".encode() in public.content
    assert exposure["coverage"]["headline"]["text"].replace("'", "&#x27;").encode() in public.content
    pdf = client.get(f"/v1/entities/{BUYER}/report", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Royal Canadian Mounted Police" in text and "Known unknowns" in text
    bad = client.get(f"/v1/entities/{BUYER}/report", params={"format": "docx"})
    assert bad.status_code == 422 and "html, pdf" in bad.json()["error"]["message"]
    missing = client.get("/v1/entities/zz:nothing/report")
    assert (
        missing.status_code == 404 and missing.json()["error"]["message"] == "no entity with id 'zz:nothing'"
    )


def test_report_since_route(demo_settings: Settings) -> None:
    """``?since=`` adds the "what changed since" section; a future or malformed day is 422."""
    client = TestClient(create_app(demo_settings), raise_server_exceptions=False)
    buyer = "buyer:gb:peterborough-city-council"
    for day, said in (("2999-01-01", "in the future"), ("June 2025", "ISO date")):
        bad = client.get(f"/v1/entities/{buyer}/report", params={"since": day})
        assert bad.status_code == 422 and said in bad.json()["error"]["message"]
    good = client.get(f"/v1/entities/{buyer}/report", params={"since": "2020-01-01"})
    assert good.status_code == 200 and b"What changed since 2020-01-01" in good.content
    plain = client.get(f"/v1/entities/{buyer}/report")
    assert b"What changed since" not in plain.content
