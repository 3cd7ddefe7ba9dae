"""Watchlist operations, alerts after an ingest, the outbox and webhook, and "what changed since".

Every function takes the store (and a query service on it where it reads exposure); the CLI, the
API and the explorer call these, so they all give the same answers.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tierwatch.graph.errors import NotFoundError, QueryError
from tierwatch.graph.query.service import QueryService, Viewer
from tierwatch.graph.settings import Settings
from tierwatch.graph.store import GraphStore
from tierwatch.graph.watch import snapshot
from tierwatch.graph.watch.records import Row, watch_records

log = logging.getLogger(__name__)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def query_service(store: GraphStore) -> QueryService:
    """A query service reading ``store`` (closing it closes the store)."""
    from tierwatch.graph.query.engine_service import StoreQueryService

    return StoreQueryService(store)


# -- the watchlist --------------------------------------------------------------------------------
def watch_add(store: GraphStore, svc: QueryService, entity_id: str, *, on: str | None = None) -> Row:
    """Watch ``entity_id`` from now on: its exposure snapshot is the baseline of its next alerts.
    ``NotFoundError`` for an id the graph does not hold. ``on``: the day lapses are judged on."""
    entity_id = entity_id.strip()
    if not entity_id:
        raise QueryError("an entity id is needed (e.g. canada:dept:rcmp-grc; find ids with tierwatch search)")
    svc.refresh()
    svc.entity(entity_id, Viewer.analyst())  # NotFoundError names the id
    snap = snapshot.take(svc, entity_id, on=on)
    records = watch_records(store)
    try:
        old = {r["id"]: r for r in records.watched()}.get(entity_id)
        added_at = old["added_at"] if old else now()
        records.put_watch(entity_id, added_at, snap)
    finally:
        records.close()
    return summary({"id": entity_id, "added_at": added_at, "snapshot": snap})


def watch_remove(store: GraphStore, entity_id: str) -> None:
    records = watch_records(store)
    try:
        if not records.remove_watch(entity_id):
            raise NotFoundError(f"{entity_id!r} is not on the watchlist (see tierwatch watch list)")
    finally:
        records.close()


def watch_list(store: GraphStore) -> list[Row]:
    records = watch_records(store)
    try:
        return [summary(r) for r in records.watched()]
    finally:
        records.close()


def summary(row: Row) -> Row:
    snap = row["snapshot"]
    return {
        "id": row["id"],
        "name": snap.get("name"),
        "added_at": row["added_at"],
        "snapshot_on": snap.get("on"),
        "findings": len(snap["findings"]),
        "links": len(snap["links"]),
        "strongest": snap["strongest"],
        "lapsed": len(snap["lapsed"]),
    }


# -- alerts after an ingest -------------------------------------------------------------------------
@dataclass
class AlertRun:
    run: str
    watched: int = 0
    alerts: list[Row] = field(default_factory=list)
    seconds: float = 0.0
    webhook: str | None = None  # "sent", "failed: ...", None when no webhook is configured


def after_ingest(
    store: GraphStore,
    settings: Settings,
    run: str,
    dataset: str | None,
    *,
    on: str | None = None,
    svc: QueryService | None = None,
) -> AlertRun:
    """Take a new snapshot of every watched entity, record what changed as alerts (run ``run``,
    caused by ``dataset``), append them to the outbox and post them to the webhook. Call after an
    ingest that changed the graph. ``on``: the day lapses are judged on (default today); ``svc``: a
    query service on ``store`` (default: a new one)."""
    started = time.perf_counter()
    result = AlertRun(run=run)
    records = watch_records(store)
    try:
        watched = records.watched()
        result.watched = len(watched)
        if not watched:
            return result
        svc = svc or query_service(store)
        svc.refresh()
        at = now()
        for row in watched:
            entity_id = row["id"]
            try:
                new = snapshot.take(svc, entity_id, on=on)
            except NotFoundError:
                log.warning("watched entity %s is no longer in the graph: no alerts for it", entity_id)
                continue
            for change in snapshot.diff(row["snapshot"], new, dataset):
                result.alerts.append(
                    {"at": at, "run": run, "entity": entity_id, "entity_name": new.get("name"), **change}
                )
            records.put_watch(entity_id, row["added_at"], new)
        if result.alerts:
            records.add_alerts(result.alerts)
    finally:
        records.close()
    if result.alerts:
        write_outbox(settings, result.alerts)
        result.webhook = post_webhook(settings, result.alerts)
    result.seconds = time.perf_counter() - started
    return result


def write_outbox(settings: Settings, alerts: list[Row]) -> None:
    """Append the alerts to ``<store_dir>/alerts.jsonl`` (one JSON object per line)."""
    path = settings.alerts_outbox
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for alert in alerts:
            fh.write(json.dumps(alert, sort_keys=True, ensure_ascii=False) + "\n")


def post_webhook(settings: Settings, alerts: list[Row]) -> str | None:
    """POST ``{"alerts": [...]}`` to the configured webhook; a failure is logged, never raised."""
    url = settings.alerts_webhook_url
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        log.warning("alerts webhook %r is not an http(s) URL: not posted", url)
        return "failed: not an http(s) URL"
    body = json.dumps({"alerts": alerts}, sort_keys=True).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.alerts_webhook_timeout_s) as response:
            response.read()
        return "sent"
    except Exception as exc:  # best effort: the alerts are recorded and in the outbox already
        log.warning("alerts webhook %s failed: %s", url, exc)
        return f"failed: {type(exc).__name__}: {exc}"


def list_alerts(store: GraphStore, since: str | None = None) -> list[Row]:
    """Recorded alerts on or after the day ``since`` (ISO date, not in the future), oldest first."""
    day = snapshot.check_date(since, "since")
    records = watch_records(store)
    try:
        return records.alerts(day)
    finally:
        records.close()


# -- what changed since ----------------------------------------------------------------------------
def changes(
    svc: QueryService,
    entity_id: str,
    since: str,
    until: str | None = None,
    viewer: Viewer | None = None,
) -> Row:
    """The exposure of ``entity_id`` as of ``since`` compared with as of ``until`` (default today):
    the same kinds of change as alerts, nothing recorded. ``viewer``: whose answers are compared
    (default the analyst; the exposure report passes its reader's)."""
    start = snapshot.check_date(since, "since")
    end = snapshot.check_date(until, "until") or snapshot.today()
    assert start is not None
    if start > end:
        raise QueryError(f"since {start} is after until {end}")
    svc.refresh()
    before = snapshot.take(svc, entity_id, as_of=start, viewer=viewer)
    after = snapshot.take(svc, entity_id, as_of=end, viewer=viewer)
    return {
        "entity": entity_id,
        "name": after.get("name"),
        "since": start,
        "until": end,
        "before": {"findings": len(before["findings"]), "links": len(before["links"])},
        "after": {"findings": len(after["findings"]), "links": len(after["links"])},
        "changes": snapshot.diff(before, after),
    }
