"""Delivery (交车): the car handed back to the customer (issue #12).

``deliver(order, staff, ...)`` is the one door (the reception and cashier screens, the
API's delivery call). It is refused while QC has not passed, while the order is not
settled, or while the customer still owes a balance (unless the customer pays on
account, kiosk.services.payments.has_credit). It writes the ``Delivery`` fact — when,
the promise as it stood and whether it was kept (``on_time``), the mileage, the next
service proposed (``propose_next_service``: from the interval of the work done,
editable), the customer's signature and the checklist — and moves the order to
delivered. The care desk (#13) schedules its follow-up call from ``Delivery.at``;
the figures (#15) read ``on_time``.
"""
from __future__ import annotations

import datetime as dt
import json

from kiosk.core import status as states, times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Delivery, ServicePackage, Staff, WorkOrder
from kiosk.services import billing, cashier_settings, order_lines, order_status, payments, signatures
from sync import changelog


def refusal(order: WorkOrder):
    """Why ``order`` cannot be delivered now (a translated message), or None when it can."""
    if order.status == "delivered" or states.rank(order.status) > states.rank("delivered"):
        return _l("Work order %(number)s was already delivered.", number=order.number)
    if states.rank(order.status) < states.rank("ready") or order.status == "cancelled":
        return _l("Work order %(number)s has not passed QC (it is “%(status)s”): the car cannot be handed back.",
                  number=order.number, status=states.label(order.status))
    if order.status != "settled":
        return _l("Work order %(number)s is not settled yet: settle it at the cashier first.", number=order.number)
    balance = payments.account(order)["balance"]
    if balance > 0 and not payments.has_credit(order.customer):
        return _l("The customer still owes ¥%(balance)s on work order %(number)s.", balance=balance,
                  number=order.number)
    return None


def check_checklist(order: WorkOrder, checklist: dict) -> None:
    """The delivery screen's checklist: every job done explained to the customer, the findings
    and the old parts shown (the API hands cars back without one)."""
    done = {j.id.hex for j in billing.agreed_jobs(order)}
    explained = set(checklist.get("explained") or [])
    if not done <= explained:
        raise ServiceError(_l("Explain every job done to the customer and tick it."), field="explained")
    for key, message in (("findings_shown", _l("Show the customer the findings and their photos.")),
                         ("old_parts_shown", _l("Show the customer the old parts (or say there are none)."))):
        if not checklist.get(key):
            raise ServiceError(message, field=key)


def _months_later(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def propose_next_service(order: WorkOrder, now: dt.datetime | None = None) -> tuple[dt.date, int]:
    """The next service: the interval of the service packages of the work done (their km, and
    the store's months), else the store's default interval; from today and the order's mileage."""
    codes = {j.package for j in order_lines.live_jobs(order) if j.package and j.authorization != "declined"}
    intervals = [p.interval_km for p in ServicePackage.select().where(ServicePackage.code.in_(list(codes)))
                 if p.interval_km] if codes else []
    km = min(intervals) if intervals else cashier_settings.number(cashier_settings.NEXT_KM)
    day = _months_later(times.today(now), cashier_settings.number(cashier_settings.NEXT_MONTHS))
    return day, order.mileage + km


def deliver(order: WorkOrder, staff: Staff | None, *, next_service_date: dt.date | None = None,
            next_service_mileage: int | None = None, mileage: int | None = None, signature: str | None = None,
            folder=None, checklist: dict | None = None, note: str = "", now: dt.datetime | None = None) -> Delivery:
    """Hand the car back (see the module's docstring). ``signature`` is the pad's PNG data URL
    (stored under ``folder``); a screen passes it and its ``checklist`` ({"explained": [job ids],
    "findings_shown", "old_parts_shown"}), the API may not."""
    why = refusal(order)
    if why is not None:
        raise ServiceError(why, status=409)
    if checklist is not None:
        check_checklist(order, checklist)
        if not signature:
            raise ServiceError(_l("The signature is missing. Ask the customer to sign."), field="signature")
    proposed_day, proposed_km = propose_next_service(order, now)
    next_day = next_service_date or proposed_day
    next_km = proposed_km if next_service_mileage is None else int(next_service_mileage)
    now = now or times.utcnow()
    if next_day <= times.today(now):
        raise ServiceError(_l("The next service must be after today."), field="next_service_date")
    if next_km <= order.mileage:
        raise ServiceError(_l("The next service's mileage must be above today's."), field="next_service_mileage")
    out_mileage = order.mileage if mileage is None else int(mileage)
    if out_mileage < order.mileage:
        raise ServiceError(_l("The mileage cannot be lower than at check-in (%(km)s km).", km=order.mileage),
                           field="mileage")
    content = signatures.checked_png(signature) if signature else None
    on_time = None if order.promised_at is None else now <= order.promised_at
    if content is None:
        return _write(order, staff, now, out_mileage, on_time, next_day, next_km, "", checklist, note)
    with signatures.stored(folder, content) as digest:  # the file goes again if the fact cannot be saved
        return _write(order, staff, now, out_mileage, on_time, next_day, next_km, digest, checklist, note)


def _write(order, staff, now, mileage, on_time, next_day, next_km, digest, checklist, note) -> Delivery:
    with transaction():
        order.status = WorkOrder.get_by_id(order.id).status  # read inside the write lock: two taps hand back once
        why = refusal(order)
        if why is not None:
            raise ServiceError(why, status=409)
        row = Delivery(work_order=order, vehicle=order.vehicle, staff=staff, at=now, mileage=mileage,
                       promised_at=order.promised_at, on_time=on_time, next_service_date=next_day,
                       next_service_mileage=next_km, signature=digest,
                       checklist=json.dumps(checklist or {}, ensure_ascii=False, sort_keys=True),
                       note=" ".join(str(note or "").split())[:500])
        changelog.save(row)
        order_status.move(order, "delivered", staff=staff)
    return row


def delivery_of(order: WorkOrder) -> Delivery | None:
    return Delivery.select().where(Delivery.work_order == order).order_by(Delivery.at.desc()).first()
