"""Stock as facts: on hand per part and bin is the sum of ``StockMove`` rows,
never a stored number, so moves made on two offline kiosks simply add up.

Receipts and returns add (qty > 0), issues subtract (qty < 0), adjustments
carry a reason. A returned warranty part is kept as an old part for the claim
(``old_part``, bin ``OLD``) and is not sellable stock.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kiosk.i18n import lazy_gettext as _l
from peewee import fn

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import JobLine, Part, PartsRequest, StockMove, WorkOrder
from kiosk.core import status as states
from kiosk.core.errors import ServiceError
from kiosk.services import estimate
from kiosk.services.catalogue import find_part
from kiosk.services.numbers import next_number
from kiosk.core.prepared import Prepared
from sync import changelog

# Reasons the services write on stock moves, as words (a person's own reason is shown as written).
REASONS = {"count": _l("Stock count approved"), "opening stock": _l("Opening stock"),
           "opening": _l("Opening stock")}
OLD_BIN = "OLD"
ZERO = Decimal(0)
MAX_QTY = Decimal(100_000)
RESOLVE_PREFIX = "resolve:"  # an adjustment's slip naming the exception it settles


def reason_label(reason: str) -> str:
    """A stock move's reason in the page's language."""
    return str(REASONS.get(reason or "", reason or ""))


def _sellable(query):
    return query.where(StockMove.old_part == False)  # noqa: E712


def on_hand(part: Part, bin: str | None = None) -> Decimal:
    """Sellable stock of ``part`` (in ``bin`` when given): the sum of its moves."""
    query = _sellable(StockMove.select(fn.COALESCE(fn.SUM(StockMove.qty), 0)).where(StockMove.part == part))
    if bin is not None:
        query = query.where(StockMove.bin == bin)
    return Decimal(str(query.scalar() or 0)).quantize(Decimal("0.01"))


def on_hand_of_lines(lines) -> dict:
    """Sellable stock of each catalogue part on estimated part ``lines``, by part number
    (a sum over that part's moves only; non-catalogue lines are left out)."""
    found = {}
    for line in lines:
        part = find_part(line.part_no, follow_supersession=False) if line.part_no and not line.non_catalogue else None
        if part is not None and line.part_no not in found:
            found[line.part_no] = on_hand(part)
    return found


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


# ---------------------------------------------------------------- writing moves


def quantity_of(value, field: str = "qty") -> Decimal:
    """A quantity typed, scanned or sent: a number above zero with at most two
    decimals (litres of oil), below 100,000 — or a clear error, never a rounded guess."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(_l("The quantity must be a number."), field=field)
    if not number.is_finite():
        raise ServiceError(_l("The quantity must be a number."), field=field)
    if number <= 0:
        raise ServiceError(_l("The quantity must be more than zero."), field=field)
    if number >= MAX_QTY or number != number.quantize(Decimal("0.01")):
        raise ServiceError(_l("Enter a quantity below 100,000 with at most two decimals."), field=field)
    return number


def receive(part: Part, qty, *, staff=None, bin: str | None = None, unit_cost=None, order_line=None,
            reason: str = "") -> StockMove:
    """Parts arrived: a receipt into ``bin`` (the part's own bin by default)."""
    amount = quantity_of(qty)
    with transaction():
        move = StockMove(part=part, bin=(bin if bin is not None else part.bin) or "", qty=amount,
                         kind="receipt", at=times.utcnow(), staff=staff, order_line=order_line,
                         unit_cost=part.cost if unit_cost is None else unit_cost,
                         unit_price=part.price, reason=reason)
        changelog.save(move)
    return move


def adjust(part: Part, delta, *, reason: str, staff=None, bin: str | None = None, resolves: str = "") -> StockMove:
    """Correct the stock by ``delta`` (signed, may be zero when only acknowledging an
    exception); a reason is required. ``resolves`` names the exception it settles."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Write down why the stock is adjusted."), field="reason")
    try:
        amount = Decimal(str(delta).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(_l("The quantity must be a number."), field="qty")
    if not amount.is_finite() or abs(amount) > MAX_QTY:
        raise ServiceError(_l("The quantity must be a number."), field="qty")
    with transaction():
        move = StockMove(part=part, bin=(bin if bin is not None else part.bin) or "", qty=amount,
                         kind="adjustment", at=times.utcnow(), staff=staff, reason=reason,
                         unit_cost=part.cost, unit_price=part.price,
                         slip=f"{RESOLVE_PREFIX}{resolves}" if resolves else "")
        changelog.save(move)
    return move


def check_order(order: WorkOrder) -> None:
    """Parts go to and come back from open work orders only."""
    if states.is_locked(order.status) or order.status == "cancelled":
        raise ServiceError(_l("Work order %(number)s is settled or cancelled: no parts can be issued "
                              "to it or returned from it.", number=order.number), status=409)


def check_job(job: JobLine | None, order: WorkOrder, part: Part | None = None, known=None) -> None:
    """A job line of this order whose work may start, asked of the estimate's one rule
    (kiosk.services.estimate.check_issue: extra work must be authorized, a job changed since
    the customer signed waits for the new signature); without a job, a part only pending lines
    ask for waits too."""
    if job is not None and (job.work_order_id != order.id or job.deleted):
        raise ServiceError(_l("This job is not on work order %(number)s.", number=order.number), field="job")
    estimate.check_issue(order, job, part.part_no if part is not None else "", known)


def check_job_on_order(job: JobLine, order: WorkOrder) -> None:
    """A returned part's job must be a line of the order (returns are never held back)."""
    if job.work_order_id != order.id:
        raise ServiceError(_l("This job is not on work order %(number)s.", number=order.number), field="job")


def check_receiver(receiver) -> None:
    """Parts are handed to a technician (their badge confirms the slip)."""
    if receiver is None or not receiver.active or not receiver.has_role("technician"):
        raise ServiceError(_l("Scan the badge of the technician who takes the parts: %(name)s is not a "
                              "technician.", name=getattr(receiver, "name", "?")), field="receiver", status=403)


# Every work order the API or a page shows asks this: its SQL is built once.
_ISSUED_TO_ORDER = Prepared(lambda slot: (
    StockMove.select(StockMove.part, StockMove.job, fn.SUM(StockMove.qty))
    .where((StockMove.work_order == slot(StockMove.work_order)) & StockMove.kind.in_(("issue", "return")))
    .group_by(StockMove.part, StockMove.job).tuples()))


def issued(order: WorkOrder) -> dict[tuple, Decimal]:
    """Net quantities issued to ``order``: {(part id, job id or None): qty} (returns subtracted)."""
    return {(p, j): -Decimal(str(total)) for p, j, total in _ISSUED_TO_ORDER.rows(order.id)}


def issued_lines(order: WorkOrder) -> list[dict]:
    """What the order has taken from stock, net of returns, per part: for the API and pages."""
    net: dict = {}
    for (part_id, _job), qty in issued(order).items():
        net[part_id] = net.get(part_id, ZERO) + qty
    parts = {p.id: p for p in Part.select().where(Part.id.in_(list(net)))} if net else {}
    return [{"part_no": parts[p].part_no, "name": parts[p].name, "qty": qty}
            for p, qty in sorted(net.items(), key=lambda kv: parts[kv[0]].part_no) if qty != 0]


def _new_slip(kind: str) -> str:
    return f"{'IS' if kind == 'issue' else 'RT'}-{next_number('SLIP-' + kind)}"


def _warranty(job: JobLine | None) -> bool:
    return job is not None and job.pay_type == "warranty"


def hand_over(order: WorkOrder, lines: list[tuple], *, kind: str = "issue", staff=None, receiver=None,
              require_receiver: bool = True) -> str:
    """Issue parts to (or, ``kind="return"``, take them back from) ``order`` in one
    transaction. ``lines`` are ``(part, qty, job or None)``. Returns the slip id."""
    if kind not in ("issue", "return"):
        raise ValueError(kind)
    check_order(order)
    if require_receiver or receiver is not None:
        check_receiver(receiver)
    if not lines:
        raise ServiceError(_l("Scan the parts first."), field="code")
    clean = []
    if kind == "issue":
        known = estimate.state(order)
        for part, _qty, job in lines:
            check_job(job, order, part, known)
    for part, qty, job in lines:
        if kind == "return" and job is not None:
            check_job_on_order(job, order)
        clean.append((part, quantity_of(qty), job))
    if kind == "return":
        check_returnable(order, clean)
    now = times.utcnow()
    with transaction():
        slip = _new_slip(kind)
        for part, qty, job in clean:
            old = kind == "return" and _warranty(job)
            move = StockMove(part=part, bin=OLD_BIN if old else (part.bin or ""),
                             qty=-qty if kind == "issue" else qty, kind=kind, at=now, staff=staff,
                             receiver=receiver, work_order=order, job=job, unit_cost=part.cost,
                             unit_price=part.price, old_part=old, slip=slip)
            changelog.save(move)
        if kind == "issue":
            _mark_requests_issued(order, [part for part, _, _ in clean])
    return slip


def check_returnable(order: WorkOrder, lines: list[tuple]) -> None:
    """Nothing comes back that was not issued to this order: ``lines`` ((part, qty,
    job)) may hold no more of a part than its net issues (the counter's basket
    checks each scan with it, the slip once more when it is written)."""
    net = issued(order)
    wanted: dict = {}
    for part, qty, _job in lines:
        wanted[part.id] = wanted.get(part.id, ZERO) + qty
    for part, _qty, _job in lines:
        out = sum((q for (p, _j), q in net.items() if p == part.id), ZERO)
        if wanted[part.id] > out:
            raise ServiceError(_l("Only %(qty)s of %(part_no)s were issued to work order %(number)s.",
                                  qty=out, part_no=part.part_no, number=order.number), field="qty")


def _mark_requests_issued(order: WorkOrder, parts: list[Part]) -> None:
    wanted = {p.id for p in parts}
    for request in PartsRequest.select().where((PartsRequest.work_order == order)
                                               & (PartsRequest.deleted == False)  # noqa: E712
                                               & PartsRequest.status.in_(("requested", "ordered", "arrived"))):
        part = find_part(request.part_no)
        if part is not None and part.id in wanted:
            request.status = "issued"
            changelog.save(request, fields=["status"])


def slip_moves(slip: str) -> list[StockMove]:
    """The moves of one issue or return slip."""
    return list(StockMove.select(StockMove, Part).join(Part).where(StockMove.slip == slip)
                .order_by(Part.part_no))
