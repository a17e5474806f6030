"""Shift attendance: a technician clocks in and out of the day, apart from job time.

Attendance rows are facts ("in" / "out"); whether someone is in is read from
the day's last one. Starting a job clocks the technician in when they forgot;
clocking out of the day closes the job clock still running (reason "shift_end").
"""
from __future__ import annotations

import datetime as dt

from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Attendance, Staff
from kiosk.core.errors import ServiceError
from sync import changelog


def _day_events(technician: Staff, day: dt.date) -> list[Attendance]:
    start, end = times.day_bounds(day)  # the store's day, as stored (UTC)
    return list(Attendance.select().where((Attendance.technician == technician) & (Attendance.at >= start)
                                          & (Attendance.at < end))
                .order_by(Attendance.hlc, Attendance.id))


def is_in(technician: Staff, now: dt.datetime | None = None) -> bool:
    """Whether the technician is clocked in for today's shift."""
    events = _day_events(technician, times.today(now))
    return bool(events) and events[-1].action == "in"


def _stamp(technician: Staff, now: dt.datetime | None) -> tuple[dt.datetime, bool]:
    """Never before the last attendance event: a kiosk clock that jumped back is flagged."""
    now = (now or times.utcnow()).replace(microsecond=0)
    latest = (Attendance.select(Attendance.at).where(Attendance.technician == technician)
              .order_by(Attendance.at.desc()).limit(1).scalar())
    if latest is not None and now < latest:
        return latest, True
    return now, False


def _record(technician: Staff, action: str, now, terminal: str, note: str = "") -> Attendance:
    at, flagged = _stamp(technician, now)
    row = Attendance(technician=technician, action=action, at=at, terminal=terminal[:100], flagged=flagged,
                     note=note)
    changelog.save(row)
    return row


def clock_in(technician: Staff, *, terminal: str = "", now: dt.datetime | None = None) -> Attendance:
    """Start the day's shift."""
    if is_in(technician, now):
        raise ServiceError(_l("You are already clocked in for today."), status=409)
    with transaction():
        return _record(technician, "in", now, terminal)


def ensure_in(technician: Staff, now: dt.datetime | None = None, terminal: str = "") -> bool:
    """Clock in if not yet in (starting a job means the shift has begun); True when it did."""
    if is_in(technician, now):
        return False
    with transaction():
        _record(technician, "in", now, terminal, note="started a job")
    return True


def record_out(technician: Staff, now: dt.datetime | None = None, terminal: str = "") -> Attendance:
    """The "out" fact of the shift; ``kiosk.services.clock.clock_out_of_shift`` stops the job clock first."""
    if not is_in(technician, now):
        raise ServiceError(_l("You are not clocked in today."), status=409)
    with transaction():
        return _record(technician, "out", now, terminal)


def minutes_present(technician: Staff, day: dt.date, now: dt.datetime | None = None) -> int:
    """Minutes between in and out on ``day``; an open shift counts up to ``now``."""
    total, since = 0.0, None
    end_of_day = min(now or times.utcnow(), times.day_bounds(day)[1])
    for event in _day_events(technician, day):
        if event.action == "in" and since is None:
            since = event.at
        elif event.action == "out" and since is not None:
            total += max((event.at - since).total_seconds(), 0)
            since = None
    if since is not None:
        total += max((end_of_day - since).total_seconds(), 0)
    return int(total // 60)
