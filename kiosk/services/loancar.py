"""The loan-car notice (issue #12): a car repaired under the manufacturer's warranty that
has been in the shop more than 5 days (the store's ``loan_car_days``; waiting for
parts counts) entitles the customer to a loan car or transport costs (三包). From day 6
the advisor is told, and the notice is recorded on the order (``LoanCarNotice``).

``sweep(now)`` records the notices due on every open order (a timer on the server,
``start_loan_car_timer``, every ten minutes); ``notice_of(order)`` and ``open_notices()``
read them for the screens (the cashier's queue, the bill, the delivery list and screen).
"""
from __future__ import annotations

import datetime as dt
import threading

from kiosk.core import status as states, times
from kiosk.db import connected, transaction
from kiosk.models import JobLine, LoanCarNotice, WorkOrder
from kiosk.services import cashier_settings
from sync import changelog


def is_warranty(order: WorkOrder) -> bool:
    """Under the manufacturer's warranty: flagged at check-in, or a warranty job on it."""
    if order.under_warranty:
        return True
    return JobLine.select().where((JobLine.work_order == order) & (JobLine.deleted == False)  # noqa: E712
                                  & (JobLine.pay_type == "warranty")).exists()


def days_in_shop(order: WorkOrder, now: dt.datetime | None = None) -> int:
    """Calendar days the car has been in the shop, the day it came in being day 1."""
    return (times.today(now) - times.local_date(order.opened_at)).days + 1


def is_due(order: WorkOrder, now: dt.datetime | None = None) -> bool:
    still_here = states.rank(order.status) < states.rank("delivered") and order.status != "cancelled"
    limit = cashier_settings.number(cashier_settings.LOAN_CAR_DAYS)
    return still_here and days_in_shop(order, now) > limit and is_warranty(order)


def notice_of(order: WorkOrder) -> LoanCarNotice | None:
    return LoanCarNotice.select().where(LoanCarNotice.work_order == order).order_by(LoanCarNotice.at).first()


def notify(order: WorkOrder, now: dt.datetime | None = None) -> LoanCarNotice | None:
    """Record the notice on ``order`` once, when it is due; the notice (new or earlier) or None."""
    known = notice_of(order)
    if known is not None or not is_due(order, now):
        return known
    with transaction():
        row = LoanCarNotice(work_order=order, days=days_in_shop(order, now), at=now or times.utcnow(),
                            advisor=order.advisor_id)
        changelog.save(row)
    return row


def sweep(now: dt.datetime | None = None) -> list[LoanCarNotice]:
    """Notices for every open order due one (recorded once each), oldest order first."""
    open_orders = (WorkOrder.select().where(WorkOrder.status.in_(states.OPEN_STATUSES + ["settled"])
                                            & (WorkOrder.deleted == False))  # noqa: E712
                   .order_by(WorkOrder.opened_at))
    found = []
    for order in open_orders:
        notice = notify(order, now)
        if notice is not None:
            found.append(notice)
    return found


def start_loan_car_timer(app, every_seconds: float = 600.0) -> threading.Event:
    """Record the notices due every ``every_seconds`` in a daemon thread (the server starts it on
    a node running reception or the cashier, and on a hub), so a warranty car's 6th day is told
    even when nobody opens the cashier's queue. Set the returned event to stop it."""
    stop = threading.Event()

    def run():
        while not stop.wait(every_seconds):
            try:
                with app.app_context(), connected():
                    sweep()
            except Exception:  # noqa: BLE001  a locked or missing database: try again next round
                app.logger.exception("recording loan-car notices failed")

    threading.Thread(target=run, name="loan-car-notices", daemon=True).start()
    return stop


def open_notices() -> list[LoanCarNotice]:
    """The notices recorded on orders still in the shop (the cashier's queue, the delivery list)."""
    still_here = states.OPEN_STATUSES + ["settled"]
    return [n for n in LoanCarNotice.select(LoanCarNotice, WorkOrder).join(WorkOrder)
            .where(WorkOrder.status.in_(still_here)).order_by(LoanCarNotice.at)
            if n.id == notice_of(n.work_order).id]  # the first notice of each order
