"""Counting a bin (盘点): scan the bin label, then every part in it.

Each scan is a ``CountScan`` fact: +1 a scan, -1 an undo, and the keypad's
new quantity as the difference to the running count. Submitting takes the differences against the
on-hand computed from the ledger at that moment; the parts manager approves
them as ``StockMove`` facts of kind "count" (the difference, reason "count")
or rejects the count, which writes nothing to stock. Moves made in the bin
while it was being counted are reported, so the manager knows a difference
may only be a part issued mid-count.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from kiosk.i18n import lazy_gettext as _l
from peewee import fn

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import CountScan, Part, StockCount, StockMove
from kiosk.core.errors import NotFound, ServiceError
from kiosk.services.stock import quantity_of
from sync import changelog

ZERO = Decimal(0)


@dataclass(frozen=True)
class Difference:
    """One part of a counted bin: what was counted, what the ledger says, and the gap."""

    part: Part
    counted: Decimal
    on_hand: Decimal

    @property
    def difference(self) -> Decimal:
        return self.counted - self.on_hand


def get_count(count_id) -> StockCount:
    """A count by its id (hex or UUID)."""
    try:
        count = StockCount.get_or_none((StockCount.id == count_id) & (StockCount.deleted == False))  # noqa: E712
    except ValueError:
        count = None
    if count is None:
        raise NotFound(_l("This count is not on this kiosk."))
    return count


def start(bin_code: str, staff=None) -> StockCount:
    """Start counting ``bin_code``, or carry on with its count that is still open."""
    bin_code = (bin_code or "").strip().upper()
    if not bin_code:
        raise ServiceError(_l("Scan a bin label first."), field="bin")
    found = (StockCount.select().where((StockCount.bin == bin_code) & (StockCount.status == "open")
                                       & (StockCount.deleted == False))  # noqa: E712
             .order_by(StockCount.started_at.desc()).first())
    if found is not None:
        return found
    with transaction():
        count = StockCount(bin=bin_code, started_by=staff, started_at=times.utcnow())
        changelog.save(count)
    return count


def _check_open(count: StockCount) -> None:
    if count.status != "open":
        raise ServiceError(_l("The count of bin %(bin)s was already submitted.", bin=count.bin), status=409)


def add(count: StockCount, part: Part, qty=1, staff=None) -> CountScan:
    """One scan (or a keyed quantity) of ``part`` in the counted bin."""
    _check_open(count)
    amount = quantity_of(qty)
    with transaction():
        scan = CountScan(count=count, part=part, qty=amount, staff=staff, at=times.utcnow())
        changelog.save(scan)
    return scan


def _counted_of(count: StockCount, part: Part) -> Decimal:
    total = CountScan.select(fn.SUM(CountScan.qty)).where((CountScan.count == count) & (CountScan.part == part)).scalar()
    return Decimal(str(total or 0))


def undo(count: StockCount, part: Part, staff=None) -> CountScan | None:
    """Take back one scan of ``part`` (a negative scan); None when none of it is counted."""
    _check_open(count)
    now_counted = _counted_of(count, part)
    if now_counted <= 0:
        return None
    with transaction():
        scan = CountScan(count=count, part=part, qty=-min(now_counted, Decimal(1)), staff=staff,
                         at=times.utcnow())
        changelog.save(scan)
    return scan


def set_quantity(count: StockCount, part: Part, qty, staff=None) -> CountScan | None:
    """The keypad: ``part``'s count becomes ``qty``, recorded as one scan of the difference."""
    _check_open(count)
    amount = quantity_of(qty)
    delta = amount - _counted_of(count, part)
    if delta == 0:
        return None
    with transaction():
        scan = CountScan(count=count, part=part, qty=delta, staff=staff, at=times.utcnow())
        changelog.save(scan)
    return scan


def counted(count: StockCount) -> dict:
    """The running count per part: ``{part: qty}``, parts in first-scanned order."""
    rows = (CountScan.select(CountScan.part, fn.SUM(CountScan.qty).alias("total"), fn.MIN(CountScan.at).alias("first"))
            .where(CountScan.count == count).group_by(CountScan.part).order_by(fn.MIN(CountScan.at)))
    parts = {p.id: p for p in Part.select().where(Part.id.in_([r.part_id for r in rows]))}
    return {parts[r.part_id]: Decimal(str(r.total)) for r in rows if Decimal(str(r.total)) != 0}


def _ledger(bin_code: str, *, before: dt.datetime | None = None) -> dict:
    """Sellable on-hand per part in ``bin_code`` from the moves (up to ``before``)."""
    query = (StockMove.select(StockMove.part, fn.SUM(StockMove.qty).alias("total"))
             .where((StockMove.bin == bin_code) & (StockMove.old_part == False))  # noqa: E712
             .group_by(StockMove.part))
    if before is not None:
        query = query.where(StockMove.at <= before)
    return {r.part_id: Decimal(str(r.total)) for r in query}


def differences(count: StockCount) -> list[Difference]:
    """Counted against on-hand, part by part, for every part counted or on the ledger in the bin.

    On-hand is taken as of submission (as of now while still open), so moves
    after submitting are not mistaken for counting errors.
    """
    ledger = _ledger(count.bin, before=count.submitted_at)
    seen = counted(count)
    by_id = {p.id: q for p, q in seen.items()}
    others = Part.select().where(Part.id.in_([pid for pid, q in ledger.items() if pid not in by_id and q != 0]))
    rows = [Difference(p, q, ledger.get(p.id, ZERO)) for p, q in seen.items()]
    rows += [Difference(p, ZERO, ledger[p.id]) for p in others.order_by(Part.part_no)]
    return rows


def moves_during(count: StockCount) -> int:
    """How many stock moves touched the bin between starting and submitting the count."""
    end = count.submitted_at or times.utcnow()
    return (StockMove.select().where((StockMove.bin == count.bin) & (StockMove.at >= count.started_at)
                                     & (StockMove.at <= end)).count())


def submit(count: StockCount, staff=None) -> StockCount:
    """The clerk is done: freeze the moment the differences are taken against."""
    _check_open(count)
    if not counted(count) and not _ledger(count.bin):
        raise ServiceError(_l("Nothing was counted in bin %(bin)s. Scan the parts first.", bin=count.bin))
    with transaction():
        count.status, count.submitted_at = "submitted", times.utcnow()
        changelog.save(count, fields=["status", "submitted_at"])
    return count


def awaiting_approval() -> list[StockCount]:
    """Submitted counts waiting for the parts manager, oldest first."""
    return list(StockCount.select().where((StockCount.status == "submitted") & (StockCount.deleted == False))  # noqa: E712
                .order_by(StockCount.submitted_at))


def _check_submitted(count: StockCount) -> None:
    if count.status != "submitted":
        raise ServiceError(_l("The count of bin %(bin)s is not waiting for approval.", bin=count.bin), status=409)


def approve(count: StockCount, manager=None) -> list[StockMove]:
    """Book every difference as a "count" move in the bin; returns the moves."""
    _check_submitted(count)
    rows = [row for row in differences(count) if row.difference != 0]
    now = times.utcnow()
    moves = []
    with transaction():
        for row in rows:
            move = StockMove(part=row.part, bin=count.bin, qty=row.difference, kind="count", at=now,
                             staff=manager, reason="count", unit_cost=row.part.cost, unit_price=row.part.price)
            changelog.save(move)
            moves.append(move)
        _decide(count, "approved", manager, now)
    return moves


def reject(count: StockCount, manager=None) -> StockCount:
    """Throw the count away: nothing is written to stock."""
    _check_submitted(count)
    with transaction():
        _decide(count, "rejected", manager, times.utcnow())
    return count


def _decide(count: StockCount, status: str, manager, at: dt.datetime) -> None:
    count.status, count.decided_by, count.decided_at = status, manager, at
    changelog.save(count, fields=["status", "decided_by", "decided_at"])
