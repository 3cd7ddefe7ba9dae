"""ICMM's Global Mining Dataset: large-scale mines, smelters, refineries and plants, located.

One row per site (``icmm:<ICMMID>``):
- "Asset Type" decides the node type. Any combination with *Mine* is a ``Mine`` (``asset_type``
  keeps the whole value, e.g. ``Mine;Smelter``: one site id cannot be two nodes); *Smelter* and/or
  *Refinery* without a mine is a ``Smelter`` (no RMI id: ICMM does not give one; the RMI pipeline's
  ``rmi:`` smelters meet these through candidates, never by merging); *Plant* or *Steel Plant* alone
  is a ``Facility`` (kind "processing plant" / "steel plant").
- ``mining_type`` is "industrial": the 'About' sheet says the dataset lists large-scale operations.
- Commodities (primary, secondary, other; ``;``-separated) go through the vocabulary; the file's
  misspellings are corrected by ``[lookups.commodity_spelling]``; names the vocabulary lacks are
  kept in the node's note and counted in the run notes (never dropped silently).
- "Group Names" (names of the sites ICMM clustered into this one) become aliases.
- Confidence: ICMM's own "Confidence Factor" (High 0.9, Moderate 0.8, Very Low 0.6; its 'About' sheet
  defines them by how many independent sources list the site) is the provenance confidence.
- Operator / owner and state columns are not in the 2025-09 file; when a version carries them they
  become ``OPERATES`` / ``OWNS`` from resolved companies and the site's ``state`` (+ ISO 3166-2 region
  when the name is exactly a subdivision's).
- Coordinates: the file has a Unicode minus sign in one latitude ("−23.8901"); it is read as a
  minus. Values outside -90..90 / -180..180 quarantine the row.

After the rows, same-site candidates are offered against the battery file's facilities already in
the store (``site_match``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pycountry
from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import fold
from tierwatch.graph.schema import Facility, LocatedIn, Mine, NodeModel, Operates, Owns, Smelter
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.icmm_mines.site_match import emit_same_site_candidates
from tierwatch.ingest.readers import read_sheet, xlsx_sheets

HEADER_SCAN_ROWS = 10
OPERATOR_COLUMNS = ("Operator", "Operators", "Company")
OWNER_COLUMNS = ("Owner", "Owners", "Owner(s)")
STATE_COLUMNS = ("State", "Province", "Region", "State/Province")


def _key(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def parse_coordinate(value: Any) -> float | None:
    """A float from a cell, reading the Unicode minus sign (U+2212) as '-'; None when not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u2212", "-").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def split_list(value: Any) -> list[str]:
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


def region_for(country: str, state: str) -> str | None:
    """ISO 3166-2 code when ``state`` is exactly one subdivision's name in ``country``."""
    key = fold(state)
    found = {
        str(s.code)
        for s in pycountry.subdivisions.get(country_code=country) or []
        if fold(s.name) == key or fold(s.name).split(" (")[0] == key
    }
    return found.pop() if len(found) == 1 else None


class IcmmPipeline(Pipeline):
    def _find_table(self, path: Path) -> tuple[str, int] | None:
        """(sheet, header row index) of the asset table, from sheet content, or None."""
        sheets = xlsx_sheets(path)
        if not sheets:
            return None
        role = self.spec.roles["asset-list"]
        required = {_key(c) for c in role["required"] if c not in role["id_columns"]}
        id_columns = {_key(c) for c in role["id_columns"]}
        for sheet in sheets:
            try:
                rows = read_sheet(path, sheet)
            except InputFileError:
                continue
            for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
                cells = {_key(c) for c in row if str(c).strip()}
                if required <= cells and cells & id_columns:
                    return sheet, index
        return None

    def recognise(self, path: Path) -> str | None:
        return "asset-list" if self._find_table(path) else None

    def run(self, ctx: IngestContext, files: list[tuple[Path, str]]) -> None:
        super().run(ctx, files)
        found = emit_same_site_candidates(ctx, "icmm:", "nabattery:facility:", ("Facility",))
        ctx.notes.append(f"same-site candidates with battery-file facilities: {found}")

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        table = self._find_table(path)
        if table is None:
            raise InputFileError(str(path), f"no sheet fits: expected {self.expected_roles()}")
        sheet, header_index = table
        rows = read_sheet(path, sheet)
        header = [" ".join(str(c).split()) for c in rows[header_index]]
        ctx.see_columns([h for h in header if h])
        column = {_key(h): i for i, h in enumerate(header) if h}
        seen: dict[str, tuple[str, ...]] = {}
        unknown: dict[str, int] = {}
        for index in range(header_index + 1, len(rows)):
            raw = rows[index]
            number = index + 1  # the row number a spreadsheet user sees
            ctx.begin_row(number)
            cells = [str(c).strip() if not isinstance(c, float) else c for c in raw]
            if not any(str(c).strip() for c in cells):
                ctx.skip("blank row")
                continue
            row = {h: (cells[i] if i < len(cells) else "") for h, i in column.items()}
            self._map_row(ctx, row, f"{sheet}!R{number}", seen, unknown)
        for name, count in sorted(unknown.items()):
            ctx.notes.append(f"commodity not in the vocabulary (kept in the note): {name!r} x{count}")

    def _map_row(
        self,
        ctx: IngestContext,
        row: dict[str, Any],
        at: str,
        seen: dict[str, tuple[str, ...]],
        unknown: dict[str, int],
    ) -> None:
        def get(*names: str) -> str:
            for name in names:
                value = row.get(_key(name))
                if value not in (None, ""):
                    return str(value).strip()
            return ""

        site_id = get(*self.spec.roles["asset-list"]["id_columns"])
        if not site_id:
            ctx.reject("ICMM id is blank", "ICMMID")
            return
        signature = tuple(str(v) for v in row.values())
        if site_id in seen:
            if seen[site_id] == signature:
                ctx.duplicate()
            else:
                ctx.reject("ICMM id repeated with different values", "ICMMID", site_id)
            return
        seen[site_id] = signature
        name = get("Mine Name")
        if not name:
            ctx.reject("site name is blank", "Mine Name", site_id)
            return
        lat, lon = parse_coordinate(get("Latitude")), parse_coordinate(get("Longitude"))
        if lat is None or not -90 <= lat <= 90:
            ctx.reject("latitude is not a number in -90..90", "Latitude", get("Latitude"))
            return
        if lon is None or not -180 <= lon <= 180:
            ctx.reject("longitude is not a number in -180..180", "Longitude", get("Longitude"))
            return
        country = ctx.ref.country(get("Country"))
        if country is None:
            ctx.reject("country not recognised", "Country", get("Country"))
            return
        asset_words = [self.spec.lookup("asset_word", _key(w)) for w in split_list(get("Asset Type"))]
        if not asset_words or None in asset_words:
            ctx.reject("asset type not recognised", "Asset Type", get("Asset Type"))
            return
        confidence = self.spec.lookup("confidence", _key(get("Confidence Factor")))
        if confidence is None:
            ctx.reject("confidence factor not recognised", "Confidence Factor", get("Confidence Factor"))
            return

        commodities, unlisted = self._commodities(ctx, row)
        for item in unlisted:
            unknown[item] = unknown.get(item, 0) + 1
        code = country.removeprefix("country:")
        state = get(*STATE_COLUMNS) or None
        region = region_for(code, state) if state else None
        aliases = [n for n in dict.fromkeys(split_list(get("Group Names"))) if n != name]
        note_parts = [f"ICMM confidence factor: {get('Confidence Factor')}"]
        if unlisted:
            note_parts.append("commodities not in the vocabulary: " + ", ".join(unlisted))
        operators = split_list(get(*OPERATOR_COLUMNS))
        common: dict[str, Any] = dict(
            id=f"icmm:{site_id}",
            name=name,
            aliases=aliases,
            identifiers=[f"ICMM:{site_id}"],
            country=code,
            region=region,
            lat=lat,
            lon=lon,
            commodities=commodities,
            state=state,
            note="; ".join(note_parts),
        )
        model: NodeModel
        if "mine" in asset_words:
            model = Mine(
                **common,
                mining_type="industrial",
                asset_type=get("Asset Type"),
                operator=operators[0] if operators else None,
            )
        elif "smelter" in asset_words or "refinery" in asset_words:
            primary = commodities[0].removeprefix("commodity:") if commodities else None
            model = Smelter(**common, metal=primary)
            model.note = f"{model.note}; ICMM asset type: {get('Asset Type')}"
        else:
            kinds = [self.spec.lookup("facility_kind", w) for w in asset_words]
            model = Facility(**common, kind="; ".join(k for k in kinds if k))
        ctx.node(model, at=at, confidence=confidence)
        ctx.edge(LocatedIn(src=model.id, dst=country), at=at, confidence=confidence)
        if region and ctx.ref.region(region):
            ctx.edge(LocatedIn(src=model.id, dst=f"region:{region}"), at=at, confidence=confidence)
        for operator in operators:
            company = ctx.resolver.org_model(operator)
            ctx.node(company, at=at, confidence=confidence)
            ctx.edge(Operates(src=company.id, dst=model.id), at=at, confidence=confidence)
        for owner in split_list(get(*OWNER_COLUMNS)):
            company = ctx.resolver.org_model(owner)
            ctx.node(company, at=at, confidence=confidence)
            ctx.edge(Owns(src=company.id, dst=model.id, relation="owner"), at=at, confidence=confidence)

    def _commodities(self, ctx: IngestContext, row: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Vocabulary ids in the file's order (primary first), and the names the vocabulary lacks."""
        names: list[str] = []
        for column in ("Primary Commodity", "Secondary Commodity", "Other Commodities"):
            names.extend(split_list(row.get(_key(column), "")))
        ids: list[str] = []
        unlisted: list[str] = []
        for name in dict.fromkeys(names):
            spelled = self.spec.lookup("commodity_spelling", _key(name), name)
            cid = ctx.ref.commodity(spelled)
            if cid is None:
                unlisted.append(spelled)
            elif cid not in ids:
                ids.append(cid)
        return ids, unlisted


PIPELINE = IcmmPipeline
