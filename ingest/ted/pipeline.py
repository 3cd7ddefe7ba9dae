"""TED (Tenders Electronic Daily) notices, TED XML R2.0.x and eForms UBL -> public buyers,
contracts, winners and brand mentions.

Model (the same as OCDS, so the two meet): PublicBuyer ``buyer:<cc>:<slug>`` (the OCDS rule: a
buyer in both is one node) with registration numbers, country and NUTS, -BUYER_OF-> Contract
``ted:<OJ number>`` -AWARDED_TO {key "lot <id>"}-> winner Company (resolved by identifier, then
name) LOCATED_IN its country; Contract -COVERS-> Brand for brand names in titles and
descriptions in any of the notice's languages (ocds/mentions.py rules, confidence 0.5, method
``text_mention``).

Formats are recognised from the root element (``TED_EXPORT``; ``ContractNotice``,
``ContractAwardNotice``, ``PriorInformationNotice``, ``BusinessRegistrationInformationNotice``),
never the file name; parsed with defusedxml and streamed (r2.py, eforms.py). One file = one
notice = one row. Notices of one procedure (contract notice, award, corrigendum, change,
modification, and the same notice in both formats) are one Contract (identity.py), updated in
publication order, never duplicated. A notice that carries no procurement (EEIG registration) is
skipped with its reason.

Contract fields: title and description in the original language; CPV codes (main, additional,
lots) as ``CPV:<8 digits>``; categories from ingest/cpv.py; lots ``"<lot id>: <title>"``; value:
the notice's total, else the sum of the latest award notice's awards in one currency, else the
estimate; date: the earliest contract conclusion date, else the first publication date; stage:
planning < tender < award < contract (a modification), the furthest its notices reached;
status "cancelled" (an eForms change that cancels) or "not awarded" (every lot closed without
a winner); languages; identifiers ``TED-OJS:<number>`` / ``TED-NOTICE:<uuid>``.

Confidence: declared facts 0.9; brand mentions 0.5. Personal data: contact points, e-mails,
phones and fax numbers are never read; a winner whose name is a natural person's (a reviewed
given name and a surname, no company-register number) is withheld and counted.

Elements: every element name of every file is either read (``[columns] mapped``), ignored with a
reason (``[columns.ignored]``), or listed as unmapped in the summary, once per format.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tierwatch.ingest.framework import IngestContext, Pipeline
from tierwatch.ingest.ocds.mentions import BrandMatcher
from tierwatch.ingest.readers import xml_root
from tierwatch.ingest.ted.eforms import ROOT_STAGE, SKIP_ROOT, read_eforms
from tierwatch.ingest.ted.identity import contract_ids, key_of
from tierwatch.ingest.ted.mapping import NoticeMapper, merged_contract
from tierwatch.ingest.ted.notice import STAGES, Notice
from tierwatch.ingest.ted.r2 import read_r2

FORMAT_LABEL = {"ted-xml-r2": "TED XML R2.0.x", "eforms": "eForms UBL"}
_AMENDS_ORDER = {None: 0, "corrigendum": 1, "change": 1, "modification": 2}


def _order(n: Notice) -> tuple:
    stage = STAGES.index(n.stage) if n.stage in STAGES else -1
    return (n.date or "", _AMENDS_ORDER.get(n.amends, 0), stage, n.format, n.file)


class TedPipeline(Pipeline):
    def recognise(self, path: Path) -> str | None:
        root = xml_root(path)
        if root is None:
            return None
        name = root.split(":")[-1]
        if name == "TED_EXPORT":
            return "ted-xml-r2"
        if name in ROOT_STAGE or name in SKIP_ROOT:
            return "eforms"
        return None

    def run(self, ctx: IngestContext, files: list[tuple[Path, str]]) -> None:
        notices = [read_r2(path) if role == "ted-xml-r2" else read_eforms(path) for path, role in files]
        stored: dict[str, str] = {}
        for node in ctx.resolver.store.iter_nodes(types=["Contract"]):
            for ident in node.get("identifiers") or []:
                key = key_of(ident)
                if key and str(node["id"]).startswith("ted:"):
                    stored[key] = node["id"]
        ids, keys, dropped = contract_ids(notices, stored)
        groups: dict[str, list[Notice]] = defaultdict(list)
        for i, cid in ids.items():
            groups[cid].append(notices[i])
        contracts = {
            cid: merged_contract(cid, sorted(ns, key=_order), keys[cid]) for cid, ns in groups.items()
        }
        matcher = BrandMatcher.build(ctx.resolver.aliases.raw, ctx.resolver.store.iter_nodes(types=["Brand"]))
        mapper = NoticeMapper(ctx, self.spec, matcher)
        elements: dict[str, set[str]] = defaultdict(set)
        files_per_format: dict[str, int] = defaultdict(int)
        for i, ((path, role), notice) in enumerate(zip(files, notices, strict=True)):
            ctx.open_file(path)
            ctx.begin_row(f"{FORMAT_LABEL[role]} {notice.form}".strip())
            elements[role] |= notice.elements
            files_per_format[role] += 1
            if notice.skip:
                ctx.skip(notice.skip)
                continue
            mapper.map(notice, contracts[ids[i]])
        ctx.finish()
        for role, names in elements.items():
            ctx.columns_seen[f"{FORMAT_LABEL[role]} ({files_per_format[role]} files)"] = sorted(names)
        c = mapper.counts
        ctx.notes.append(
            f"{len(contracts)} contracts from {sum(1 for n in notices if not n.skip)} notices; "
            f"{len(c['buyers'])} buyers, {c['lots']} lots stated, {c['awards']} awards, "
            f"{len(c['winners'])} winners"
        )
        amended = sum(1 for n in notices if n.amends)
        if amended:
            ctx.notes.append(f"{amended} corrigenda, changes or modifications updated the contract they name")
        if dropped:
            ctx.notes.append(
                f"{len(dropped)} notice id(s) shared by notices with different OJ numbers (converter "
                "placeholders) were not used to join notices"
            )
        if mapper.withheld_people:
            ctx.notes.append(
                f"{mapper.withheld_people} buyer or winner name(s) withheld: a natural person (personal data)"
            )


PIPELINE = TedPipeline
