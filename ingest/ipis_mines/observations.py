"""What one IPIS visit observed, per risk category, read from the row's French values.

Each function returns an :class:`Observation` or None. None means the visit recorded nothing for
that category (every relevant cell blank): a blank is *unknown*, never zero. An observation is
either positive (children under 15 present, an armed group present ...) or negative ("none
observed": the cell says 0). Negative observations are kept as findings with severity
``none observed`` because evidence of absence at a dated visit is not the same as no evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tierwatch.graph.schema import RiskCategory

NONE_OBSERVED = "none observed"
GROUP_SLOTS = (1, 2, 3)


@dataclass
class Observation:
    category: str
    positive: bool
    evidence: str  # quotes the French values
    original_value: str
    observed: dict[str, Any] = field(default_factory=dict)
    severity: str | None = None

    @property
    def final_severity(self) -> str:
        if not self.positive:
            return NONE_OBSERVED
        return self.severity or "observed"


def cell(row: dict[str, str], column: str) -> str:
    return " ".join((row.get(column) or "").split())


def flag(row: dict[str, str], column: str) -> bool | None:
    """A 0/1 cell: True, False, or None when blank or not a 0/1 value ('dontknow')."""
    value = cell(row, column)
    if value == "1":
        return True
    if value == "0":
        return False
    return None


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def child_labour(row: dict[str, str]) -> Observation | None:
    present = flag(row, "childunder15")
    if present is None:
        return None
    tasks = cell(row, "childunder15work")
    observed: dict[str, Any] = {"children_under_15_present": int(present)}
    if tasks:
        observed["child_tasks"] = _listed(tasks)
    quote = f"childunder15 = {int(present)}" + (f', childunder15work "{tasks}"' if tasks else "")
    what = "children under 15 present at the site" if present else "no children under 15 seen at the site"
    return Observation(
        RiskCategory.CHILD_LABOUR.value, present, f"{what} ({quote})", tasks or str(int(present)), observed
    )


def armed_groups(
    row: dict[str, str], type_names: dict[str, str], behaviours: dict[str, str]
) -> list[dict[str, Any]]:
    """The armed actors a visit lists (up to three slots), with their behaviour flags."""
    groups = []
    for slot in GROUP_SLOTS:
        name = cell(row, f"armed_group{slot}")
        kind = cell(row, f"type_armed_group{slot}")
        if not name and (not kind or kind == "Aucun"):
            continue
        group: dict[str, Any] = {"slot": slot}
        if name:
            group["name"] = name
        if kind:
            group["type"] = type_names.get(kind, kind)
            group["type_original"] = kind
        frequency = cell(row, f"frequency_armed_group{slot}")
        if frequency:
            group["frequency_original"] = frequency
        for column, key in behaviours.items():
            value = cell(row, f"{column}_armed_group{slot}")
            if value in ("0", "1"):
                group[key] = int(value)
            elif value:
                group[key] = value  # 'dontknow'
        groups.append(group)
    return groups


def _describe_group(group: dict[str, Any]) -> str:
    parts = [f'"{group["name"]}"' if "name" in group else "unnamed actor"]
    if "type_original" in group:
        parts.append(f"({group['type_original']})")
    return " ".join(parts)


def conflict(row: dict[str, str], groups: list[dict[str, Any]]) -> Observation | None:
    presence = flag(row, "presence")
    interference = flag(row, "interference")
    if presence is None:
        if not groups:
            return None
        presence = True  # an actor is named although the presence cell is blank
    observed: dict[str, Any] = {"armed_presence": int(presence)}
    if interference is not None:
        observed["interference"] = int(interference)
    if groups:
        observed["groups"] = groups
    names = "; ".join(_describe_group(g) for g in groups)
    quote = f"presence = {int(presence)}" + (
        f", interference = {int(interference)}" if interference is not None else ""
    )
    if presence:
        what = "armed actor(s) present" + (f": {names}" if names else "")
    else:
        what = "no armed actor present"
    severity = "interference" if interference else "presence"
    original = names or str(int(presence))
    return Observation(
        RiskCategory.CONFLICT_AND_ARMED_GROUPS.value,
        presence,
        f"{what} ({quote})",
        original,
        observed,
        severity,
    )


def forced_labour(groups: list[dict[str, Any]]) -> Observation | None:
    flags = [g for g in groups if g.get("forced_labour") in (0, 1)]
    if not flags:
        return None
    culprits = [g for g in flags if g["forced_labour"] == 1]
    by = [g.get("name", g.get("type_original", "?")) for g in culprits]
    observed: dict[str, Any] = {"forced_labour_by": by}
    if culprits:
        names = "; ".join(_describe_group(g) for g in culprits)
        what = f"forced labour imposed by armed actor(s): {names} (forced_labour_armed_groupN = 1)"
        return Observation(RiskCategory.FORCED_LABOUR.value, True, what, names, observed)
    what = "armed actor(s) present, no forced labour imposed (forced_labour_armed_groupN = 0)"
    return Observation(RiskCategory.FORCED_LABOUR.value, False, what, "0", observed)


def mercury(row: dict[str, str]) -> Observation | None:
    used = flag(row, "mercury")
    if used is None:
        return None
    what = "mercury used at the site" if used else "no mercury use seen"
    return Observation(
        RiskCategory.HEALTH_AND_SAFETY.value,
        used,
        f"{what} (mercury = {int(used)})",
        str(int(used)),
        {"mercury_use": int(used)},
    )


def qualification(row: dict[str, str], severities: dict[str, str]) -> Observation | None:
    """The ministry's site qualification (Vert/Jaune/Rouge ...), as a governance finding."""
    colour = cell(row, "qualification")
    if not colour:
        return None
    severity = severities.get(colour, colour)
    positive = severity != NONE_OBSERVED
    return Observation(
        RiskCategory.GOVERNANCE.value,
        positive,
        f'ministerial site qualification "{colour}"',
        colour,
        {"qualification": colour},
        severity,
    )


def context(row: dict[str, str]) -> dict[str, Any]:
    """Facts of the visit that every finding of it carries: workers, traceability, state services."""
    out: dict[str, Any] = {}
    workers = cell(row, "workers_numb")
    if workers:
        try:
            out["workers"] = int(float(workers))
        except ValueError:
            out["workers_original"] = workers
    trace = cell(row, "traceability")
    if trace:
        out["traceability"] = trace
    services = [cell(row, f"state_service{i}") for i in (1, 2, 3, 4)]
    services = [s for s in services if s]
    if services:
        out["state_services"] = services
    return out
