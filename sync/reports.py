"""On a hub: what each kiosk said about itself in its last hello, kept in ``NodeReport``.

Each kiosk's hello carries a report (kiosk.services.node_report: its version,
disk, database size, last error, station settings); ``sync.hub`` keeps it here,
with what the hub saw itself (when the kiosk was last brought up to date, its
clock against the hub's, since when its outbox has not gone down).
``kiosk.services.store_health`` reads these rows for the kiosk list and the
manager's page.
"""
from __future__ import annotations

import datetime as dt
import json
import time

from kiosk.core import times
from kiosk.models.ops import NodeReport


def _int(value):
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def note_hello(peer, payload: dict, now: dt.datetime | None = None) -> None:
    """Keep what a kiosk's hello said (inside the hello's transaction)."""
    now = now or times.utcnow()
    existing = NodeReport.get_or_none(NodeReport.node_id == peer.node_id)
    report = existing or NodeReport(node_id=peer.node_id)
    outbox = _int(payload.get("outbox"))
    if outbox is not None:
        if not outbox or (report.outbox is not None and outbox < report.outbox):
            report.outbox_growing_since = None
        elif report.outbox_growing_since is None:
            report.outbox_growing_since = now
        report.outbox = outbox
    wall = _int(payload.get("wall_ms"))
    if wall is not None:
        report.clock_offset_ms = wall - int(time.time() * 1000)
    if payload.get("version"):
        report.version = str(payload["version"])[:40]
    for name in ("disk_free", "db_bytes"):
        if name in payload:
            setattr(report, name, _int(payload.get(name)))
    if "last_error" in payload:
        report.last_error = str(payload.get("last_error") or "")[:500]
        report.last_error_at = str(payload.get("last_error_at") or "")[:40]
    if isinstance(payload.get("settings"), dict):
        text = json.dumps(payload["settings"], ensure_ascii=False, sort_keys=True)
        if len(text) <= 20000:  # a station's printers, cameras and idle time are a few hundred bytes
            report.settings = text
    report.reported_at = now
    report.save(force_insert=existing is None)


def note_synced(node_id: str) -> None:
    """A pull brought the kiosk up to date (inside the pull's transaction)."""
    updated = NodeReport.update(last_sync_at=times.utcnow()).where(NodeReport.node_id == node_id).execute()
    if not updated:
        NodeReport.create(node_id=node_id, last_sync_at=times.utcnow())
