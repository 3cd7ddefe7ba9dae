"""The edition year of a list whose rows carry no year (ILAB's goods list, ITUC's ratings).

Rule, first that applies:
1. a four-digit year in the dataset name given for the run (``--dataset`` or the demo manifest,
   e.g. ``ituc-gri-2026``, ``ituc-gri-excerpt-ew2024``), when it differs from the spec's default;
2. exactly one four-digit year in the file's name (``..._2026_ratings.csv``; a name with a range such
   as ``2021-2023`` is ambiguous and skipped);
3. a four-digit year in the spec's default dataset name (``ilab-tvpra-goods-2022``).
Otherwise the run fails with :class:`InputFileError` asking for a dataset name with the year.
When a dataset name holds several years (``wb-wgi-1996-2019``) the last one counts.
"""

from __future__ import annotations

import re
from pathlib import Path

from tierwatch.graph.errors import InputFileError
from tierwatch.ingest.framework import IngestContext

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def years_in(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]


def edition_year(ctx: IngestContext, path: Path) -> tuple[int, str]:
    """(year, how it was found) for the file being read."""
    if ctx.info.dataset != ctx.spec.dataset and years_in(ctx.info.dataset):
        return years_in(ctx.info.dataset)[-1], f"dataset name '{ctx.info.dataset}'"
    in_name = years_in(path.stem)
    if len(in_name) == 1:
        return in_name[0], f"file name '{path.name}'"
    if years_in(ctx.spec.dataset):
        return years_in(ctx.spec.dataset)[-1], f"default dataset name '{ctx.spec.dataset}'"
    raise InputFileError(
        str(path),
        "the file has no year and neither its name nor the dataset name gives one; "
        "ingest it with a dataset name holding the edition year (e.g. --dataset ituc-gri-2026)",
    )
