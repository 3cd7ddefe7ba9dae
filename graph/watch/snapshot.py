"""A watched entity's exposure as a snapshot, and what changed between two snapshots.

A snapshot is plain JSON (kept in the store beside the watchlist entry), read through the query
service as the analyst sees the graph:

- ``findings``: every finding reaching the entity upstream (``exposure``, all hits), with its
  category, evidence, datasets, the strongest hit (path confidence x finding confidence) and the
  reached entity it applies to;
- ``links``: every link on the best paths to those hits and to every entity reached upstream;
- ``strongest``: per category, the strongest single piece of evidence (finding, entity, confidence);
- each finding's ``remedy``: the status of its latest remedy record (graph/query/remedies.py), and
  ``remedy_record`` (that record's id, date, datasets, evidence), None when it has none;
- ``lapsed``: findings whose every source has ended them, links retired or whose period ended
  before the snapshot's day.

``diff(old, new)`` lists the changes in a fixed order (kind, then subject), so the same two graphs
give the same alerts on both stores.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tierwatch.graph.errors import QueryError
from tierwatch.graph.query.models import FindingHit, Link, Path
from tierwatch.graph.query.service import Page, QueryService, TraversalFilter, Viewer

Snapshot = dict[str, Any]
Change = dict[str, Any]

TIERS = 6
PAGE = 1000  # the query layer's largest page
#: alert kinds, in the order alerts are listed for one entity
KINDS = (
    "finding_new",
    "finding_retired",
    "link_new",
    "link_retired",
    "strongest_changed",
    "remedy_changed",
    "evidence_lapsed",
)
ROUND = 6


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def check_date(value: str | None, parameter: str) -> str | None:
    """An ISO date (YYYY-MM-DD) not after today, else a ``QueryError`` naming ``parameter``."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{parameter} must be an ISO date (YYYY-MM-DD), got {value!r}") from None
    if day.isoformat() > today():
        raise QueryError(f"{parameter} {value} is in the future (today is {today()})")
    return day.isoformat()


def take(
    svc: QueryService,
    entity_id: str,
    *,
    as_of: str | None = None,
    on: str | None = None,
    viewer: Viewer | None = None,
) -> Snapshot:
    """The exposure snapshot of ``entity_id`` (as of ``as_of`` when given); ``on``: the day lapses
    are judged on (default today); ``viewer``: whose answers it is read from (default the analyst:
    watchlists; a report passes its own viewer). Raises ``NotFoundError`` for an unknown id."""
    viewer = viewer or Viewer.analyst()
    filters = TraversalFilter(as_of=as_of)
    day = on or as_of or today()
    answer = svc.exposure(
        entity_id, viewer, tiers=TIERS, filters=filters, hits_per_category=PAGE, coverage=False
    )
    findings: dict[str, dict[str, Any]] = {}
    links: dict[str, dict[str, Any]] = {}
    strongest: dict[str, dict[str, Any]] = {}
    truncated: dict[str, int] = {}
    for cat in answer.categories:
        if cat.more:
            truncated[cat.category] = cat.more
        for hit in cat.hits:
            _add_finding(findings, hit)
            _add_path(links, hit.path)
            best = strongest.get(cat.category)
            if best is None or _rank(hit) < (-best["confidence"], best["finding"], best["entity"]):
                strongest[cat.category] = {
                    "finding": hit.finding.id,
                    "entity": hit.entity.id,
                    "confidence": round(hit.confidence, ROUND),
                }
    offset = 0
    while True:
        reached = svc.upstream(
            entity_id, viewer, tiers=TIERS, filters=filters, page=Page(offset=offset, limit=PAGE)
        )
        for t in reached.hits:
            _add_path(links, t.path)
        offset += len(reached.hits)
        if not reached.more or not reached.hits:
            break
    lapsed = sorted(
        [f for f, v in findings.items() if v["ended"]]
        + [k for k, v in links.items() if v["retired"] or (v["period_end"] and v["period_end"] < day)]
    )
    return {
        "entity": entity_id,
        "name": answer.root.name,
        "as_of": as_of,
        "on": day,
        "findings": findings,
        "links": links,
        "strongest": strongest,
        "truncated": truncated,
        "lapsed": lapsed,
    }


def _rank(hit: FindingHit) -> tuple[float, str, str]:
    return (-round(hit.confidence, ROUND), hit.finding.id, hit.entity.id)


def _add_finding(findings: dict[str, dict[str, Any]], hit: FindingHit) -> None:
    f = hit.finding
    old = findings.get(f.id)
    if old is not None and (-old["confidence"], old["entity"]) <= (
        -round(hit.confidence, ROUND),
        hit.entity.id,
    ):
        return
    findings[f.id] = {
        "category": f.category,
        "evidence": f.evidence,
        "datasets": sorted(f.datasets),
        "finding_confidence": round(f.confidence, ROUND),
        "confidence": round(hit.confidence, ROUND),
        "entity": hit.entity.id,
        "entity_name": hit.entity.name,
        "tier": hit.tier,
        "path": hit.path.nodes,
        "ended": bool(f.provenance) and all(p.ended for p in f.provenance),
        "remedy": f.remedy_status,
        "remedy_record": _remedy_record(hit),
    }


def _remedy_record(hit: FindingHit) -> dict[str, Any] | None:
    if not hit.finding.remedies:
        return None
    r = hit.finding.remedies[-1]  # the latest (the answer lists them oldest first)
    return {"id": r.id, "date": r.date, "datasets": sorted(r.datasets), "evidence": r.evidence}


def _add_path(links: dict[str, dict[str, Any]], path: Path) -> None:
    for link in path.links:
        if link.id not in links:
            links[link.id] = _link(link)


def _link(link: Link) -> dict[str, Any]:
    return {
        "type": link.type,
        "src": link.src,
        "dst": link.dst,
        "confidence": round(link.confidence, ROUND),
        "methods": sorted(link.methods),
        "datasets": sorted(link.datasets),
        "retired": link.retired,
        "period_end": link.period_end,
    }


def diff(old: Snapshot, new: Snapshot, dataset: str | None = None) -> list[Change]:
    """What changed from ``old`` to ``new``: one change per new or retired finding, new or retired
    link, changed strongest evidence per category, changed remedy status of a finding and newly
    lapsed finding or link. ``dataset``: the dataset of the run that caused it (named in each change
    whose subject it asserts)."""
    out: list[Change] = []
    of, nf = old["findings"], new["findings"]
    for fid in sorted(nf.keys() - of.keys()):
        out.append(_finding_change("finding_new", fid, nf[fid], dataset))
    for fid in sorted(of.keys() - nf.keys()):
        out.append(_finding_change("finding_retired", fid, of[fid], dataset))
    ol, nl = old["links"], new["links"]
    for lid in sorted(nl.keys() - ol.keys()):
        out.append(_link_change("link_new", lid, nl[lid], dataset))
    for lid in sorted(ol.keys() - nl.keys()):
        out.append(_link_change("link_retired", lid, ol[lid], dataset))
    for cat in sorted(old["strongest"].keys() | new["strongest"].keys()):
        before, now = old["strongest"].get(cat), new["strongest"].get(cat)
        if before != now:
            out.append(_strongest_change(cat, before, now, {**of, **nf}, dataset))
    for fid in sorted(of.keys() & nf.keys()):
        # a snapshot taken before remedies were tracked has no "remedy": nothing to compare with
        if "remedy" in of[fid] and of[fid]["remedy"] != nf[fid].get("remedy"):
            out.append(_remedy_change(fid, of[fid], nf[fid], dataset))
    for item in sorted(set(new["lapsed"]) - set(old["lapsed"])):
        if item in nf:
            change = _finding_change("evidence_lapsed", item, nf[item], dataset)
            change["evidence"] = f"every source of this finding has ended it: {nf[item]['evidence']}"
        elif item in nl:
            change = _link_change("evidence_lapsed", item, nl[item], dataset)
            end = nl[item]["period_end"]
            why = "retired by its dataset" if nl[item]["retired"] else f"its period ended on {end}"
            change["evidence"] = f"{why}: {change['evidence']}"
        else:
            continue
        out.append(change)
    order = {k: i for i, k in enumerate(KINDS)}
    out.sort(key=lambda c: (order[c["kind"]], c["subject"]))
    return out


def _dataset(datasets: list[str], dataset: str | None) -> str | None:
    if dataset and dataset in datasets:
        return dataset
    return datasets[0] if datasets else None


def _finding_change(kind: str, fid: str, f: dict[str, Any], dataset: str | None) -> Change:
    return {
        "kind": kind,
        "subject": fid,
        "category": f["category"],
        "dataset": _dataset(f["datasets"], dataset),
        "datasets": f["datasets"],
        "evidence": f["evidence"],
        "confidence": f["confidence"],
        "detail": {
            "entity": f["entity"],
            "entity_name": f["entity_name"],
            "tier": f["tier"],
            "path": f["path"],
        },
    }


def _remedy_change(fid: str, before: dict[str, Any], now: dict[str, Any], dataset: str | None) -> Change:
    record = now.get("remedy_record") or before.get("remedy_record") or {}
    datasets = record.get("datasets", [])
    was, status = before["remedy"] or "none", now.get("remedy") or "none"
    change = _finding_change("remedy_changed", fid, now, dataset)
    change.update(
        dataset=_dataset(datasets, dataset),
        datasets=datasets,
        evidence=f"remedy status was {was}, now {status}: {record.get('evidence', '')}",
    )
    change["detail"].update(before=before["remedy"], now=now.get("remedy"), record=record.get("id"))
    change["detail"]["date"] = record.get("date")
    return change


def _link_change(kind: str, lid: str, link: dict[str, Any], dataset: str | None) -> Change:
    methods = ", ".join(link["methods"]) or "no method"
    return {
        "kind": kind,
        "subject": lid,
        "category": None,
        "dataset": _dataset(link["datasets"], dataset),
        "datasets": link["datasets"],
        "evidence": (
            f"{link['type']} {link['src']} -> {link['dst']} ({methods}, confidence {link['confidence']})"
        ),
        "confidence": link["confidence"],
        "detail": {
            "src": link["src"],
            "dst": link["dst"],
            "type": link["type"],
            "period_end": link["period_end"],
        },
    }


def _strongest_change(
    cat: str,
    before: dict[str, Any] | None,
    now: dict[str, Any] | None,
    findings: dict[str, dict[str, Any]],
    dataset: str | None,
) -> Change:
    def say(s: dict[str, Any] | None) -> str:
        return "none" if s is None else f"{s['finding']} on {s['entity']} ({s['confidence']})"

    subject = now or before
    assert subject is not None
    f = findings.get(subject["finding"], {})
    return {
        "kind": "strongest_changed",
        "subject": cat,
        "category": cat,
        "dataset": _dataset(f.get("datasets", []), dataset),
        "datasets": f.get("datasets", []),
        "evidence": f"strongest {cat} evidence was {say(before)}, now {say(now)}: {f.get('evidence', '')}",
        "confidence": now["confidence"] if now else 0.0,
        "detail": {"before": before, "now": now},
    }
