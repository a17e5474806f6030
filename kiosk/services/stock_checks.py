"""Stock that needs a parts manager's eye: negative on hand (two kiosks offline
issued the last one), an issue larger than any receipt of the part, a return of
more than was issued to that work order.

Nothing is stored about an exception: each is found from the moves, keyed so a
resolving adjustment (``StockMove.slip == "resolve:<key>"``) settles it.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kiosk.i18n import lazy_gettext as _l
from peewee import fn

from kiosk.models import Part, StockMove, WorkOrder
from kiosk.services import stock
from kiosk.services.errors import NotFound, ServiceError


@dataclass(frozen=True)
class StockException:
    key: str
    kind: str  # negative | big_issue | over_return
    part: Part
    bin: str
    qty: Decimal  # the negative on hand, the issue, or the excess returned
    message: object
    work_order: WorkOrder | None = None


def _resolved() -> set[str]:
    rows = (StockMove.select(StockMove.slip)
            .where((StockMove.kind == "adjustment") & StockMove.slip.startswith(stock.RESOLVE_PREFIX)).tuples())
    return {slip[len(stock.RESOLVE_PREFIX):] for (slip,) in rows}


def _negative() -> list[StockException]:
    rows = (StockMove.select(StockMove.part, StockMove.bin, fn.SUM(StockMove.qty).alias("total"))
            .where(StockMove.old_part == False)  # noqa: E712
            .group_by(StockMove.part, StockMove.bin).having(fn.SUM(StockMove.qty) < 0).tuples())
    found = []
    for part_id, bin_code, total in rows:
        part = Part.get_by_id(part_id)
        qty = Decimal(str(total)).quantize(Decimal("0.01"))
        found.append(StockException(f"negative:{part.id.hex}:{bin_code}", "negative", part, bin_code, qty,
                                    _l("On hand is negative (%(qty)s): more was issued than the bin held.",
                                       qty=qty)))
    return found


def _big_issues(done: set[str]) -> list[StockException]:
    largest = dict(StockMove.select(StockMove.part, fn.MAX(StockMove.qty))
                   .where(StockMove.kind == "receipt").group_by(StockMove.part).tuples())
    found = []
    for move in StockMove.select(StockMove, Part).join(Part).where(StockMove.kind == "issue"):
        key = f"issue:{move.id.hex}"
        biggest = Decimal(str(largest.get(move.part_id) or 0))
        if -move.qty > biggest and key not in done:
            found.append(StockException(key, "big_issue", move.part, move.bin, -move.qty, _l(
                "An issue of %(qty)s is larger than any receipt of this part (%(largest)s).",
                qty=-move.qty, largest=biggest), move.work_order))
    return found


def _over_returns(done: set[str]) -> list[StockException]:
    rows = (StockMove.select(StockMove.work_order, StockMove.part, fn.SUM(StockMove.qty))
            .where(StockMove.kind.in_(("issue", "return")) & StockMove.work_order.is_null(False))
            .group_by(StockMove.work_order, StockMove.part).having(fn.SUM(StockMove.qty) > 0).tuples())
    found = []
    for order_id, part_id, total in rows:
        key = f"return:{order_id.hex}:{part_id.hex}"
        if key in done:
            continue
        part, order = Part.get_by_id(part_id), WorkOrder.get_by_id(order_id)
        qty = Decimal(str(total)).quantize(Decimal("0.01"))
        found.append(StockException(key, "over_return", part, part.bin, qty, _l(
            "%(qty)s more came back from work order %(number)s than was issued to it.",
            qty=qty, number=order.number), order))
    return found


def exceptions() -> list[StockException]:
    """Everything the parts manager should look at, negative stock first."""
    done = _resolved()
    return _negative() + _big_issues(done) + _over_returns(done)


def find(key: str) -> StockException:
    for item in exceptions():
        if item.key == key:
            return item
    raise NotFound(_l("This exception is already resolved."))


def resolve(key: str, *, reason: str, staff=None, actual=None) -> StockMove:
    """Settle an exception with an adjustment: to the ``actual`` count of the bin when
    given (required for negative stock), else an adjustment of zero that records why."""
    item = find(key)
    if actual in (None, "") and item.kind == "negative":
        raise ServiceError(_l("Count the bin and enter what is really there."), field="actual")
    delta = Decimal(0)
    if actual not in (None, ""):
        try:
            counted = Decimal(str(actual).strip())
        except ArithmeticError:
            raise ServiceError(_l("The quantity must be a number."), field="actual")
        if not counted.is_finite() or counted < 0:
            raise ServiceError(_l("Enter a number that is not negative."), field="actual")
        delta = counted - stock.on_hand(item.part, item.bin)
    return stock.adjust(item.part, delta, reason=reason, staff=staff, bin=item.bin, resolves=item.key)
