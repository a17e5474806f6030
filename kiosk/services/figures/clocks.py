"""Workshop figures computed from the clock facts, never stored (the pairing of clocks).

Clock events come from several kiosks that may have clocked offline and with
wrong clocks, so pairing "on" with "off" is forgiving: nothing is ever counted
negative or twice, and every odd pairing is flagged for the foreman instead of
being dropped. The same events give the same figures on every node, which is
what makes the numbers right after sync.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from kiosk.core import times
from kiosk.models import Attendance, ClockEvent, JobLine, QcCheck, Staff, WorkOrder
from kiosk.models.bay import LOSS_REASONS
from kiosk.core.prepared import Prepared


@dataclass(frozen=True)
class Interval:
    """A stretch of clocked time of one technician on one job line."""

    technician_id: object
    job_id: object
    work_order_id: object
    start: dt.datetime
    end: dt.datetime
    open: bool = False  # still running: ``end`` is "now"
    flagged: bool = False  # closed automatically, or paired from odd data: for review
    end_reason: str = ""  # the off's reason (pause, finish, switch, shift_end, stop)
    loss_reason: str = ""  # the off's loss reason when it was a pause
    problem: str = ""  # why it is flagged: "two_ons", "off_without_on", "clock_jump", "shift_end", ""

    @property
    def seconds(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())

    @property
    def minutes(self) -> float:
        return self.seconds / 60


def _key(event):
    return event.technician_id, event.job_id


def in_order(events):
    # Time first; the UUIDv7 key breaks ties in the order the rows were made.
    return sorted(events, key=lambda e: (e.at, str(e.id)))


def intervals(events, now: dt.datetime | None = None) -> list[Interval]:
    """Pair "on" and "off" events per (technician, job) in time order.

    Odd data from merged kiosks:
      * two ons in a row: the first on holds, the second is ignored (flagged "two_ons");
      * an off with no on before it whose on follows it in time (a kiosk clock
        that ran behind) closes that on at once: zero minutes, flagged "clock_jump";
      * an off with no on at all: a zero-minute interval flagged "off_without_on";
      * an on with no off: open, running until ``now``;
      * the same shift-end close written by two nodes: counted once.
    """
    now = now or times.utcnow()
    by_key = defaultdict(list)
    for event in events:
        by_key[_key(event)].append(event)
    found: list[Interval] = []
    for (tech, job), items in by_key.items():
        items = in_order(items)
        on = None
        two_ons = False
        stray_off = last_off = None
        for index, event in enumerate(items):
            if event.action == "on":
                if on is not None:
                    two_ons = True
                    continue
                later = items[index + 1] if index + 1 < len(items) else None
                if stray_off is not None and (later is None or later.action == "on"):
                    # This on has no off of its own: the stray off earlier in time was meant for it.
                    found.append(_interval(event, stray_off, event.at, flagged=True, problem="clock_jump"))
                    stray_off = None
                    continue
                on = event
            elif event.action == "off":
                if on is None and last_off is not None and event.reason == "shift_end" \
                        and last_off.reason == "shift_end" and last_off.at == event.at:
                    continue  # two nodes closed the same clock at the shift end: one close
                if on is None:
                    if stray_off is not None:
                        found.append(_stray(stray_off))
                    stray_off = event
                    continue
                problem = "two_ons" if two_ons else ("shift_end" if event.reason == "shift_end" else "")
                found.append(_interval(on, event, max(on.at, event.at),
                                       flagged=bool(event.flagged or two_ons), problem=problem))
                on, two_ons, last_off = None, False, event
        if stray_off is not None:
            found.append(_stray(stray_off))
        if on is not None:
            found.append(Interval(tech, job, on.work_order_id, on.at, max(on.at, now), open=True,
                                  flagged=two_ons, problem="two_ons" if two_ons else ""))
    found.sort(key=lambda i: (i.start, str(i.technician_id)))
    return found


def _interval(on, off, end, *, flagged, problem) -> Interval:
    return Interval(on.technician_id, on.job_id, on.work_order_id, on.at, end, flagged=flagged,
                    end_reason=off.reason, loss_reason=off.loss_reason, problem=problem)


def _stray(off) -> Interval:
    return Interval(off.technician_id, off.job_id, off.work_order_id, off.at, off.at, flagged=True,
                    end_reason=off.reason, loss_reason=off.loss_reason, problem="off_without_on")


# Every work order the API or a page shows asks this: its SQL is built once.
_CLOCK_EVENTS_OF_ORDER = Prepared(lambda slot: ClockEvent.select().where(
    ClockEvent.work_order == slot(ClockEvent.work_order)))


def clocked_minutes_by_job(order: WorkOrder, now: dt.datetime | None = None) -> dict:
    """Clocked minutes per job line of ``order`` (all technicians, running clocks up to now):
    ``{job_id: minutes}`` as whole minutes, from one query."""
    events = _CLOCK_EVENTS_OF_ORDER.rows(order.id)
    totals: dict = defaultdict(float)
    for interval in intervals(events, now):
        totals[interval.job_id] += interval.seconds
    return {job: int(seconds // 60) for job, seconds in totals.items()}


def clocked_minutes_of_job(job: JobLine, now: dt.datetime | None = None) -> int:
    """Clocked minutes on one job line (all technicians)."""
    events = ClockEvent.select().where(ClockEvent.job == job)
    return int(sum(i.seconds for i in intervals(events, now)) // 60)


def clip(start, end, lo, hi) -> tuple[dt.datetime, dt.datetime] | None:
    start, end = max(start, lo), min(end, hi)
    return (start, end) if end > start else None


def union_seconds(spans) -> float:
    """Seconds covered by possibly overlapping spans (two jobs clocked at once count once)."""
    total, reach = 0.0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total += (end - start).total_seconds()
            reach = end
        elif end > reach:
            total += (end - reach).total_seconds()
            reach = end
    return total


def attendance_spans(events, lo, hi, now) -> list[tuple[dt.datetime, dt.datetime]]:
    """In-shift spans from Attendance facts: in → out; a second "in" keeps the first,
    an "out" with no "in" is ignored, an open "in" runs until now (within ``hi``)."""
    spans, start = [], None
    for event in in_order(events):
        if event.action == "in":
            start = start or event.at
        elif event.action == "out" and start is not None:
            spans.append((start, max(start, event.at)))
            start = None
    if start is not None:
        spans.append((start, max(start, min(now, hi))))
    return [c for c in (clip(s, e, lo, hi) for s, e in spans) if c]


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return times.day_bounds(day)  # the store's day, as stored (UTC)


def technician_day(staff: Staff, day: dt.date, now: dt.datetime | None = None) -> dict:
    """One technician's day: clocked and sold hours, efficiency, loss and idle minutes.

    * clocked: time on jobs within the day (clocks running over midnight are cut at it);
    * sold: the sold hours of jobs first finished that day, shared among the
      technicians who clocked them by their clocked time up to that finish;
    * loss by reason: from a pause to the technician's next "on", within the shift;
    * idle: time in the shift neither clocked nor in a paused loss.
    """
    now = now or times.utcnow()
    lo, hi = _day_bounds(day)
    hi_now = min(hi, max(lo, now))
    margin = dt.timedelta(days=2)  # clocks open over midnight, pauses resumed the next morning
    mine = list(ClockEvent.select().where((ClockEvent.technician == staff)
                                          & (ClockEvent.at >= lo - margin) & (ClockEvent.at < hi + margin)))
    own = intervals(mine, now)
    clocked_spans = [c for c in (clip(i.start, i.end, lo, hi_now) for i in own) if c]
    clocked = union_seconds(clocked_spans)

    shifts = attendance_spans(Attendance.select().where(
        (Attendance.technician == staff) & (Attendance.at >= lo - margin) & (Attendance.at < hi)), lo, hi, now)
    if not shifts and clocked_spans:
        # No attendance on record (an older kiosk): the shift is first on to last off.
        shifts = [(min(s for s, _ in clocked_spans), max(e for _, e in clocked_spans))]

    loss = {reason: 0.0 for reason in LOSS_REASONS}
    loss_spans = []
    ordered = in_order(mine)
    for index, event in enumerate(ordered):
        if event.action != "off" or event.reason != "pause":
            continue
        resumed = next((e.at for e in ordered[index + 1:] if e.action == "on"), now)
        reason = event.loss_reason if event.loss_reason in loss else "other"
        for s, e in shifts:
            span = clip(event.at, resumed, s, e)
            if span:
                loss[reason] += (span[1] - span[0]).total_seconds()
                loss_spans.append(span)
    attended = sum((e - s).total_seconds() for s, e in shifts)
    in_shift_work = union_seconds([c for s, e in shifts for a, b in clocked_spans + loss_spans
                                    if (c := clip(a, b, s, e))])
    sold = _sold_hours(staff, mine, lo, hi)
    hours = Decimal(clocked / 3600).quantize(Decimal("0.01"))
    return {
        "day": day,
        "clocked_minutes": int(clocked // 60),
        "clocked_hours": hours,
        "sold_hours": sold,
        # Sold over clocked: 1.0 means the job took as long as it was sold for.
        "efficiency": round(float(sold) * 3600 / clocked, 3) if clocked >= 60 else None,
        "loss_minutes": {r: int(s // 60) for r, s in loss.items()},
        "idle_minutes": int(max(0.0, attended - in_shift_work) // 60),
        "attended_minutes": int(attended // 60),
        "flagged": sum(1 for i in own if i.flagged and clip(i.start, max(i.end, i.start + dt.timedelta(seconds=1)),
                                                              lo, hi)),
    }


def _sold_hours(staff: Staff, mine, lo, hi) -> Decimal:
    """Sold hours earned by ``staff`` on jobs first finished in [lo, hi)."""
    # Any job the technician clocked: a team mate may have been the one to finish it.
    candidates = {e.job_id for e in mine}
    if not candidates:
        return Decimal("0.00")
    everyone = list(ClockEvent.select().where(ClockEvent.job.in_(list(candidates))))
    jobs = {j.id: j for j in JobLine.select().where(JobLine.id.in_(list(candidates)))}
    by_job = defaultdict(list)
    for event in everyone:
        by_job[event.job_id].append(event)
    earned = Decimal(0)
    for job_id, events in by_job.items():
        finishes = [e for e in in_order(events) if e.action == "off" and e.reason == "finish"]
        first = finishes[0] if finishes else None
        if first is None or not (lo <= first.at < hi) or job_id not in jobs:
            continue
        share: dict = defaultdict(float)
        for interval in intervals([e for e in events if e.at <= first.at], first.at):
            share[interval.technician_id] += interval.seconds
        total = sum(share.values())
        if total > 0:
            part = Decimal(share.get(staff.id, 0.0) / total)
        else:
            part = Decimal(1) if first.technician_id == staff.id else Decimal(0)
        earned += jobs[job_id].sold_hours * part
    return earned.quantize(Decimal("0.01"))


def first_time_fix(start: dt.date, end: dt.date) -> dict:
    """First-time fix (一次修复率) for orders that passed QC between ``start`` and ``end`` (days, inclusive).

    An order passed first time when no QC check before its pass failed. Each
    rework line sent back counts in ``reworks``.
    """
    lo, hi = _day_bounds(start)[0], _day_bounds(end)[1]
    passed = {c.work_order_id: c.at for c in QcCheck.select().where(
        (QcCheck.passed == True) & (QcCheck.at >= lo) & (QcCheck.at < hi)).order_by(QcCheck.at.desc())}  # noqa: E712
    if not passed:
        return {"through": 0, "first_time": 0, "rate": None, "reworks": 0}
    fails = QcCheck.select().where((QcCheck.passed == False) & QcCheck.work_order.in_(list(passed)))  # noqa: E712
    failed, reworks = set(), 0
    for check in fails:
        if check.at <= passed[check.work_order_id]:
            failed.add(check.work_order_id)
            try:
                reworks += len(json.loads(check.rework_jobs or "[]")) or 1
            except ValueError:
                reworks += 1
    first = len(passed) - len(failed)
    return {"through": len(passed), "first_time": first, "rate": first / len(passed), "reworks": reworks}
