"""SEC Form SD smelter lists: Smelter -SUPPLIES-> Brand, one edge per metal, with the filing as evidence.

Each row is a smelter or refiner a filer (Motorola Solutions, Toyota, HPE, Xerox, Microsoft)
declared in its conflict-minerals report for one calendar year. Evidence on every link:
``SEC Form SD <accession> <exhibit URL> CY<year>``; the filer's CIK is an identifier of its Brand.

- Rows with an RMI id (CID) link ``rmi:<CID>`` (declared, 0.9). Without the RMI reference in the
  store the node is made from the row's own name and country; CIDs the loaded reference does not
  know (newer than it) are kept and noted. A row whose name is far from the reference's name for
  its CID, or is another smelter's reference name (a few tungsten rows), is *misaligned*: the CID
  is kept, the row's name and country are not used, confidence 0.6.
- Name-only rows resolve per metal: one exact normalised (name, metal) match in the reference ->
  that RMI id (name_match, 0.8); otherwise a source-local smelter ``sec:smelter:<metal>:<name>``
  (the declaration itself, 0.9) with scored ``SAME_AS_CANDIDATE`` links to close reference names.
- A valid RMI id is enough: a row whose name is blank, a status word ("Conformant") or a
  country name but whose CID is valid links to ``rmi:<CID>`` by the id (the raw name kept in the
  link's note, never used as the smelter's name); a CID the loaded reference does not know is
  still that entity, noted as unknown to the reference.
- Junk rows are quarantined with the field at fault: such names without a valid CID, unknown
  metals, malformed CIDs.
"""

from __future__ import annotations

import re
from pathlib import Path

from tierwatch.graph.names import fold, normalise_name, slug
from tierwatch.graph.schema import LocatedIn, Method, SameAsCandidate, Smelter, Supplies, SupplyStatus
from tierwatch.ingest.framework import IngestContext, Pipeline, require_columns
from tierwatch.ingest.readers import csv_header, read_csv
from tierwatch.ingest.reference import commodity_id
from tierwatch.ingest.sec_smelters.matching import SmelterReference, country_of, is_country_name

_CID = re.compile(r"^CID\d{6}$")
_METAL_SPLIT = re.compile(r"[;,/|]")


class SecSmeltersPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        sniff = csv_header(path)
        if sniff and all(
            c in {h.lower() for h in sniff[0]} for c in self.spec.roles["smelter-list"]["required"]
        ):
            return "smelter-list"
        return None

    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        header, rows = read_csv(path)
        header = [h.lower() for h in header]
        require_columns(path, header, self.spec.roles[role]["required"])
        ctx.see_columns(header)
        store_nodes = ctx.resolver.store.iter_nodes(types=["Smelter"])
        self.reference = SmelterReference(store_nodes, ctx.info.dataset)
        self.match = self.spec.raw.get("matching", {})
        self.newer: set[str] = set()
        self.misaligned: set[str] = set()
        self.declared_pairs = self._declared_pairs(read_csv(path)[1])
        seen: set[tuple[str, ...]] = set()
        for number, raw in enumerate(rows, start=2):
            ctx.begin_row(number)
            row = {k.lower(): (v or "").strip() for k, v in raw.items()}
            key = tuple(row.get(c, "") for c in header)
            if key in seen:
                ctx.duplicate()
                continue
            seen.add(key)
            self._row(ctx, row)
        if not self.reference.loaded:
            ctx.notes.append(
                "RMI smelter reference not in the store: CIDs not checked, name-only rows not "
                "resolved to RMI ids (ingest rmi-smelters first)"
            )
        if self.newer:
            ctx.notes.append(
                f"{len(self.newer)} CIDs not in the loaded RMI reference (newer than it), kept: "
                + ", ".join(sorted(self.newer))
            )
        if self.misaligned:
            ctx.notes.append(
                f"{len(self.misaligned)} CIDs declared with another smelter's name (misaligned), "
                "CID kept at lower confidence: " + ", ".join(sorted(self.misaligned))
            )

    def _declared_pairs(self, rows) -> dict[tuple[str, str], tuple[str, str]]:
        """(name, commodity) -> (rmi id, filer) from this file's CID rows the reference confirms.

        Another filer's name-only row with the same name and metal then resolves to that id. Only
        CIDs the loaded reference knows, with names close to its names for them, count; a name
        declared with two different CIDs counts for neither.
        """
        if not self.reference.loaded:
            return {}
        found: dict[tuple[str, str], set[tuple[str, str]]] = {}
        below = float(self.match.get("misaligned_below", 50))
        for raw in rows:
            row = {k.lower(): (v or "").strip() for k, v in raw.items()}
            cid, name = row.get("smelter_cid", "").upper(), row.get("smelter_name", "")
            nid = f"rmi:{cid}"
            if not (_CID.match(cid) and name and self.reference.knows(nid)):
                continue
            if self.reference.name_distance(nid, name) < below:
                continue
            for metal in _METAL_SPLIT.split(row.get("metals", "")):
                commodity = commodity_id(metal.strip())
                same_name = self.reference.exact(name, commodity) if commodity else set()
                if commodity and (not same_name or nid in same_name):
                    found.setdefault((normalise_name(name), commodity), set()).add(
                        (nid, row.get("brand_name", ""))
                    )
        return {key: sorted(pairs)[0] for key, pairs in found.items() if len({p[0] for p in pairs}) == 1}

    def _reject_reason(self, row: dict[str, str]) -> tuple[str, str, str | None] | None:
        name, cid = row["smelter_name"], row["smelter_cid"].upper()
        if not row["brand_name"]:
            return "filer (brand) name is blank", "brand_name", None
        if not row["sec_accession"]:
            return "SEC accession number is blank: no evidence", "sec_accession", None
        if not row["reporting_year"].isdigit():
            return "reporting year is not a year", "reporting_year", row["reporting_year"]
        unusable = self._unusable_name(name)
        if unusable and not _CID.match(cid):  # a valid RMI id is enough: the row links by it
            if not name:
                return (
                    "smelter name and id are blank"
                    if not cid
                    else "smelter name is blank and the id is not an RMI id",
                    "smelter_name",
                    cid or None,
                )
            return f"{unusable}, and the row has no RMI id", "smelter_name", name
        if cid and not _CID.match(cid):
            return "smelter id is not an RMI id (CID + 6 digits)", "smelter_cid", row["smelter_cid"]
        if row.get("id_type") == "rmi-cid" and not cid:
            return "id_type says rmi-cid but smelter_cid is blank", "smelter_cid", None
        metals = [m.strip() for m in _METAL_SPLIT.split(row["metals"]) if m.strip()]
        if not metals or any(commodity_id(m) is None for m in metals):
            return "metal not recognised", "metals", row["metals"]
        return None

    def _unusable_name(self, name: str) -> str | None:
        """Why a smelter-name cell names no smelter (blank, a status word, a country), or None."""
        if not name:
            return "smelter name is blank"
        junk = self.spec.lookup("junk_names", fold(name))
        if junk:
            return f"smelter name is a {junk}, not a smelter"
        if is_country_name(name):
            return "smelter name is a country name, not a smelter"
        return None

    def _row(self, ctx: IngestContext, row: dict[str, str]) -> None:
        problem = self._reject_reason(row)
        if problem:
            ctx.reject(*problem)
            return
        year = int(row["reporting_year"])
        labels = [m.strip().title() for m in _METAL_SPLIT.split(row["metals"]) if m.strip()]
        metals = {label: ctx.ref.commodity(label) for label in labels}
        identifiers = [f"US-SEC-CIK:{row['filer_cik']}"] if row.get("filer_cik") else []
        if row.get("brand_ticker"):
            identifiers.append(f"US-TICKER:{row['brand_ticker']}")
        # identifiers are attached after resolving by name: the resolver's identifier path skips the
        # aliases file's parent links, which would make a re-ingest differ from the first run
        brand = ctx.resolver.org_model(row["brand_name"], brand=True)
        brand = brand.model_copy(update={"identifiers": sorted({*brand.identifiers, *identifiers})})
        ctx.node(brand)
        url = row["sec_exhibit_url"]
        evidence = f"SEC Form SD {row['sec_accession']} {url} CY{year}".replace("  ", " ")
        filed = f"; filed {row['filing_date']}" if row.get("filing_date") else ""
        base_note = (
            f"declared as '{row['smelter_name']}' ({row.get('id_type') or 'id type not given'}){filed}"
        )
        country = country_of(row.get("smelter_country"))
        cid = row["smelter_cid"].upper()
        for label, commodity in metals.items():
            assert commodity is not None
            if cid:
                smelter, method, confidence, note = self._by_cid(ctx, row, cid, label, metals, country)
            else:
                smelter, method, confidence, note = self._by_name(ctx, row, label, commodity, country)
            ctx.edge(
                Supplies(
                    src=smelter,
                    dst=brand.id,
                    key=f"{commodity.removeprefix('commodity:')}:{year}",
                    commodity=commodity,
                    years=[year],
                    period_start=f"{year}-01-01",
                    period_end=f"{year}-12-31",
                    status=SupplyStatus.DECLARED,
                    granularity="entity",
                    evidence=evidence,
                    note=f"{base_note}{note}",
                ),
                method=method,
                confidence=confidence,
            )

    def _by_cid(
        self,
        ctx: IngestContext,
        row: dict[str, str],
        cid: str,
        label: str,
        metals: dict[str, str | None],
        country: str | None,
    ) -> tuple[str, Method, float | None, str]:
        nid = f"rmi:{cid}"
        name = row["smelter_name"]
        commodities = [c for c in metals.values() if c]
        metal = label if len(metals) == 1 else None
        unusable = self._unusable_name(name)
        if unusable:  # named only by its id: link by the id, keep the raw name in the link's note
            known = self.reference.knows(nid)
            flag = (
                ""
                if known or not self.reference.loaded
                else "; CID not in the RMI reference loaded at ingest"
            )
            if self.reference.loaded and not known:
                self.newer.add(cid)
            ctx.node(
                Smelter(
                    id=nid,
                    rmi_id=cid,
                    commodities=commodities,
                    note="CID not in the RMI reference loaded at ingest; named only by its id"
                    if self.reference.loaded and not known
                    else None,
                )
            )
            return (
                nid,
                Method.DECLARED,
                None,
                f"; linked by RMI id only ({unusable}: {name!r} not used){flag}",
            )
        if not self.reference.loaded or not self.reference.knows(nid):
            if self.reference.loaded:
                self.newer.add(cid)
            ctx.node(
                Smelter(
                    id=nid,
                    rmi_id=cid,
                    name=name,
                    metal=metal,
                    commodities=commodities,
                    country=country,
                    note="CID not in the RMI reference loaded at ingest" if self.reference.loaded else None,
                )
            )
            self._locate(ctx, nid, country)
            return nid, Method.DECLARED, None, ""
        commodity = metals[label] or ""
        same_name = self.reference.exact(name, commodity)
        other = same_name if same_name and nid not in same_name else set()
        distance = self.reference.name_distance(nid, name)
        if other or distance < float(self.match.get("misaligned_below", 50)):
            self.misaligned.add(cid)
            ctx.node(Smelter(id=nid, rmi_id=cid, commodities=commodities))
            why = (
                f"the reference name of {', '.join(sorted(other))}"
                if other
                else "far from its reference name"
            )
            return (
                nid,
                Method.DECLARED,
                float(self.match.get("misaligned_confidence", 0.6)),
                (
                    f"; name misaligned with {cid} ({why}, similarity {distance:.0f}): "
                    "CID kept, name and country not used"
                ),
            )
        ctx.node(Smelter(id=nid, rmi_id=cid, commodities=commodities, country=country))
        self._locate(ctx, nid, country)
        return nid, Method.DECLARED, None, ""

    def _by_name(
        self, ctx: IngestContext, row: dict[str, str], label: str, commodity: str, country: str | None
    ) -> tuple[str, Method, float | None, str]:
        name = row["smelter_name"]
        found = self.reference.exact(name, commodity)
        if len(found) == 1:
            return found.pop(), Method.NAME_MATCH, None, "; resolved by exact normalised name and metal"
        paired = self.declared_pairs.get((normalise_name(name), commodity)) if not found else None
        if paired:
            return (
                paired[0],
                Method.NAME_MATCH,
                float(self.match.get("paired_confidence", 0.75)),
                (
                    f"; resolved by the same name and metal that {paired[1]} declared with "
                    f"{paired[0].removeprefix('rmi:')} "
                    "in this file (checked against the RMI reference)"
                ),
            )
        local = f"sec:smelter:{commodity.removeprefix('commodity:')}:{slug(name)}"
        ctx.node(
            Smelter(
                id=local,
                name=name,
                metal=label,
                commodities=[commodity],
                country=country,
                note="declared by name only in an SEC Form SD list; not resolved to an RMI id",
            )
        )
        self._locate(ctx, local, country)
        threshold = float(self.match.get("candidate_threshold", 88))
        limit = int(self.match.get("max_candidates", 3))
        candidates = self.reference.similar(name, commodity, threshold, limit)
        for cand in candidates:
            if cand.node_id in found or not found:
                ctx.edge(
                    SameAsCandidate(
                        src=local,
                        dst=cand.node_id,
                        score=round(cand.score / 100, 3),
                        evidence=f"names '{name}' and '{cand.name}' ({label}, token set ratio "
                        f"{cand.score:.0f})",
                    ),
                    method=Method.NAME_MATCH,
                    confidence=round(cand.score / 100, 3),
                )
        note = f"; {len(found)} reference smelters share this name" if found else ""
        return local, Method.DECLARED, None, note

    def _locate(self, ctx: IngestContext, nid: str, country: str | None) -> None:
        if country:
            cid = ctx.ref.country(country)
            if cid:
                ctx.edge(LocatedIn(src=nid, dst=cid))


PIPELINE = SecSmeltersPipeline
