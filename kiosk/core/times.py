"""The one place that knows what time it is, and in which zone.

The rule (the README's "Times"):

* the database stores naive **UTC** datetimes (``utcnow()``), whatever zone the
  PC runs in;
* "today", shift ends, appointments and promised times are the **store's**
  local wall time (``STORE_TIMEZONE``, default Asia/Shanghai): ``today()``,
  ``local_now()``, and ``day_bounds()`` for "the store's day as UTC";
* pages and prints show stored times in the store's zone through Flask-Babel,
  which takes naive datetimes for UTC (``kiosk.templating``'s ``dt`` filter),
  and never convert a second time;
* a time typed without an offset (a form's ``datetime-local``, an API body) is
  the store's local time: ``parse_local`` turns it into UTC for storing; the
  API answers with ``isoformat`` (ISO 8601 with the store's offset).

Services never call ``datetime.now()``: they take ``now`` (UTC) from here, so
tests can pass their own.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"
_configured: dict[str, ZoneInfo] = {}


def configure(name: str | None) -> ZoneInfo:
    """Set the process's store zone (``create_app`` calls it before the migrations run)."""
    zone = zone_named(name or DEFAULT_ZONE)
    _configured["zone"] = zone
    return zone


def zone_named(name: str) -> ZoneInfo:
    """A zone by its IANA name; a ValueError with the name when there is none."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def store_zone() -> ZoneInfo:
    """The store's zone: the app's ``STORE_TIMEZONE``, else the one ``configure`` set."""
    if has_app_context():
        name = current_app.config["STORE_TIMEZONE"]
        if name:
            zone = _configured.get(name)
            if zone is None:
                zone = _configured[name] = zone_named(name)
            return zone
    return _configured.get("zone") or zone_named(DEFAULT_ZONE)


def utcnow() -> dt.datetime:
    """Now as a naive UTC datetime: what every stored time is."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (naive UTC) time as the store's naive local wall time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(store_zone()).replace(tzinfo=None)


def to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A store-local wall time (naive) or an aware time as naive UTC, for storing."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=store_zone())
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def local_now(now: dt.datetime | None = None) -> dt.datetime:
    """The store's wall time now (or at the UTC time ``now``), naive."""
    return to_local(now or utcnow())


def today(now: dt.datetime | None = None) -> dt.date:
    """The store's date now (or at the UTC time ``now``)."""
    return local_now(now).date()


def local_date(value: dt.datetime) -> dt.date:
    """The store's date of a stored (UTC) time."""
    return to_local(value).date()


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    """The stored (UTC) time of the store's wall time ``time`` on ``day``."""
    return to_utc(dt.datetime.combine(day, time))


def day_bounds(first: dt.date, days: int = 1) -> tuple[dt.datetime, dt.datetime]:
    """The store's days ``first`` … ``first + days - 1`` as a half-open UTC range for queries."""
    return at_local(first, dt.time()), at_local(first + dt.timedelta(days=days), dt.time())


def parse_local(text) -> dt.datetime:
    """An ISO 8601 time as stored (naive UTC): without an offset it is the store's
    local time (a form's ``datetime-local``); with one it is converted. ValueError otherwise."""
    if isinstance(text, dt.datetime):
        return to_utc(text)
    return to_utc(dt.datetime.fromisoformat(str(text).strip()))


def isoformat(value: dt.datetime | None, timespec: str = "seconds") -> str | None:
    """A stored (UTC) time as ISO 8601 with the store's offset (the API's times)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(store_zone()).isoformat(timespec=timespec)


def local_input(value: dt.datetime | None) -> str:
    """A stored time as a ``datetime-local`` input's value (the store's wall time)."""
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def from_text(text, *, naive: str = "utc") -> dt.datetime | None:
    """A time kept as ISO text, as stored (naive UTC); None when empty or unreadable.

    Text with an offset says its own zone. Text without one is UTC when this node
    wrote it under the rule (``naive="utc"``: the sync state, a setting's JSON) and
    the store's wall time when it came from a node before the rule (``naive="local"``:
    a kiosk's last error, a snapshot signed before the rule).
    """
    if isinstance(text, dt.datetime):
        value = text
    else:
        try:
            value = dt.datetime.fromisoformat(str(text).strip()) if text else None
        except ValueError:
            return None
    if value is None:
        return None
    if value.tzinfo is None:
        return value if naive == "utc" else to_utc(value)
    return to_utc(value)


def file_stamp(value: dt.datetime | None = None) -> str:
    """A stored (UTC) time for a file's name, as people read it: the store's wall time with its
    offset, ``20250102-023000+0800`` (``parse_file_stamp`` reads it back)."""
    value = (value or utcnow()).replace(tzinfo=dt.timezone.utc).astimezone(store_zone())
    return value.strftime("%Y%m%d-%H%M%S%z")


def parse_file_stamp(text: str) -> dt.datetime | None:
    """A ``file_stamp`` as stored (UTC); one without an offset (made before the time rule) is the
    store's wall time. None when it is not one."""
    for fmt in ("%Y%m%d-%H%M%S%z", "%Y%m%d-%H%M%S"):
        try:
            return to_utc(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None
