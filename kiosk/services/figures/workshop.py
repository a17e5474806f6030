"""The workshop's figures over any period: technician efficiency and productivity,
loss time by reason, per technician and for the store, from the clock and
attendance facts (paired by kiosk.services.figures.clocks, the same pairing the
bay and the foreman see).

* clocked: time on jobs within the period (two jobs clocked at once count once);
* sold: the sold hours of jobs first finished in the period, shared among the
  technicians who clocked them by their clocked time up to that finish;
* attended: in-shift time from the attendance facts;
* loss: from a pause to the technician's next "on", within the shift, by reason.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from kiosk.core import times
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Attendance, ClockEvent, JobLine, WorkOrder
from kiosk.models.bay import LOSS_REASONS
from kiosk.services.figures.base import Result, in_scope, memoized, ratio, ratios_by
from kiosk.services.figures.clocks import attendance_spans, clip, in_order, intervals, union_seconds
from kiosk.services.figures.period import Period

# What each loss reason is called on the pages and in the reports.
LOSS_LABELS = {
    "parts": _l("Waiting for parts"),
    "authorization": _l("Waiting for authorization"),
    "break": _l("Break"),
    "tool": _l("Waiting for a tool or bay"),
    "other": _l("Other"),
}
# The clock facts as light rows (no model objects: a month of a busy store is tens of thousands),
# with the attribute names kiosk.services.figures.clocks reads.
CLOCK_COLUMNS = (ClockEvent.id, ClockEvent.technician.alias("technician_id"), ClockEvent.job.alias("job_id"),
                 ClockEvent.work_order.alias("work_order_id"), ClockEvent.action, ClockEvent.reason,
                 ClockEvent.loss_reason, ClockEvent.at, ClockEvent.flagged)
MARGIN = dt.timedelta(days=2)  # clocks open over midnight, pauses resumed the next morning


@dataclass
class Hours:
    """One technician's seconds over the period."""

    clocked: float = 0.0
    in_shift: float = 0.0  # clocked within attended time
    attended: float = 0.0
    sold: float = 0.0  # hours
    loss: dict = field(default_factory=lambda: {reason: 0.0 for reason in LOSS_REASONS})
    jobs: list = field(default_factory=list)  # (job id, order id, sold hours earned)
    pauses: list = field(default_factory=list)  # (start, end, reason, order id)


@memoized
def hours(period: Period, now: dt.datetime | None = None) -> dict:
    """``{technician id: Hours}`` for everyone who clocked or attended in the period."""
    now = now or times.utcnow()
    lo, hi = period.bounds()
    hi_now = min(hi, max(lo, now))
    store = in_scope()
    events = ClockEvent.select(*CLOCK_COLUMNS).where((ClockEvent.at >= lo - MARGIN) & (ClockEvent.at < hi + MARGIN))
    if store is not None:
        events = events.join(WorkOrder, on=(ClockEvent.work_order == WorkOrder.id)).where(store)
    by_tech: dict = defaultdict(list)
    for event in events.namedtuples():
        by_tech[event.technician_id].append(event)
    shifts_of: dict = defaultdict(list)
    attended = Attendance.select(Attendance.id, Attendance.technician.alias("technician_id"), Attendance.action,
                                 Attendance.at).where((Attendance.at >= lo - MARGIN) & (Attendance.at < hi))
    if store is not None:  # a group's store: the technicians who clocked on its orders
        attended = attended.where(Attendance.technician.in_(list(by_tech) or [None]))
    for row in attended.namedtuples():
        shifts_of[row.technician_id].append(row)
    found: dict = defaultdict(Hours)
    for tech in set(by_tech) | set(shifts_of):
        item = found[tech]
        spans = [c for c in (clip(i.start, i.end, lo, hi_now) for i in intervals(by_tech[tech], now)) if c]
        shifts = attendance_spans(shifts_of[tech], lo, hi, now)
        item.clocked = union_seconds(spans)
        item.attended = sum((e - s).total_seconds() for s, e in shifts)
        item.in_shift = union_seconds([c for s, e in shifts for a, b in spans if (c := clip(a, b, s, e))])
        _losses(item, in_order(by_tech[tech]), shifts, now)
    _sold(found, [e for items in by_tech.values() for e in items], lo, hi)
    return dict(found)


def _losses(item: Hours, ordered, shifts, now) -> None:
    for index, event in enumerate(ordered):
        if event.action != "off" or event.reason != "pause":
            continue
        resumed = next((e.at for e in ordered[index + 1:] if e.action == "on"), now)
        reason = event.loss_reason if event.loss_reason in item.loss else "other"
        for s, e in shifts:
            span = clip(event.at, resumed, s, e)
            if span:
                item.loss[reason] += (span[1] - span[0]).total_seconds()
                item.pauses.append((span[0], span[1], reason, event.work_order_id))


def _sold(found: dict, events: list, lo, hi) -> None:
    """Share the sold hours of the jobs first finished in [lo, hi) among who clocked them.
    ``events`` are the clocks already read for the period (its days and the margin around
    them); a finished job clocked before that margin too is read again whole."""
    finished = {e.job_id for e in events if e.action == "off" and e.reason == "finish" and lo <= e.at < hi}
    if not finished:
        return
    by_job: dict = defaultdict(list)
    for event in events:
        if event.job_id in finished:
            by_job[event.job_id].append(event)
    subquery = ClockEvent.select(ClockEvent.job).where(
        (ClockEvent.action == "off") & (ClockEvent.reason == "finish") & (ClockEvent.at >= lo) & (ClockEvent.at < hi))
    store = in_scope()
    if store is not None:
        subquery = subquery.join(WorkOrder, on=(ClockEvent.work_order == WorkOrder.id)).where(store)
    older = ClockEvent.select(ClockEvent.job).where(ClockEvent.job.in_(subquery) & (ClockEvent.at < lo - MARGIN))
    longer = {job for (job,) in older.distinct().tuples()} & finished
    if longer:
        for job in longer:
            by_job[job] = []
        for event in ClockEvent.select(*CLOCK_COLUMNS).where(ClockEvent.job.in_(list(longer))).namedtuples():
            by_job[event.job_id].append(event)
    if not by_job:
        return
    sold = dict(JobLine.select(JobLine.id, JobLine.sold_hours).where(JobLine.id.in_(subquery)).tuples())
    for job_id, events in by_job.items():
        first = next((e for e in in_order(events) if e.action == "off" and e.reason == "finish"), None)
        if first is None or not lo <= first.at < hi or job_id not in sold:
            continue  # finished before the period (a second finish after a rework)
        share: dict = defaultdict(float)
        for interval in intervals([e for e in events if e.at <= first.at], first.at):
            share[interval.technician_id] += interval.seconds
        total = sum(share.values()) or 1.0
        if not any(share.values()):
            share = {first.technician_id: 1.0}
        for tech, seconds in share.items():
            earned = float(sold[job_id]) * seconds / total
            found[tech].sold += earned
            found[tech].jobs.append((job_id, first.work_order_id, earned))


def efficiency(period: Period) -> Result:
    """Technician efficiency: sold hours of the jobs finished in the period over the hours
    clocked on jobs in it; per technician. 1.0 means the jobs took as long as they were sold for."""
    found = hours(period)
    sold = sum(h.sold for h in found.values())
    clocked = sum(h.clocked for h in found.values()) / 3600
    return ratio(round(sold, 2), round(clocked, 2),
                 ratios_by({t: (round(h.sold, 2), round(h.clocked / 3600, 2)) for t, h in found.items()}))


def productivity(period: Period) -> Result:
    """Technician productivity: hours clocked on jobs within the shift over the hours attended
    (the attendance clock), in the period; per technician."""
    found = {t: h for t, h in hours(period).items() if h.attended}
    return ratio(round(sum(h.in_shift for h in found.values()) / 3600, 2),
                 round(sum(h.attended for h in found.values()) / 3600, 2),
                 ratios_by({t: (round(h.in_shift / 3600, 2), round(h.attended / 3600, 2)) for t, h in found.items()}))


def loss_time(period: Period) -> Result:
    """Loss time: minutes paused with a reason (parts, authorization, break, tool, other) within
    the shift, by reason; the value is the share of attended time lost; per technician."""
    found = hours(period)
    parts = {reason: int(sum(h.loss[reason] for h in found.values()) // 60) for reason in LOSS_REASONS}
    attended = sum(h.attended for h in found.values()) / 60
    result = ratio(sum(parts.values()), round(attended),
                   ratios_by({t: (int(sum(h.loss.values()) // 60), round(h.attended / 60)) for t, h in found.items()}))
    result.parts = parts
    return result


def _orders(ids) -> dict:
    return dict(WorkOrder.select(WorkOrder.id, WorkOrder.number).where(WorkOrder.id.in_(list(ids))).tuples()) \
        if ids else {}


def drill_jobs(period: Period, names: dict) -> list[dict]:
    """The job lines finished in the period with the sold hours each technician earned on them."""
    found = hours(period)
    jobs = {j.id: j for j in JobLine.select().where(JobLine.id.in_(
        [job for h in found.values() for job, _, _ in h.jobs] or [None]))}
    numbers = _orders({order for h in found.values() for _, order, _ in h.jobs})
    return [{"number": numbers.get(order, ""), "technician": names.get(tech, ""),
             "job": jobs[job].description if job in jobs else "", "sold_hours": round(earned, 2), "counted": True}
            for tech, h in found.items() for job, order, earned in h.jobs]


def drill_pauses(period: Period, names: dict) -> list[dict]:
    """Every paused stretch counted as loss time, longest first."""
    found = hours(period)
    numbers = _orders({order for h in found.values() for *_, order in h.pauses})
    rows = [{"number": numbers.get(order, ""), "technician": names.get(tech, ""), "at": start,
             "reason": reason, "minutes": int((end - start).total_seconds() // 60), "counted": True}
            for tech, h in found.items() for start, end, reason, order in h.pauses]
    return sorted(rows, key=lambda r: -r["minutes"])
