"""Time along a path (docs/QUERY.md "Time along a path").

A link's period is what its source gives: SUPPLIES ``period_start``/``period_end``, SPENDS_WITH the
fiscal year (April to March). A path whose dated links share no day says so: 2017-2018 spend joined
to 2025 smelter declarations is two facts eight years apart, not one chain at one time.

``TraversalFilter.require_overlap`` (with ``as_of``): SUPPLIES and SPENDS_WITH links are followed only
when their period is known and covers ``as_of``, so every dated link of every path holds on that day.
Links the sources never date (ownership, operation, award, coverage) are followed as without it.
"""

from __future__ import annotations

from datetime import date

from tierwatch.graph.query.arcs import day
from tierwatch.graph.query.index import NO_END
from tierwatch.graph.query.models import Link

_WORDS = {"SPENDS_WITH": "spend", "SUPPLIES": "supply"}


def _date(yyyymmdd: int) -> date:
    return date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)


def link_window(lk: Link) -> tuple[int | None, int | None]:
    """(start, end) as yyyymmdd of a link's period where its source gives one."""
    if lk.type == "SPENDS_WITH" and lk.fiscal_year:
        return day(lk.fiscal_year), day(lk.fiscal_year, end=True)
    return day(lk.period_start), day(lk.period_end, end=True)


def _label(lk: Link) -> str:
    if lk.fiscal_year:
        return lk.fiscal_year
    start, end = (lk.period_start or "")[:4], (lk.period_end or "")[:4]
    if start and end and start != end:
        return f"{start}-{end}"
    return start or f"until {end}"


def path_time(links: list[Link]) -> tuple[bool | None, int, str | None]:
    """(overlap, gap in days, note) of a path's dated links; overlap is None when fewer than two
    links carry a period (nothing to compare)."""
    dated = [(lk, *link_window(lk)) for lk in links]
    dated = [(lk, s, e) for lk, s, e in dated if s is not None or e is not None]
    if len(dated) < 2:
        return None, 0, None
    latest = max(dated, key=lambda x: x[1] if x[1] is not None else -1)
    earliest = min(dated, key=lambda x: x[2] if x[2] is not None else NO_END)
    start, end = latest[1], earliest[2]
    if start is None or end is None or start <= end:
        return True, 0, None
    gap = (_date(start) - _date(end)).days
    note = (
        f"{_label(earliest[0])} {_WORDS.get(earliest[0].type, earliest[0].type)} joined to "
        f"{_label(latest[0])} {_WORDS.get(latest[0].type, latest[0].type)}: the links do not overlap in "
        f"time ({gap} days, about {gap / 365.25:.1f} years, apart)"
    )
    return False, gap, note
