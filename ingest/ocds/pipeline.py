"""OCDS publications -> public buyers, contracts, awarded suppliers and brands named in the text.

Model: PublicBuyer (parties with role buyer or procuringEntity, and the ``buyer`` /
``tender.procuringEntity`` references) -BUYER_OF {role}-> Contract (``ocds:<ocid>``) -AWARDED_TO->
supplier Company (resolved by identifier, then name; identifiers ``SCHEME:id`` from the party's
identifier and additionalIdentifiers). LOCATED_IN a Country for parties whose address names a
country, whose region is a NUTS code (``UKM82``), or whose org-id scheme starts with a country
(``GB-COH``, ``AM-TIN``). Contract -COVERS-> Brand for brand names in titles and descriptions
(rules in mentions.py).

Packaging (packaging.py): release and record packages, single releases and records, JSON arrays
and JSON Lines, streamed. Every release (or record) is a row. Where a file holds several releases
of one ocid, they are compiled with ocdsmerge into one compiled release, mapped once when its last
release has been read: the earlier releases' rows record the Contract with their own locator, and
the compiled facts carry the locator ``compiled /releases/3,/releases/7#/awards/0``. A record is
read from its compiledRelease, else its embedded releases are compiled; a record with only linked
releases is quarantined. A release identical to one already read is a duplicate.

Contract fields: stage from content (contracts > awards > tender > planning); title, description,
status, value, date and period from that stage (value: the sum of the stage's values when they
share one currency; date: contract signature, else award date, else tender publication, else the
release date); classifications ``SCHEME:code`` (CPV check digit dropped: ``CPV:32420000``); and
categories ("ict", "vehicles", "phones" ...) from the codes by the table in ingest/cpv.py, plus
"services" / "works" when none of its CPV codes is for goods (a legal-services contract: no supply
chain is expected). Awarded suppliers are Companies (a Brand only on the aliases file's list). A
contract with no award is noted "no supplier yet". PublicBuyer.kind only from explicit data: a TED
contracting-authority type, else the identifier's register (GB-LAE -> local authority), else None.

Brand mentions (mentions.py): names from the graph's Brand nodes and data/aliases.toml
``[[brand]]`` entries (with reviewed product aliases: "Azure" -> Microsoft), whole words only, the
full reviewed name; case-sensitive unless the entry says ``any_case`` (so "canon law", "apple
juice", "90 hp" never match); rejected as a personal name when the word before is an honorific or
a reviewed given name or the word after is a post-nominal/legal title (KC, QC, MP) or a given
name; names that are also surnames (``personal_name_risk``) are also rejected after any
capitalised word that is not a function word, or before a street word. So "Professional fees of
Josef Canon KC" names no brand, while "Supply of Canon printers" does. One COVERS link per
contract and brand, ``mention`` = the matched text with 40 characters either side.

Confidence: declared facts 0.9 (the publisher states them); brand mentions 0.5 with method
``text_mention`` (a name in free text says the contract covers that brand's products, not that
the brand supplied them). Quirks: mojibake is repaired by the rule in text.py; text whose
backslashes were lost in publishing ("licensingrnavailable") is kept as published; Companies
House numbers that lost leading zeros are zero-padded to 8 characters. Personal data: contact
points are not read; an awarded supplier whose name is a natural person's (a reviewed given name
plus a surname, no company-register id: "Rachael Botley") is withheld and counted in the notes.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import ocdsmerge
import orjson
from ocdsmerge.exceptions import OCDSMergeError
from tierwatch.graph.schema import Contract
from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.ocds.mapping import Rejected, ReleaseMapper
from tierwatch.ingest.ocds.mentions import BrandMatcher
from tierwatch.ingest.ocds.packaging import Item, Locator, item_kind, iter_items, package_keys, recognise
from tierwatch.ingest.ocds.text import repair_strings


def leaf_paths(value: Any, prefix: str = "", out: set[str] | None = None) -> set[str]:
    """JSON field paths with array positions dropped: ``awards/suppliers/name``."""
    out = set() if out is None else out
    if isinstance(value, dict):
        for key, sub in value.items():
            leaf_paths(sub, f"{prefix}/{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for sub in value:
            leaf_paths(sub, prefix, out)
    elif prefix:
        out.add(prefix)
    return out


class OcdsPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        return recognise(path)

    def run(self, ctx: IngestContext, files: list[tuple[Path, str]]) -> None:
        graph_brands = list(ctx.resolver.store.iter_nodes(types=["Brand"]))
        self.matcher = BrandMatcher.build(ctx.resolver.aliases.raw, graph_brands)
        rules = {tuple(k.split("/")): v for k, v in self.spec.lookups.get("merge_rules", {}).items()}
        self.merger = ocdsmerge.Merger(merge_rules=rules)
        super().run(ctx, files)

    # -- one file ------------------------------------------------------------------------------
    def read(self, ctx: IngestContext, path: Path, role: str) -> None:
        self.mapper = ReleaseMapper(ctx, self.spec, self.matcher)
        self.paths: set[str] = set(package_keys(path, role))
        self.repaired = [0]
        plan = self._plan(path, role)
        pending: dict[str, list[tuple[Locator, dict[str, Any]]]] = defaultdict(list)
        for n, item in enumerate(iter_items(path, role)):
            kind = item_kind(item.data)
            if kind == "release" and n not in plan["duplicates"] and plan["group_size"].get(n, 1) > 1:
                self._collect(ctx, pending, plan["group_size"][n], item)  # its row begins when compiled
                continue
            ctx.begin_row(item.locator.base)
            if item.data is None:
                if item.problem == "blank line":
                    ctx.skip("blank line")
                else:
                    ctx.reject(item.problem or "not a JSON object", None)
            elif n in plan["duplicates"]:
                ctx.duplicate()
            elif kind == "record":
                self._map_record(ctx, item)
            elif kind != "release":
                ctx.reject("not an OCDS release or record: no 'ocid'", "ocid")
            else:
                self._map(ctx, item.data, item.locator)
        ctx.see_columns(self._columns())
        self._notes(ctx, path)

    def _plan(self, path: Path, role: str) -> dict[str, Any]:
        """First pass: duplicates and how many releases each ocid has (only ocids and hashes kept)."""
        seen: set[str] = set()
        duplicates: set[int] = set()
        by_ocid: dict[str, list[int]] = defaultdict(list)
        for n, item in enumerate(iter_items(path, role)):
            if item.data is None:
                continue
            digest = hashlib.sha256(orjson.dumps(item.data, option=orjson.OPT_SORT_KEYS)).hexdigest()
            if digest in seen:
                duplicates.add(n)
                continue
            seen.add(digest)
            ocid = item.data.get("ocid")
            if item_kind(item.data) == "release" and isinstance(ocid, str) and ocid.strip():
                by_ocid[ocid.strip()].append(n)
        group_size = {n: len(ns) for ns in by_ocid.values() for n in ns}
        return {"duplicates": duplicates, "group_size": group_size}

    def _collect(self, ctx: IngestContext, pending: dict, size: int, item: Item) -> None:
        """Hold a release of a several-release ocid until its last release is read, then compile."""
        assert item.data is not None
        ocid = str(item.data["ocid"]).strip()
        pending[ocid].append((item.locator, item.data))
        if len(pending[ocid]) == size:
            self._map_group(ctx, pending.pop(ocid))

    def _map_group(self, ctx: IngestContext, group: list[tuple[Locator, dict[str, Any]]]) -> None:
        """Rows of one ocid's releases: the earlier ones record the Contract, the last the compiled facts."""
        bases = ",".join(loc.base for loc, _ in group)
        compiled_loc = Locator(f"compiled {bases}")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compiled = self.merger.create_compiled_release([data for _, data in group])
            problem = None
        except (OCDSMergeError, TypeError, KeyError) as exc:
            compiled, problem = {}, f"releases of one ocid cannot be compiled ({type(exc).__name__}: {exc})"
        for index, (loc, data) in enumerate(group):
            ctx.begin_row(loc.base)
            if problem:
                ctx.reject(problem, "date", data.get("date"))
            elif index < len(group) - 1:
                self.paths |= leaf_paths(data)
                ctx.node(self._stub(data), at=loc.at())
            else:
                self._map(ctx, compiled, compiled_loc, source=data)

    @staticmethod
    def _stub(data: dict[str, Any]) -> Contract:
        ocid = str(data["ocid"]).strip()
        return Contract(id=f"ocds:{ocid}", ocid=ocid)

    def _map_record(self, ctx: IngestContext, item: Item) -> None:
        record = item.data or {}
        self.paths |= {k for k in record if k not in ("compiledRelease", "releases")} | {
            k for k in ("compiledRelease", "releases") if k in record
        }
        compiled = record.get("compiledRelease")
        loc = item.locator
        if isinstance(compiled, dict):
            self._map(ctx, {"ocid": record.get("ocid"), **compiled}, Locator(loc.at("compiledRelease")))
            return
        releases = [r for r in record.get("releases") or [] if isinstance(r, dict)]
        full = [r for r in releases if set(r) - {"url", "date", "tag"}]
        if not full:
            ctx.reject(
                "record has only linked releases (url, date, tag) and no compiledRelease", "compiledRelease"
            )
            return
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                merged = self.merger.create_compiled_release(full)
        except (OCDSMergeError, TypeError, KeyError) as exc:
            ctx.reject(f"record's releases cannot be compiled ({type(exc).__name__}: {exc})", "releases")
            return
        self._map(ctx, merged, Locator(f"compiled {loc.at('releases')}"))

    def _map(
        self, ctx: IngestContext, release: dict[str, Any], loc: Locator, source: dict[str, Any] | None = None
    ) -> None:
        release = repair_strings(release, self.repaired)
        self.paths |= leaf_paths(source if source is not None else release)
        try:
            self.mapper.map(release, loc)
        except Rejected as exc:
            ctx.reject(exc.reason, exc.field, exc.value)

    # -- reporting -----------------------------------------------------------------------------
    def _columns(self) -> list[str]:
        """Field paths, each reported as the declared entry (mapped or ignored) that covers it."""
        declared = set(self.spec.columns.get("mapped", [])) | set(self.spec.columns.get("ignored", {}))
        out = set()
        for path in self.paths:
            parts = path.split("/")
            covering = next(
                ("/".join(parts[:i]) for i in range(len(parts), 0, -1) if "/".join(parts[:i]) in declared),
                path,
            )
            out.add(covering)
        return sorted(out)

    def _notes(self, ctx: IngestContext, path: Path) -> None:
        name = path.name
        if self.repaired[0]:
            ctx.notes.append(f"{name}: repaired mojibake in {self.repaired[0]} text values")
        if self.mapper.withheld_people:
            ctx.notes.append(
                f"{name}: {self.mapper.withheld_people} awarded supplier(s) withheld: "
                "named like a natural person (personal data)"
            )
        if self.mapper.not_awarded:
            ctx.notes.append(
                f"{name}: {self.mapper.not_awarded} supplier(s) of awards not in force "
                "(pending, cancelled, unsuccessful) not linked"
            )


PIPELINE = OcdsPipeline
