"""The period a figure is counted over: a day, a week, a month or any run of days.

Days are the store's days (``kiosk.core.times``): a period is a first and a last
local date, and its UTC bounds are what the queries use. Trends step back by
whole weeks (Monday to Sunday) or calendar months.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import SQL, Case, fn

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.db import is_postgresql
from kiosk.i18n import lazy_gettext as _l

KINDS = ("day", "week", "month", "custom")
LONGEST_DAYS = 3 * 366  # a custom period longer than this is a typing mistake


@dataclass(frozen=True)
class Period:
    """The store's days ``first`` … ``last`` (both included)."""

    first: dt.date
    last: dt.date
    kind: str = "custom"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as a half-open UTC range, for queries on stored times."""
        return times.day_bounds(self.first, self.days)

    @property
    def label(self) -> str:
        if self.kind == "day" or self.first == self.last:
            return self.first.isoformat()
        if self.kind == "month":
            return self.first.strftime("%Y-%m")
        return f"{self.first.isoformat()} – {self.last.isoformat()}"

    @property
    def short_label(self) -> str:
        """What a trend's axis prints under the point."""
        if self.kind == "month":
            return self.first.strftime("%y-%m")
        return self.first.strftime("%m-%d")


def day(value: dt.date) -> Period:
    return Period(value, value, "day")


def week(value: dt.date) -> Period:
    """The week (Monday to Sunday) holding ``value``."""
    monday = value - dt.timedelta(days=value.weekday())
    return Period(monday, monday + dt.timedelta(days=6), "week")


def month(value: dt.date) -> Period:
    """The calendar month holding ``value``."""
    first = value.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(first, following - dt.timedelta(days=1), "month")


def custom(first: dt.date, last: dt.date) -> Period:
    """Any run of days; refused when it ends before it starts or is longer than three years."""
    if last < first:
        raise ServiceError(_l("The period ends before it starts."), field="to")
    if (last - first).days + 1 > LONGEST_DAYS:
        raise ServiceError(_l("Choose a period of at most three years."), field="to")
    return Period(first, last, "custom")


def of(kind: str, value: dt.date) -> Period:
    """The day, week or month holding ``value``."""
    return {"day": day, "week": week, "month": month}[kind](value)


def back(period: Period, steps: int) -> list[Period]:
    """``steps`` periods of the same kind ending with ``period``, oldest first (a trend).
    A day or custom period steps back by its own length."""
    found = [period]
    current = period
    for _ in range(steps - 1):
        if current.kind == "month":
            current = month(current.first - dt.timedelta(days=1))
        elif current.kind == "week":
            current = week(current.first - dt.timedelta(days=7))
        else:
            length = dt.timedelta(days=current.days)
            current = Period(current.first - length, current.last - length, current.kind)
        found.append(current)
    return list(reversed(found))


def bucket(periods, column):
    """A SQL expression: the index in ``periods`` (which do not overlap) of the period holding the
    stored time ``column``, NULL outside them — what a figure's ``GROUP BY`` counts a trend by,
    each period its store-local days' UTC bounds."""
    return Case(None, [((column >= lo) & (column < hi), index)
                       for index, (lo, hi) in enumerate(p.bounds() for p in periods)], None)


def plus_days(column, days: int):
    """A stored time ``column`` plus whole ``days``, exactly, in the database's own arithmetic."""
    if is_postgresql():
        return column + SQL(f"INTERVAL '{int(days)} days'")
    # SQLite keeps times as text: the date and time moved, the fraction of a second kept as it was.
    return fn.strftime("%Y-%m-%d %H:%M:%S", column, f"+{int(days)} days").concat(fn.substr(column, 20))


def span(periods) -> tuple[dt.datetime, dt.datetime]:
    """The UTC range from the first period's start to the last one's end."""
    bounds = [p.bounds() for p in periods]
    return min(lo for lo, _ in bounds), max(hi for _, hi in bounds)


def _date(text, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ServiceError(_l("Enter the date as YYYY-MM-DD."), field=field) from None


def parse(args, today: dt.date | None = None) -> Period:
    """The period a request asks for: ``from`` and ``to`` (a custom period), or ``period``
    (day, week, month) with ``day`` inside it; this month when nothing is given.
    A clear ServiceError (status 400) for a bad date or kind."""
    today = today or times.today()
    start, end = args.get("from"), args.get("to")
    if start or end:
        first = _date(start, "from") if start else None
        last = _date(end, "to") if end else today
        return custom(first or last, last)
    kind = (args.get("period") or "month").strip()
    if kind not in KINDS[:3]:
        raise ServiceError(_l("Choose a day, a week or a month."), field="period")
    return of(kind, _date(args["day"], "day") if args.get("day") else today)
