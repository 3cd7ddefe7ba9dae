"""One TED notice as read from either XML format, before it is mapped to the graph; XML helpers.

Both readers (r2.py for TED XML R2.0.x ``TED_EXPORT``, eforms.py for eForms UBL) produce a
:class:`Notice`; mapping.py turns notices into records. Elements are compared by local name
(namespaces differ between schema versions), and every element name a file holds is recorded
(``Notice.elements``) so the summary can list the ones nobody maps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from tierwatch.graph.errors import InputFileError

#: prefixes of the eForms/UBL namespaces, for element names in the summary (``cbc:Name``)
PREFIXES = {
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
    "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1": "efac",
    "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1": "efbc",
    "http://data.europa.eu/p27/eforms-ubl-extensions/1": "efext",
}
#: stage order: a later notice of one procedure moves the contract forward, never back
STAGES = ("planning", "tender", "award", "contract")


@dataclass
class Party:
    name: str | None
    aliases: list[str] = field(default_factory=list)  # the name in the notice's other languages
    ids: list[str] = field(default_factory=list)  # national registration numbers as written
    id_scheme: str | None = None  # eForms schemeName of the CompanyID, when given
    country: str | None = None  # as written: "DE", "UK", "DEU"
    nuts: str | None = None
    town: str | None = None
    website: str | None = None
    kind: str | None = None  # buyer legal type code / CA_TYPE value, as written
    at: str = ""


@dataclass
class Award:
    lot: str | None  # lot identifier the award is for ("LOT-0001", "2"), None: the whole notice
    title: str | None = None
    winners: list[Party] = field(default_factory=list)
    value: float | None = None
    currency: str | None = None
    date: str | None = None
    at: str = ""


@dataclass
class Notice:
    file: str
    format: str  # "ted-xml-r2" or "eforms"
    form: str  # "F03", "ContractAwardNotice 29" ...
    stage: str | None = None  # planning / tender / award / contract
    amends: str | None = None  # "corrigendum", "change", "modification" (updates what it names)
    skip: str | None = None  # reason a notice carries no procurement
    own_keys: list[str] = field(default_factory=list)  # oj:352444-2021, notice:<uuid>
    ref_keys: list[str] = field(default_factory=list)  # keys of the notices it follows or amends
    languages: list[str] = field(default_factory=list)  # two-letter, upper case, original first
    title: str | None = None
    description: str | None = None
    texts: list[tuple[str, str]] = field(default_factory=list)  # (locator, text) in every language
    cpv: list[str] = field(default_factory=list)  # main first, then additional (lots included)
    lots: list[str] = field(default_factory=list)  # "LOT-0001: title"
    buyers: list[Party] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    not_awarded: int = 0  # awards/lot results that say no contract was awarded
    cancelled: bool = False
    value: float | None = None
    currency: str | None = None
    estimated: float | None = None
    estimated_currency: str | None = None
    date: str | None = None  # publication (or dispatch) date, ISO
    period_start: str | None = None
    period_end: str | None = None
    procedure: str | None = None  # procedure type as written
    procedure_id: str | None = None  # eForms ContractFolderID (kept as written, not used as identity)
    elements: set[str] = field(default_factory=set)


def local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def qualified(tag: str) -> str:
    """``cbc:Name`` for a UBL element, the bare name for TED R2 elements."""
    if tag.startswith("{"):
        uri, name = tag[1:].split("}", 1)
        prefix = PREFIXES.get(uri)
        return f"{prefix}:{name}" if prefix else name
    return tag


def child(e: Any, *names: str) -> Any:
    """The first descendant along a path of local names (direct children at each step), or None."""
    for name in names:
        if e is None:
            return None
        e = next((c for c in e if local(c.tag) == name), None)
    return e


def children(e: Any, name: str) -> list[Any]:
    return [c for c in e if local(c.tag) == name] if e is not None else []


def descendants(e: Any, name: str) -> Iterator[Any]:
    if e is None:
        return
    for d in e.iter():
        if local(d.tag) == name:
            yield d


def text(e: Any) -> str | None:
    """Text of an element and its <P> paragraphs, whitespace folded; None when blank."""
    if e is None:
        return None
    joined = " ".join(" ".join(t.split()) for t in e.itertext() if t and t.strip())
    return joined or None


def amount(e: Any) -> float | None:
    raw = text(e)
    if raw is None:
        return None
    try:
        return float(raw.replace(" ", "").replace(",", "."))
    except ValueError:
        return None


def iso_date(raw: str | None) -> str | None:
    """``2021-07-08+01:00``, ``20210713`` -> ``2021-07-08``; None when it is no date."""
    if not raw:
        return None
    m = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})", raw.strip())
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def lot_id(raw: str | None) -> str | None:
    """One spelling of a lot in both formats: R2 ``LOT_NO`` "2" (or "2/ Secondo in cascata", "Lot 2")
    -> "LOT-0002", as the Publications Office's converter writes it; eForms ids are kept. "LOT-0000"
    (the converter's lot for a notice not divided into lots) and a blank are the whole notice: None."""
    if not raw or not raw.strip():
        return None
    raw = raw.strip()
    m = re.match(r"^(?:lot\s*(?:no\.?)?\s*)?0*(\d+)\b", raw, flags=re.I)
    if m and not raw.upper().startswith("LOT-"):
        raw = f"LOT-{int(m.group(1)):04d}"
    return None if raw == "LOT-0000" else raw


def oj_key(raw: str | None) -> str | None:
    """OJ S notice number in any of its spellings -> ``oj:431038-2019``.

    "2019/S 177-431038", "00431038-2019", "431038-2019" are the same notice.
    """
    if not raw:
        return None
    raw = raw.strip()
    m = re.match(r"^(\d{4})/S\s*\d+\s*-\s*0*(\d+)$", raw)
    if m:
        return f"oj:{int(m.group(2))}-{m.group(1)}"
    m = re.match(r"^0*(\d+)-(\d{4})$", raw)
    return f"oj:{int(m.group(1))}-{m.group(2)}" if m else None


def stream(
    path: Path, wanted: Callable[[str, int], bool], on_record: Callable[[Any], None], names: set[str]
) -> Any:
    """Parse ``path`` with defusedxml, handing each element for which ``wanted(local name, depth)``
    holds (root depth 1) to ``on_record`` when it ends and then clearing it, so a notice with
    thousands of winners never sits in memory whole. Collects every element's qualified name into
    ``names``; returns the root element (its attributes; its handed-over children are cleared).
    """
    root = None
    depth = 0
    try:
        for event, elem in iterparse(str(path), events=("start", "end")):
            if event == "start":
                depth += 1
                if root is None:
                    root = elem
                names.add(qualified(elem.tag))
                continue
            if wanted(local(elem.tag), depth):
                on_record(elem)
                elem.clear()
            depth -= 1
    except (ParseError, DefusedXmlException) as exc:  # broken XML; entities or DTDs refused
        raise InputFileError(str(path), f"not well-formed or unsafe XML: {exc}") from None
    return root
