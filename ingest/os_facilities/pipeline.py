"""Facility lists in Open Supply Hub's format: one facility per row, located.

The committed sample (OS Hub's ``facility_lists/geocoded/15.csv``) has country (ISO alpha-2), name,
address, sector, lat, lng: no OS ID and no contributor, so nothing says who listed these
facilities or that OS Hub matched them; every facility's note and the run notes say so.
Facility ids are ``osh:facility:<name>:<country>:<address>``. The other columns of OS Hub lists and
downloads are mapped when present: ``os_id`` (identifier ``OSHUB:<id>``), ``contributor``
(note), ``number_of_workers`` (``workers``), ``parent_company`` (Company -OWNS-> Facility),
``product_type`` (products), ``facility_type`` / ``processing_type`` (kind), ``is_closed`` and
``contribution_date`` (note). Multi-value cells use OS Hub's ``|`` separator ("Apparel|Health").

Confidence 0.7: a list of unknown contributor, not verified by OS Hub; 0.9 when the row carries an
OS ID (a matched OS Hub facility).
"""

from __future__ import annotations

from pathlib import Path

from tierwatch.graph.names import slug
from tierwatch.graph.schema import Facility, LocatedIn, Owns
from tierwatch.ingest.framework import IngestContext, Pipeline, require_columns
from tierwatch.ingest.readers import csv_header, read_csv

LIST_CONFIDENCE = 0.7
MATCHED_CONFIDENCE = 0.9


def split_values(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def clean(value: str | None) -> str:
    return " ".join((value or "").split())


class OsFacilitiesPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        role = self.spec.roles["facility-list"]
        if sniff is None:
            return None
        header = [h.lower() for h in sniff[0]]
        if all(c in header for c in role["required"]) and any(c in header for c in role["country_columns"]):
            return "facility-list"
        return None

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        header, rows = read_csv(path)
        require_columns(path, [h.lower() for h in header], self.spec.roles[role]["required"])
        ctx.see_columns([h.lower() for h in header])
        has_os_id = any(h.lower() == "os_id" for h in header)
        has_contributor = any(h.lower().startswith("contributor") for h in header)
        if not has_os_id or not has_contributor:
            missing = [n for n, ok in (("OS ID", has_os_id), ("contributor", has_contributor)) if not ok]
            ctx.notes.append(
                f"{path.name}: no {' and no '.join(missing)} column: who listed these "
                "facilities, and whether OS Hub matched them, is not stated"
            )
        seen: set[tuple[str, ...]] = set()
        for number, raw in enumerate(rows, start=2):
            ctx.begin_row(number)
            row = {k.lower(): v for k, v in raw.items()}
            key = tuple(raw.get(c, "") for c in header)
            if key in seen:
                ctx.duplicate()
                continue
            seen.add(key)
            if not any(v.strip() for v in row.values()):
                ctx.skip("blank line")
                continue
            self._map_row(ctx, row, has_os_id, has_contributor)

    def _map_row(
        self, ctx: IngestContext, row: dict[str, str], has_os_id: bool, has_contributor: bool
    ) -> None:
        name, address = clean(row.get("name")), clean(row.get("address"))
        if not name:
            ctx.reject("facility name is blank", "name")
            return
        if not address:
            ctx.reject("address is blank", "address", name)
            return
        country_field, country_text = next(
            (
                (c, clean(row.get(c)))
                for c in self.spec.roles["facility-list"]["country_columns"]
                if clean(row.get(c))
            ),
            ("country", ""),
        )
        country = ctx.ref.country(country_text)
        if country is None:
            ctx.reject("country not recognised", country_field, country_text)
            return
        lat_text, lon_text = clean(row.get("lat")), clean(row.get("lng"))
        try:
            lat = float(lat_text) if lat_text else None
            lon = float(lon_text) if lon_text else None
        except ValueError:
            bad = "lat" if not _is_float(lat_text) else "lng"
            ctx.reject("coordinate is not a number", bad, row.get(bad))
            return
        if lat is not None and lon is not None and lat == 0 and lon == 0:
            lat = lon = None
        if (lat is not None and not -90 <= lat <= 90) or (lon is not None and not -180 <= lon <= 180):
            ctx.reject("coordinates out of range", "lat", f"{lat_text}, {lon_text}")
            return
        code = country.removeprefix("country:")
        os_id = clean(row.get("os_id"))
        sectors = split_values(row.get("sector")) or split_values(row.get("sector_product_type"))
        kind = clean(
            row.get("facility_type") or row.get("processing_type") or row.get("facility_type_processing_type")
        )
        if not kind and sectors:
            kind = self.spec.lookup("sector_kind", sectors[0].lower(), f"{sectors[0].lower()} facility")
        note = self._note(row, has_os_id, has_contributor)
        workers = clean(row.get("number_of_workers")) or None
        facility = Facility(
            id=f"osh:facility:{slug(name)}:{code}:{slug(address)}",
            name=name,
            address=address,
            country=code,
            lat=lat,
            lon=lon,
            kind=kind or None,
            sectors=sectors,
            products=split_values(row.get("product_type")),
            workers=workers,
            identifiers=[f"OSHUB:{os_id}"] if os_id else [],
            note=note,
        )
        confidence = MATCHED_CONFIDENCE if os_id else LIST_CONFIDENCE
        ctx.node(facility, confidence=confidence)
        ctx.edge(LocatedIn(src=facility.id, dst=country), confidence=confidence)
        for parent in split_values(row.get("parent_company")):
            company = ctx.resolver.org_model(parent)
            ctx.node(company, confidence=confidence)
            ctx.edge(Owns(src=company.id, dst=facility.id, relation="parent company"), confidence=confidence)

    @staticmethod
    def _note(row: dict[str, str], has_os_id: bool, has_contributor: bool) -> str:
        parts = []
        if not has_os_id:
            parts.append("no OS ID in the list")
        if not has_contributor:
            parts.append("no contributor in the list")
        contributor = clean(row.get("contributor") or row.get("contributor (list)"))
        if contributor:
            parts.append(f"contributed by: {contributor}")
        if clean(row.get("contribution_date")):
            parts.append(f"contribution date: {clean(row.get('contribution_date'))}")
        if clean(row.get("is_closed")).lower() in ("true", "yes", "1"):
            parts.append("closed (per OS Hub)")
        return "; ".join(parts) or "Open Supply Hub facility"


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


PIPELINE = OsFacilitiesPipeline
