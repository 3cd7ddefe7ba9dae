"""Users' match decisions ("this row is / is not that entity"), remembered in one small CSV file.

The file (``Settings.match_decisions_path``: ``<store_dir>/match-decisions.csv`` unless
``TIERWATCH_MATCH_DECISIONS_FILE`` or ``--decisions`` names another) has one line per decision::

    row_key,entity,decision,name,country,identifiers,decided_at
    r3c9f0a1b2d,rmi:CID002180,yes,Yunnan Tin Smelting Branch,CN,,2026-12-06T20:40:00+00:00

A row's key comes from what the row says (its normalised name, country and identifiers: ``row_key``),
so the same supplier in next year's list, or spelt with another legal form, finds the decision again.
Lines are only appended; the last line for a (row key, entity) pair wins, so a decision is changed
by deciding again. The file may be edited by hand or in a spreadsheet.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tierwatch.graph.errors import InputFileError
from tierwatch.graph.names import normalise_name

HEADER = ("row_key", "entity", "decision", "name", "country", "identifiers", "decided_at")
ANSWERS = ("yes", "no")


def row_key(name: str, country: str | None, identifiers: list[str] | tuple[str, ...] = ()) -> str:
    """The key decisions about a row are kept under: 'r' + 10 hex digits of its normalised content."""
    ids = ",".join(sorted({i.strip().lower() for i in identifiers if i.strip()}))
    text = f"{normalise_name(name)}|{(country or '').strip().upper()}|{ids}"
    return "r" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class Decision:
    row_key: str
    entity: str
    decision: str  # yes | no
    name: str = ""
    country: str = ""
    identifiers: str = ""
    decided_at: str = ""


Decisions = dict[str, dict[str, Decision]]  # row key -> entity -> the latest decision


def load_decisions(path: Path) -> Decisions:
    """Every row key's latest decision per entity; an absent file holds none."""
    if not path.exists():
        return {}
    out: Decisions = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("row_key", "entity", "decision") if c not in (reader.fieldnames or [])]
        if missing:
            raise InputFileError(str(path), f"not a decisions file: no column {', '.join(missing)}")
        for n, line in enumerate(reader, start=2):
            answer = (line.get("decision") or "").strip().lower()
            if answer not in ANSWERS:
                raise InputFileError(
                    str(path), f"decision is {answer!r}, not yes or no", row=n, field="decision"
                )
            d = Decision(**{k: (line.get(k) or "").strip() for k in HEADER} | {"decision": answer})
            if not d.row_key or not d.entity:
                raise InputFileError(str(path), "row_key and entity are required", row=n)
            out.setdefault(d.row_key, {})[d.entity] = d
    return out


def record_decision(path: Path, decision: Decision) -> Decision:
    """Append one decision (stamped now when it has no time) and return it."""
    if decision.decision not in ANSWERS:
        raise InputFileError(str(path), f"decision must be yes or no, not {decision.decision!r}")
    if not decision.row_key.startswith("r") or len(decision.row_key) != 11:
        raise InputFileError(
            str(path),
            f"{decision.row_key!r} is not a row key (r + 10 hex digits, shown by `tierwatch match`)",
        )
    if not decision.decided_at:
        stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
        decision = Decision(**{**decision.__dict__, "decided_at": stamp})
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        if new:
            writer.writerow(HEADER)
        writer.writerow([getattr(decision, k) for k in HEADER])
    return decision
