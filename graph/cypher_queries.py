"""Named Cypher queries from cypher/*.cypher, filled only with allow-listed template values.

Values always travel as $parameters. What Cypher cannot take as a parameter (a label, a
relationship type, a constraint name, a hop bound) is filled into ``{{placeholder}}`` slots here,
and only after validation: labels and types against the schema's allow-list, hop bounds as
integers in range.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from tierwatch.graph.errors import QueryError
from tierwatch.graph.schema import allowed_label, allowed_rel

MAX_HOPS = 8
_SLOT = re.compile(r"\{\{(\w+)\}\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@cache
def _template(name: str) -> str:
    try:
        return resources.files("tierwatch.cypher").joinpath(f"{name}.cypher").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryError(f"no Cypher query named {name!r}") from None


def _check(slot: str, value: object) -> str:
    if slot == "label":
        return allowed_label(str(value))
    if slot == "rel":
        return allowed_rel(str(value))
    if slot == "hops":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_HOPS:
            raise QueryError(f"hops must be an integer from 1 to {MAX_HOPS}")
        return str(value)
    if slot == "name":
        if not _NAME.match(str(value)):
            raise QueryError(f"bad constraint name {value!r}")
        return str(value)
    if slot == "remove":  # a list of allow-listed labels to remove
        labels = [allowed_label(v) for v in value]  # type: ignore[attr-defined]
        return "\n".join(f"REMOVE n:{label}" for label in labels)
    raise QueryError(f"template slot {slot!r} has no validator")


def cypher(query_name: str, /, **slots: object) -> str:
    """The query text of ``cypher/<name>.cypher`` with its slots filled and validated."""
    text = _template(query_name)

    def fill(match: re.Match[str]) -> str:
        slot = match.group(1)
        if slot not in slots:
            raise QueryError(f"query {query_name!r} needs a value for {{{{{slot}}}}}")
        return _check(slot, slots[slot])

    return _SLOT.sub(fill, text)
