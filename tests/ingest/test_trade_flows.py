"""Trade flows on both stores: Country -> Country per commodity and period, never a company link."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest
from tierwatch.graph.dump import canonical_hash
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.settings import REPO_ROOT
from tierwatch.ingest.reference import country_code

ATLAS = "trade/atlas_hs92_283691_lithium_carbonate_bilateral_2015-2018.csv"
COMTRADE = "trade/comtrade_china_exports_graphite_gallium_hs6_monthly_by_partner.csv"


def _dataset(path: str) -> str:
    manifest = tomllib.loads((REPO_ROOT / "data" / "manifest.toml").read_text(encoding="utf-8"))
    return next(d["dataset"] for d in manifest["dataset"] if any(f["path"] == path for f in d["file"]))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_atlas_lithium_carbonate_flows(ingest, store, real_data):
    path = real_data / ATLAS
    report = ingest("trade-flows", path, dataset=_dataset(ATLAS))
    rows = _rows(path)
    c = report.counts[path.name]
    assert c.read == len(rows) == c.written + c.quarantined + c.duplicate + c.skipped
    assert report.unmapped == {}
    row = max(
        (r for r in rows if r["location_code"] == "CHL" and r["partner_code"] == "CHN"),
        key=lambda r: int(r["export_value"]),
    )
    eid = f"TRADE_FLOW:country:CL->country:CN#commodity:lithium|283691|{row['year']}"
    edge = store.get_edges([eid])[eid]
    assert edge["value_usd"] == float(row["export_value"]) and edge["period"] == row["year"]
    assert edge["hs_code"] == "283691" and edge["commodity"] == "commodity:lithium"
    # each positive export_value is one flow, the mirror rows' import_value adds nothing
    positive = {
        (r["location_code"], r["partner_code"], r["year"])
        for r in rows
        if int(r["export_value"]) > 0 and "ANS" not in (r["location_code"], r["partner_code"])
    }
    flows = list(store.iter_edges(types=["TRADE_FLOW"]))
    assert len(flows) == len(positive)
    assert {n["type"] for n in store.iter_nodes()} <= {"Country", "Commodity", "Source"}
    assert {e["type"] for e in store.iter_edges()} == {"TRADE_FLOW"}


def test_comtrade_china_monthly_exports(ingest, store, real_data):
    path = real_data / COMTRADE
    report = ingest("trade-flows", path, dataset=_dataset(COMTRADE))
    rows = _rows(path)
    c = report.counts[path.name]
    assert c.read == len(rows) == c.written + c.quarantined + c.duplicate + c.skipped
    row = next(r for r in rows if r["partner_name"] == "Japan" and r["hs6"] == "250410")
    period = row["period_dt"][:7]
    eid = f"TRADE_FLOW:country:CN->country:JP#commodity:graphite|250410|{period}"
    edge = store.get_edges([eid])[eid]
    assert edge["value_usd"] == float(row["val"]) and edge["quantity"] == float(row["qty"])
    assert edge["quantity_unit"] == "kg" and edge["period"] == period
    zero_qty = next(r for r in rows if float(r["qty"]) == 0)
    commodity = "gallium" if zero_qty["hs6"] == "811292" else "graphite"
    zid = (
        f"TRADE_FLOW:country:CN->country:{_partner(zero_qty['partner_name'])}#commodity:"
        f"{commodity}|{zero_qty['hs6']}|{zero_qty['period_dt'][:7]}"
    )
    assert "quantity" not in store.get_edges([zid])[zid]  # a 0 quantity next to a value is unknown
    assert not list(store.iter_nodes(types=["Company", "Brand", "Facility", "Smelter", "Mine"]))
    assert {e["type"] for e in store.iter_edges()} == {"TRADE_FLOW"}
    before = canonical_hash(store)
    again = ingest("trade-flows", path, dataset=_dataset(COMTRADE))
    assert again.edges_created == again.edges_updated == 0 and canonical_hash(store) == before


def _partner(name: str) -> str:
    return str(country_code(name))


def test_trade_bad_rows_and_unknown_files(ingest, store, tmp_path: Path):
    bad = tmp_path / "atlas.csv"
    bad.write_text(
        "location_code,partner_code,year,export_value,import_value,hs_product_code,extra\n"
        "CHL,CHN,2017,100,0,283691,a\nCHL,XXX,2017,100,0,283691,a\nCHL,CHN,20x7,100,0,283691,a\n"
        "CHL,CHN,2018,100,0,999999,a\nCHL,ANS,2017,5,0,283691,a\nCHL,ARG,2017,0,7,283691,a\n"
        "CHL,CHN,2017,100,0,283691,a\n",
        encoding="utf-8",
    )
    report = ingest("trade-flows", bad)
    c = report.counts["atlas.csv"]
    assert (c.read, c.written, c.quarantined, c.skipped, c.duplicate) == (7, 2, 3, 1, 1)
    assert report.unmapped == {"atlas.csv": ["extra"]}
    text = Path(report.quarantine_report).read_text()
    assert "country not recognised,partner_code,XXX" in text
    assert "year is not a year,year,20x7" in text
    assert "HS code not in [lookups.hs_commodity],hs_product_code,999999" in text
    # no mirror row for CHL-ARG: its import_value is the flow ARG -> CHL
    assert store.get_edges(["TRADE_FLOW:country:AR->country:CL#commodity:lithium|283691|2017"])
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("exporter,importer\nCL,CN\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="does not fit source 'trade-flows'"):
        ingest("trade-flows", wrong)
