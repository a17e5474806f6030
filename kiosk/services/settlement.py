"""Settling a work order (结算): the bill frozen in a ``Settlement`` fact (issue #12).

Call ``settle(order, cashier, discount=..., reason=..., approver=..., old_parts=...)``:
only a ``ready`` order (QC passed, washed); the live bill (kiosk.services.billing)
is frozen as JSON, so later catalogue prices never touch it; the number
(``JS-<node prefix>-<day>-<n>``) carries the node's prefix, so two offline cashiers
never hand out the same one; the order moves to ``settled`` and is locked.

A discount lowers only the customer's share: up to the store's limit
(kiosk.services.cashier_settings, 10 % by default) on the cashier's word, above it
only with a service manager's badge (``approver``); the reason is kept.

A correction is ``correct(order, manager, ...)``: a reversal fact of the live
settlement and a new version (same number, version + 1), never an edit.

For the other stations:
- ``current(order)`` — the live settlement fact (None before settling); ``settled_twice()`` the
  orders two offline cashiers both settled (an exception until a manager's correction);
- ``frozen_bill(settled)`` — its bill as data; ``billing.lines_of(bill, "warranty")``
  gives claims (#14) the warranty lines; the insurer's share on the bill follows
  ``kiosk.services.insurance.insurer_share`` (kiosk.services.direct_billing) and is paid to
  the store directly (直赔) with ``kiosk.services.payments.pay(..., payer="insurance")``;
- ``settle`` and ``correct`` refuse (409) a direct-billed order before the customer signed
  the assignment, and old parts "returned" when a warranty part is among them (#14);
- ``payer_documents(order)`` — one settlement document per payer;
- ``revenue_by_payer(first, last)`` — the figures (#15): the live settlements of those days.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from peewee import fn

from kiosk.core import status as states, times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Settlement, Staff, WorkOrder
from kiosk.models.aftersales import REPAIR_TYPES
from kiosk.services import billing, cashier_settings, ehealth, insurance, order_status
from kiosk.services import old_parts as custody
from kiosk.services.numbers import next_number
from sync import changelog

OLD_PARTS = ("returned", "left", "none")


def is_manager(person: Staff | None) -> bool:
    return person is not None and person.active and person.has_role("manager", "admin")


def live_facts(order: WorkOrder) -> list[Settlement]:
    """The order's settlement facts not reversed: one, or (two cashiers settled it offline) more."""
    facts = list(Settlement.select().where(Settlement.work_order == order).order_by(Settlement.at, Settlement.hlc))
    reversed_ids = {f.reverses for f in facts if f.kind == "reversal"}
    return [f for f in facts if f.kind == "settlement" and f.id.hex not in reversed_ids]


def current(order: WorkOrder) -> Settlement | None:
    """The order's settlement in force: the latest version not reversed (None before settling)."""
    live = live_facts(order)
    return max(live, key=lambda f: (f.version, f.at)) if live else None


def settled_twice() -> list[WorkOrder]:
    """Orders two offline cashiers both settled (two live settlements after sync): an exception
    the cashier's queue shows until a manager's correction reverses both and settles once."""
    ids = [row.work_order_id for row in Settlement.select(Settlement.work_order).where(Settlement.kind == "settlement")
           .group_by(Settlement.work_order).having(fn.COUNT(Settlement.id) > 1)]
    return [o for o in WorkOrder.select().where(WorkOrder.id.in_(ids)) if len(live_facts(o)) > 1] if ids else []


def frozen_bill(settled: Settlement) -> dict:
    return json.loads(settled.bill)


def check_discount(bill: dict, discount: Decimal, reason: str, approver: Staff | None) -> None:
    """The discount rule: not above the customer's share, a reason, a manager above the limit."""
    share = Decimal(bill["by_payer"]["customer"])
    if discount < 0 or discount > share:
        raise ServiceError(_l("The discount cannot be more than the customer's share (¥%(share)s).", share=share),
                           field="discount")
    if discount and not reason:
        raise ServiceError(_l("Give the reason for the discount."), field="reason")
    limit = billing.money(share * cashier_settings.percent(cashier_settings.DISCOUNT_LIMIT))
    if discount > limit and not is_manager(approver):
        raise ServiceError(_l("A discount above ¥%(limit)s (the store's limit) needs a service manager's badge.",
                              limit=limit), field="approver", status=403)


def _freeze(order, staff, discount, reason, approver, old_parts, *, number, version, now) -> Settlement:
    bill = billing.bill_of(order)
    check_discount(bill, discount, reason, approver)
    due = Decimal(bill["by_payer"]["customer"]) - discount
    settled = Settlement(work_order=order, number=number, version=version, at=now, staff=staff,
                         approver=approver if discount or version > 1 else None,
                         bill=json.dumps(bill, ensure_ascii=False, sort_keys=True), total=Decimal(bill["total"]),
                         discount=discount, discount_reason=reason, customer_due=due, old_parts=old_parts)
    changelog.save(settled)
    return settled


def _check_claims(order: WorkOrder, old_parts: str) -> None:
    """The claims desk's rules (#14): a direct-billed insurance repair only after the customer signed
    the assignment; old parts "returned to the customer" never include a warranty part."""
    insurance.check_direct_billing(order)
    if old_parts == "returned":
        custody.check_customer_return(order, custody.issued_part_nos(order))


def _clean(discount, reason, old_parts) -> tuple[Decimal, str, str]:
    discount = billing.money(discount or 0)
    if old_parts not in OLD_PARTS:
        raise ServiceError(_l("Say what happens to the old parts."), field="old_parts")
    return discount, " ".join(str(reason or "").split())[:200], old_parts


def settle(order: WorkOrder, cashier: Staff, *, discount=0, reason: str = "", approver: Staff | None = None,
           old_parts: str = "none", repair_type: str | None = None, now: dt.datetime | None = None) -> Settlement:
    """Freeze the bill of a ready order, number it, lock the order (see the module's docstring).
    ``repair_type`` (major, maintenance, minor), when given, sets the guarantee the list prints."""
    discount, reason, old_parts = _clean(discount, reason, old_parts)
    if repair_type not in (None, "") and repair_type not in REPAIR_TYPES:
        raise ServiceError(_l("Choose the kind of repair."), field="repair_type")
    now = now or times.utcnow()
    with transaction():
        order.status = WorkOrder.get_by_id(order.id).status  # read inside the write lock: two clicks settle once
        _check_ready(order)
        _check_claims(order, old_parts)
        number = f"JS-{next_number('JS', times.today(now))}"
        settled = _freeze(order, cashier, discount, reason, approver, old_parts, number=number, version=1, now=now)
        if repair_type and repair_type != order.repair_type:
            order.repair_type = repair_type
            changelog.save(order, fields=["repair_type"])
        order_status.move(order, "settled", staff=cashier, note=number)
        ehealth.record(order, settled)
    return settled


def _check_ready(order: WorkOrder) -> None:
    if order.status != "ready":
        if states.rank(order.status) < states.rank("ready"):
            message = _l("Work order %(number)s has not passed QC and washing yet (it is “%(status)s”): it cannot "
                         "be settled.", number=order.number, status=states.label(order.status))
        else:
            message = _l("Work order %(number)s is already settled.", number=order.number)
        raise ServiceError(message, status=409)


def correct(order: WorkOrder, manager: Staff, *, discount=0, reason: str = "", old_parts: str | None = None,
            now: dt.datetime | None = None) -> Settlement:
    """A manager's correction: reverse the settlement in force (every one, when two cashiers settled
    offline) and freeze a new version under the number of the one in force."""
    if not is_manager(manager):
        raise ServiceError(_l("Only a service manager corrects a settlement."), field="approver", status=403)
    live = current(order)
    if live is None:
        raise ServiceError(_l("Work order %(number)s is not settled.", number=order.number), status=409)
    discount, reason, old_parts = _clean(discount, reason, old_parts or live.old_parts)
    _check_claims(order, old_parts)
    now = now or times.utcnow()
    with transaction():
        for fact in live_facts(order):  # every one in force: two offline cashiers may both have settled
            changelog.save(Settlement(work_order=order, number=fact.number, version=fact.version, kind="reversal",
                                      reverses=fact.id.hex, at=now, staff=manager, approver=manager,
                                      total=-fact.total, discount=-fact.discount, customer_due=-fact.customer_due,
                                      note=reason))
        return _freeze(order, manager, discount, reason, manager, old_parts, number=live.number,
                       version=live.version + 1, now=now)


def payer_documents(order: WorkOrder) -> list[dict]:
    """One settlement document per payer with a share: its lines, amount, tax (and the discount on
    the customer's); empty before settling."""
    live = current(order)
    if live is None:
        return []
    bill = frozen_bill(live)
    return [{"payer": payer, "lines": billing.lines_of(bill, payer), "amount": bill["by_payer"][payer],
             "tax": bill["tax_by_payer"][payer],
             "discount": billing.text(live.discount) if payer == "customer" else "0.00",
             "due": billing.text(live.customer_due) if payer == "customer" else bill["by_payer"][payer],
             "insurer": bill["insurer"] if payer == "insurance" else "",
             "claim_no": bill["claim_no"] if payer == "insurance" else ""} for payer in billing.payers_of(bill)]


def settled_in(first: dt.date, last: dt.date, of_orders=None) -> list[Settlement]:
    """The settlements in force that were settled on the store's days ``first``..``last``, oldest
    first; of the work orders ``of_orders`` (a subquery of ids: a group's store, an advisor's) only."""
    start, end = times.day_bounds(first, (last - first).days + 1)
    query = Settlement.select(Settlement.work_order).where((Settlement.at >= start) & (Settlement.at < end))
    if of_orders is not None:
        query = query.where(Settlement.work_order.in_(of_orders))
    orders = {s.work_order_id for s in query}
    found = [current(order) for order in WorkOrder.select().where(WorkOrder.id.in_(list(orders)))] if orders else []
    return sorted((s for s in found if s is not None and start <= s.at < end), key=lambda s: (s.at, s.number))


def amounts(settled: Settlement) -> dict[str, Decimal]:
    """What one settlement bills each payer (the customer's share net of its discount)."""
    totals = {p: Decimal(0) for p in billing.PAYERS}
    for payer, amount in frozen_bill(settled)["by_payer"].items():
        totals[payer] += Decimal(amount)
    totals["customer"] -= settled.discount
    return totals


def revenue_by_payer(first: dt.date, last: dt.date, of_orders=None) -> dict[str, Decimal]:
    """Revenue of the settlements in force settled on the store's days ``first``..``last``, per
    payer (the customer's share net of its discount); of the work orders ``of_orders`` only."""
    totals = {p: Decimal(0) for p in billing.PAYERS}
    for live in settled_in(first, last, of_orders):
        for payer, amount in amounts(live).items():
            totals[payer] += amount
    return totals
