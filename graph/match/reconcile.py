"""The W3C / OpenRefine reconciliation API (version 0.2) over the list matcher (docs/MATCH.md).

- the service manifest (``manifest``): name, identifier and schema spaces, the entity types (the
  schema's node types that search lists), the view and preview URLs, the properties a query may
  carry (``country``, ``identifier``, ``address``);
- queries (``reconcile``): ``{"q0": {"query": "Zijin Mining", "type": "Company", "limit": 3,
  "properties": [{"pid": "country", "v": "CN"}]}}`` -> ``{"q0": {"result": [{"id", "name",
  "type": [{"id", "name"}], "score", "match", "description", "features"}]}}``; ``match`` is true for
  a row the matcher calls ``decided`` or ``matched`` (its first candidate only); ``features`` give
  each reason's points.
The same viewer rules as search: the results are ``match_records``' for that viewer.
"""

from __future__ import annotations

from typing import Any

from tierwatch.graph.errors import QueryError
from tierwatch.graph.match.decisions import Decisions
from tierwatch.graph.match.engine import match_records
from tierwatch.graph.match.models import MatchRecord, MatchRow
from tierwatch.graph.query.service import Viewer
from tierwatch.graph.query.sources import SEARCH_SKIP_TYPES
from tierwatch.graph.schema import NODE_TYPES

#: the types search lists (evidence and bookkeeping nodes are not reconciled against)
RECONCILE_TYPES = tuple(t for t in NODE_TYPES if t not in SEARCH_SKIP_TYPES)
PROPERTIES = (
    ("country", "Country (ISO code or English name)"),
    ("identifier", "Identifier (scheme:value, e.g. RMI:CID002180, GB-COH:01234567, LEI:...)"),
    ("address", "Address"),
)
MAX_QUERIES = 100  # per request: OpenRefine sends batches of 10


def manifest(base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    return {
        "versions": ["0.2"],
        "name": "tierwatch",
        "identifierSpace": f"{base}/v1/entities/",
        "schemaSpace": f"{base}/v1/types/",
        "defaultTypes": [{"id": t, "name": t} for t in RECONCILE_TYPES],
        "view": {"url": f"{base}/v1/entities/{{{{id}}}}"},
        "preview": {"url": f"{base}/v1/reconcile/preview?id={{{{id}}}}", "width": 430, "height": 140},
        "suggest": None,
        "extend": None,
        "documentation": f"{base}/docs#/match",
        "properties": [{"id": pid, "name": name} for pid, name in PROPERTIES],
    }


def _record(key: str, query: Any) -> tuple[MatchRecord, tuple[str, ...], int]:
    if not isinstance(query, dict):
        raise QueryError(f"queries.{key}: a query is an object with 'query'")
    text = query.get("query", "")
    if not isinstance(text, str):
        raise QueryError(f"queries.{key}.query: must be a string")
    types = query.get("type") or ()
    types = (types,) if isinstance(types, str) else tuple(types)
    bad = [t for t in types if t not in RECONCILE_TYPES]
    if bad:
        raise QueryError(f"queries.{key}.type: unknown type {bad[0]!r}; one of: {', '.join(RECONCILE_TYPES)}")
    limit = query.get("limit", 3)
    if not isinstance(limit, int) or not 1 <= limit <= 50:
        raise QueryError(f"queries.{key}.limit: a whole number from 1 to 50")
    values: dict[str, list[str]] = {"country": [], "identifier": [], "address": []}
    for prop in query.get("properties") or ():
        pid = prop.get("pid") if isinstance(prop, dict) else None
        if pid not in values:
            raise QueryError(
                f"queries.{key}.properties: unknown property {pid!r}; one of: country, identifier, address"
            )
        value = prop.get("v")
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, dict):  # an already reconciled value: {"id": ..., "name": ...}
                v = v.get("id") or v.get("name")
            if v not in (None, ""):
                values[pid].append(str(v))
    try:
        record = MatchRecord(
            name=text,
            country=values["country"][0] if values["country"] else None,
            identifiers=values["identifier"],
            address=values["address"][0] if values["address"] else None,
        )
    except ValueError as exc:
        raise QueryError(f"queries.{key}: {str(exc).splitlines()[-1]}") from None
    return record, types, limit


def _results(row: MatchRow) -> dict[str, Any]:
    out = []
    for n, c in enumerate(row.candidates):
        e = c.entity
        out.append(
            {
                "id": e.id,
                "name": e.name or e.id,
                "type": [{"id": e.type, "name": e.type}],
                "score": c.score,
                "match": n == 0 and row.status in ("decided", "matched"),
                "description": "; ".join(r.detail for r in c.reasons),
                "features": [{"id": r.kind, "value": r.points} for r in c.reasons],
            }
        )
    return {"result": out}


def reconcile(
    service: Any, queries: Any, viewer: Viewer, *, decisions: Decisions, accept: float, margin: float
) -> dict[str, Any]:
    """Answers to a batch of reconciliation queries, keyed as asked."""
    if not isinstance(queries, dict) or not queries:
        raise QueryError('queries: a JSON object of queries, e.g. {"q0": {"query": "Zijin Mining"}}')
    if len(queries) > MAX_QUERIES:
        raise QueryError(f"queries: at most {MAX_QUERIES} queries per request, not {len(queries)}")
    out: dict[str, Any] = {}
    for key, query in queries.items():
        record, types, limit = _record(str(key), query)
        (row,) = match_records(
            service,
            [(1, record)],
            viewer,
            limit=limit,
            types=types,
            decisions=decisions,
            accept=accept,
            margin=margin,
        )
        out[str(key)] = _results(row)
    return out
