"""On a hub: how every kiosk of the store is doing, and what needs a person.

Each kiosk's hello carries a report (kiosk.services.node_report); the hub
keeps the last one per kiosk in ``NodeReport`` with what it saw itself (when
the kiosk was last brought up to date, its clock against the hub's, since when
its outbox has not gone down). ``kiosk_rows`` gives the kiosk list; a kiosk
turns red when it has been silent longer than the store's setting, its outbox
has grown for an hour, or its disk has less than 1 GB free. ``problems`` lists
those, and a failed or missing backup, for the manager's page.
"""
from __future__ import annotations

import datetime as dt
import json
import time

from kiosk.i18n import lazy_gettext as _l

from kiosk import times
from kiosk.models.ops import NodeReport
from kiosk.services import store_settings

OUTBOX_GROWING = dt.timedelta(hours=1)
DISK_LOW_BYTES = 1024 ** 3
CLOCK_OFF_MS = 5 * 60 * 1000

THRESHOLDS = {
    "silent": _l("Silent for longer than %(minutes)s minutes (store setting)"),
    "outbox": _l("Changes waiting to be sent have kept growing for an hour"),
    "disk": _l("Less than 1 GB free on the kiosk's disk"),
    "clock": _l("The kiosk's clock is more than 5 minutes off the head office's"),
    "backup": _l("The last backup failed, or none in the last 26 hours"),
}
ADVICE = {
    "silent": _l("Check that the kiosk PC is on and on the network; on it, run:"),
    "outbox": _l("The kiosk cannot send its work: look at its last error; on it, run:"),
    "disk": _l("Free space on the kiosk PC or give it a bigger disk."),
    "clock": _l("Set the kiosk PC's clock (time synchronisation)."),
    "backup": _l("Look at the backup folder's disk; press Back up now and read the message."),
}


# The command a piece of advice names (shown as a command, not translated).
ADVICE_COMMAND = {"silent": "bayflow doctor", "outbox": "bayflow doctor"}


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


def flags_of(peer, report: NodeReport | None, now: dt.datetime, silent_minutes: int) -> list[str]:
    """Which thresholds this kiosk is past (none for a revoked one: it is gone on purpose)."""
    if peer.revoked_at is not None:
        return []
    flags = []
    seen = peer.last_seen_at
    if seen is None or now - seen > dt.timedelta(minutes=silent_minutes):
        flags.append("silent")
    if report is not None:
        if report.outbox_growing_since is not None and now - report.outbox_growing_since >= OUTBOX_GROWING:
            flags.append("outbox")
        if report.disk_free is not None and report.disk_free < DISK_LOW_BYTES:
            flags.append("disk")
        if report.clock_offset_ms is not None and abs(report.clock_offset_ms) > CLOCK_OFF_MS:
            flags.append("clock")
    return flags


def kiosk_rows(now: dt.datetime | None = None) -> list[dict]:
    """Every paired kiosk with its last report and red flags, oldest pairing first."""
    from sync import pairing

    now = now or times.utcnow()
    silent = store_settings.number(store_settings.SILENT_MINUTES)
    reports = {r.node_id: r for r in NodeReport.select()}
    rows = []
    for peer in pairing.peers():
        report = reports.get(peer.node_id)
        rows.append({"peer": peer, "report": report, "flags": flags_of(peer, report, now, silent),
                     "replaced_by": _replaced_by(peer)})
    return rows


def _replaced_by(peer) -> str:
    from sync import replace

    return replace.replaced_by(peer.node_id)


def problems(now: dt.datetime | None = None) -> list[dict]:
    """What the manager must see: each red kiosk's reasons, then the backups."""
    from kiosk.services import backup_schedule

    now = now or times.utcnow()
    found = []
    for row in kiosk_rows(now):
        for flag in row["flags"]:
            found.append({"prefix": row["peer"].prefix, "station": row["peer"].station, "flag": flag,
                          "advice": ADVICE[flag], "command": ADVICE_COMMAND.get(flag, "")})
    if not backup_schedule.healthy(now):
        found.append({"prefix": "", "station": "", "flag": "backup", "advice": ADVICE["backup"], "command": ""})
    return found


def threshold_texts() -> list[tuple[str, str]]:
    """The red thresholds, as the manager's page lists them."""
    from flask_babel import gettext as _

    minutes = store_settings.number(store_settings.SILENT_MINUTES)
    return [(key, _("Silent for longer than %(minutes)s minutes (store setting)", minutes=minutes)
             if key == "silent" else str(text)) for key, text in THRESHOLDS.items()]
