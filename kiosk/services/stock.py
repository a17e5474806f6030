"""Stock as facts: on hand per part and bin is the sum of ``StockMove`` rows,
never a stored number, so moves made on two offline kiosks simply add up.

Receipts and returns add (qty > 0), issues subtract (qty < 0), adjustments
carry a reason. A returned warranty part is kept as an old part for the claim
(``old_part``, bin ``OLD``) and is not sellable stock.
"""
from __future__ import annotations

from decimal import Decimal

from peewee import fn

from kiosk.models import Part, PartsRequest, StockMove, WorkOrder

OLD_BIN = "OLD"
ZERO = Decimal(0)


def _sellable(query):
    return query.where(StockMove.old_part == False)  # noqa: E712


def on_hand(part: Part, bin: str | None = None) -> Decimal:
    """Sellable stock of ``part`` (in ``bin`` when given): the sum of its moves."""
    query = _sellable(StockMove.select(fn.COALESCE(fn.SUM(StockMove.qty), 0)).where(StockMove.part == part))
    if bin is not None:
        query = query.where(StockMove.bin == bin)
    return Decimal(str(query.scalar() or 0)).quantize(Decimal("0.01"))


def on_hand_by_bin(part: Part) -> list[tuple[str, Decimal]]:
    """Sellable stock of ``part`` per bin (bins whose moves add up to zero left out)."""
    rows = (_sellable(StockMove.select(StockMove.bin, fn.SUM(StockMove.qty).alias("total"))
                      .where(StockMove.part == part))
            .group_by(StockMove.bin).order_by(StockMove.bin).tuples())
    return [(b, Decimal(str(t)).quantize(Decimal("0.01"))) for b, t in rows if Decimal(str(t)) != 0]


def open_requests() -> list[PartsRequest]:
    """Parts requests from the bays still waiting for the counter, oldest first."""
    return list(PartsRequest.select(PartsRequest, WorkOrder).join(WorkOrder)
                .where((PartsRequest.deleted == False)  # noqa: E712
                       & (PartsRequest.status.in_(("requested", "arrived"))))
                .order_by(PartsRequest.requested_at))
