"""On a hub: how every kiosk of the store is doing, and what needs a person.

Each kiosk's hello carries a report (kiosk.services.node_report); the hub
keeps the last one per kiosk in ``NodeReport`` (sync.reports) with what it saw itself (when
the kiosk was last brought up to date, its clock against the hub's, since when
its outbox has not gone down). ``kiosk_rows`` gives the kiosk list; a kiosk
turns red when it has been silent longer than the store's setting, its outbox
has grown for an hour, or its disk has less than 1 GB free. ``problems`` lists
those, and a failed or missing backup, for the manager's page.
"""
from __future__ import annotations

import datetime as dt
import json

from flask_babel import gettext as _

from kiosk.core import times
from kiosk.i18n import lazy_gettext as _l
from kiosk.models.ops import NodeReport
from kiosk.services import backup_schedule, store_settings
from sync import pairing, replace

OUTBOX_GROWING = dt.timedelta(hours=1)
DISK_LOW_BYTES = 1024 ** 3
CLOCK_OFF_MS = 5 * 60 * 1000
ONLINE_SECONDS = 90  # a kiosk with a waiting pull checks in at least this often

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
    """Every paired kiosk with its last report, red flags, the changes waiting on it (its
    report's, else its last hello's) and whether it is online (heard from within
    ``ONLINE_SECONDS``), oldest pairing first."""
    now = now or times.utcnow()
    silent = store_settings.number(store_settings.SILENT_MINUTES)
    reports = {r.node_id: r for r in NodeReport.select()}
    rows = []
    for peer in pairing.peers():
        report = reports.get(peer.node_id)
        hello = json.loads(peer.last_hello or "{}")
        seen = peer.last_seen_at
        rows.append({"peer": peer, "report": report, "flags": flags_of(peer, report, now, silent),
                     "replaced_by": replace.replaced_by(peer.node_id),
                     "outbox": report.outbox if report is not None and report.outbox is not None
                     else hello.get("outbox"),
                     "online": bool(seen and not peer.revoked_at and (now - seen).total_seconds() < ONLINE_SECONDS)})
    return rows


def problems(now: dt.datetime | None = None) -> list[dict]:
    """What the manager must see: each red kiosk's reasons, then the backups."""
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
    minutes = store_settings.number(store_settings.SILENT_MINUTES)
    return [(key, _("Silent for longer than %(minutes)s minutes (store setting)", minutes=minutes)
             if key == "silent" else str(text)) for key, text in THRESHOLDS.items()]
