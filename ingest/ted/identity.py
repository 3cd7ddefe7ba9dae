"""Which notices describe one contract: the notice chain, by OJ publication number and notice id.

A notice's own keys are its OJ S publication number (``oj:352444-2021``; TED R2 ``DOC_ID``, eForms
``NoticePublicationID``) and its eForms notice id (``notice:<uuid>``); it links to the notices it
follows or amends (R2 ``NOTICE_NUMBER_OJ``, eForms previous-notice references and
``ChangedNoticeIdentifier``). Notices joined by any key are one Contract: a contract notice, its
award notice, its corrigenda and modifications, and the same notice in both XML formats (the
converted eForms file carries the R2 publication number). The Contract id is ``ted:`` plus the
earliest OJ number of the chain (``ted:431038-2019``), else ``ted:notice:<uuid>``; a chain that
meets a Contract already in the store keeps that Contract's id.

Placeholders: a notice id shared by notices with different OJ publication numbers is not an
identity (the Publications Office's converter writes one constant notice id into every converted
file); it is dropped from linking and counted. eForms procedure ids (``ContractFolderID``) are
never used for identity: the converted files and the SDK examples share placeholder values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from tierwatch.ingest.ted.notice import Notice


class Keys:
    """Union-find over notice keys."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _oj_order(key: str) -> tuple[int, int, str]:
    """Earliest first: oj keys by (year, number), then notice ids."""
    if key.startswith("oj:"):
        number, year = key[3:].rsplit("-", 1)
        return (int(year), int(number), "")
    return (10**6, 0, key)


def placeholder_ids(notices: Iterable[Notice]) -> set[str]:
    """notice: keys claimed by notices with different OJ publication numbers."""
    owners: dict[str, set[str]] = defaultdict(set)
    for n in notices:
        oj = next((k for k in n.own_keys if k.startswith("oj:")), n.file)
        for k in n.own_keys:
            if k.startswith("notice:"):
                owners[k].add(oj)
    return {k for k, ojs in owners.items() if len(ojs) > 1}


def contract_ids(
    notices: list[Notice], stored: dict[str, str]
) -> tuple[dict[int, str], dict[str, list[str]], set[str]]:
    """(notice index -> Contract id, Contract id -> its keys, dropped placeholder keys).

    ``stored``: key -> id of Contracts already in the store (from their identifiers).
    """
    dropped = placeholder_ids(notices)
    keys = Keys()
    for i, n in enumerate(notices):
        if n.skip:
            continue
        anchor = f"file:{i}"
        for k in [*n.own_keys, *n.ref_keys]:
            if k not in dropped:
                keys.union(anchor, k)
    members: dict[str, set[str]] = defaultdict(set)
    for k in list(keys.parent):
        members[keys.find(k)].add(k)
    out: dict[int, str] = {}
    chain_keys: dict[str, list[str]] = {}
    for i, n in enumerate(notices):
        if n.skip:
            continue
        group = sorted(
            (k for k in members[keys.find(f"file:{i}")] if not k.startswith("file:")), key=_oj_order
        )
        existing = sorted({stored[k] for k in group if k in stored})
        if existing:
            cid = existing[0]
        elif group:
            first = group[0]
            cid = f"ted:{first[3:]}" if first.startswith("oj:") else f"ted:{first}"
        else:
            cid = f"ted:file:{n.file}"  # a notice with no number at all: its file names it
        out[i] = cid
        chain_keys[cid] = sorted(set(chain_keys.get(cid, [])) | set(group), key=_oj_order)
    return out, chain_keys, dropped


def identifier(key: str) -> str:
    """A chain key as a stored identifier: ``TED-OJS:431038-2019``, ``TED-NOTICE:<uuid>``."""
    scheme, _, value = key.partition(":")
    return f"TED-{'OJS' if scheme == 'oj' else 'NOTICE'}:{value}"


def key_of(ident: str) -> str | None:
    scheme, _, value = ident.partition(":")
    return {"TED-OJS": f"oj:{value}", "TED-NOTICE": f"notice:{value}"}.get(scheme)
