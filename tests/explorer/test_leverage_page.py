"""The Shared leverage page under Streamlit's AppTest on the demo graph: the table and chart of the
query layer's answer, the row detail with paths and evidence, and the download."""

from __future__ import annotations

from tierwatch.graph.query.leverage import BuyerSelection
from tierwatch.graph.query.service import Page, Viewer, open_query_service

from .test_pages import app, component, texts


def test_leverage_page_shows_the_answer(demo_env) -> None:
    at = app(page="leverage")
    table = at.dataframe[0].value
    svc = open_query_service(demo_env)
    try:
        answer = svc.leverage(BuyerSelection(country="CA"), Viewer.public(), paths=3, page=Page(limit=50))
    finally:
        svc.close()
    assert list(table["id"]) == [r.entity.id for r in answer.rows]
    assert list(table["buyers"]) == [r.buyers for r in answer.rows]
    body = texts(at)
    assert f"**{answer.total}** entities upstream" in body and "CA" in body
    charts = component(at, "arrow_vega_lite_chart") + component(at, "vega_lite_chart")
    assert charts, "a chart of the most shared entities"
    assert at.get("download_button"), "the answer can be downloaded"
    at.radio[0].set_value("A kind of buyer").run()
    assert not at.exception
    at.text_input(key="l_kind").input("no such kind").run()
    assert "unknown buyer kind" in texts(at), "a bad kind says so and lists the kinds"
