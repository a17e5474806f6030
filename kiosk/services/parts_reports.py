"""The parts manager's figures (配件经理): reorder list, slow movers, stock value
at cost and parts fill rate — all computed from the ledger and the requests,
nothing stored, so every node shows the same after a sync.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from peewee import fn

from kiosk.core import times
from kiosk.models import Part, PartsRequest, PurchaseOrderLine, StockMove
from kiosk.services.purchasing import on_hand_by_part, on_order_by_part

ZERO = Decimal(0)
SLOW_DAYS = 90


def _live_parts() -> list[Part]:
    return list(Part.select().where(Part.deleted == False).order_by(Part.part_no))  # noqa: E712


@dataclass(frozen=True)
class ReorderRow:
    part: Part
    on_hand: Decimal
    on_order: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand + self.on_order

    @property
    def suggested(self) -> Decimal:
        """Order up to twice the reorder point (a simple min/max: max = 2 × min), whole units."""
        return Decimal(math.ceil(self.part.reorder_point * 2 - self.available))


def reorder_list() -> list[ReorderRow]:
    """Parts at or below their reorder point, counting what is on order already."""
    stock, ordered = on_hand_by_part(), on_order_by_part()
    rows = [ReorderRow(p, stock.get(p.id, ZERO), ordered.get(p.id, ZERO)) for p in _live_parts()
            if p.reorder_point > 0]
    return [row for row in rows if row.available <= row.part.reorder_point]


@dataclass(frozen=True)
class SlowRow:
    part: Part
    on_hand: Decimal
    last_issue: dt.datetime | None

    @property
    def value(self) -> Decimal:
        return (self.on_hand * self.part.cost).quantize(Decimal("0.01"))


def slow_movers(days: int = SLOW_DAYS, now: dt.datetime | None = None) -> list[SlowRow]:
    """Parts in stock with no issue in the last ``days`` days, most tied-up money first."""
    since = (now or times.utcnow()) - dt.timedelta(days=days)
    last = dict(StockMove.select(StockMove.part, fn.MAX(StockMove.at)).where(StockMove.kind == "issue")
                .group_by(StockMove.part).tuples())
    stock = on_hand_by_part()
    rows = []
    for part in _live_parts():
        qty, issued = stock.get(part.id, ZERO), last.get(part.id)
        if isinstance(issued, str):  # SQLite hands MAX() of a datetime back as text
            issued = dt.datetime.fromisoformat(issued)
        if qty > 0 and (issued is None or issued < since):
            rows.append(SlowRow(part, qty, issued))
    return sorted(rows, key=lambda r: (-r.value, r.part.part_no))


@dataclass(frozen=True)
class StockValue:
    total: Decimal  # positive stock at cost
    parts: int  # parts with stock
    negative: list  # [(part, qty)]: issued beyond what the ledger holds, to resolve


def stock_value() -> StockValue:
    """The money on the shelves at cost; negative stock is listed apart, not netted off."""
    stock = on_hand_by_part()
    total, count, negative = ZERO, 0, []
    for part in _live_parts():
        qty = stock.get(part.id, ZERO)
        if qty > 0:
            total += qty * part.cost
            count += 1
        elif qty < 0:
            negative.append((part, qty))
    return StockValue(total.quantize(Decimal("0.01")), count, negative)


@dataclass(frozen=True)
class FillRate:
    from_stock: int  # issued without being ordered
    handled: int  # every request the counter has answered (issued, ordered or arrived)

    @property
    def percent(self) -> Decimal | None:
        if not self.handled:
            return None
        return (Decimal(100) * self.from_stock / self.handled).quantize(Decimal("0.1"))


def fill_rate(days: int = 30, now: dt.datetime | None = None) -> FillRate:
    """Parts fill rate: requests issued from stock at the first request over all requests
    answered in the last ``days`` days. Requests still waiting at the counter and
    cancelled ones are left out: they are neither a fill nor a miss yet."""
    since = (now or times.utcnow()) - dt.timedelta(days=days)
    requests = (PartsRequest.select(PartsRequest.id, PartsRequest.status)
                .where((PartsRequest.deleted == False) & (PartsRequest.requested_at >= since)  # noqa: E712
                       & PartsRequest.status.in_(("issued", "ordered", "arrived"))))
    ordered = {row.request_id for row in PurchaseOrderLine.select(PurchaseOrderLine.request)
               .where(PurchaseOrderLine.request.is_null(False) & (PurchaseOrderLine.deleted == False))}  # noqa: E712
    handled = from_stock = 0
    for request in requests:
        handled += 1
        if request.status == "issued" and request.id not in ordered:
            from_stock += 1
    return FillRate(from_stock, handled)
