"""Delivery (交车): the gates (QC, settled, no balance unless on account), the Delivery fact
with the promise kept or not and the next service proposed; the loan-car notice."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.models import LoanCarNotice, WorkOrder
from kiosk.services import delivery, loancar, payments, settlement
from tests.support.cashier import ready_order
from tests.support.reception import signature_data_url


@pytest.fixture
def cashier(make_staff):
    return make_staff("cashier", name="郑收银")


def test_delivery_waits_for_qc_settlement_and_payment(db, app, cashier, make_staff):
    order = ready_order(status="qc")
    with pytest.raises(ServiceError, match="QC"):
        delivery.deliver(order, cashier)
    order = ready_order()
    with pytest.raises(ServiceError) as not_settled:
        delivery.deliver(order, cashier)
    assert not_settled.value.status == 409
    settlement.settle(order, cashier)
    with pytest.raises(ServiceError, match="200.00"):
        delivery.deliver(order, cashier)
    payments.allow_credit(order.customer, make_staff("manager"))  # a fleet on account may take the car
    done = delivery.deliver(order, cashier, signature=signature_data_url(), folder=app.config["BLOB_FOLDER"],
                            checklist={"explained": [j.id.hex for j in order.jobs], "findings_shown": True,
                                       "old_parts_shown": True})
    assert WorkOrder.get_by_id(order.id).status == "delivered"
    assert len(done.signature) == 64 and json.loads(done.checklist)["findings_shown"] is True
    with pytest.raises(ServiceError, match="already"):
        delivery.deliver(WorkOrder.get_by_id(order.id), cashier)


def test_the_delivery_records_the_promise_and_the_next_service(db, cashier):
    now = times.utcnow()
    late = ready_order(promised_at=times.isoformat(now - dt.timedelta(hours=2), "minutes"))
    settlement.settle(late, cashier)
    payments.pay(late, cashier, "200", "cash")
    done = delivery.deliver(late, cashier)
    assert done.on_time is False and done.promised_at is not None
    assert done.next_service_mileage == 35000  # 30,000 km at check-in + the store's 5,000
    assert done.next_service_date > times.today()

    kept = ready_order()
    settlement.settle(kept, cashier)
    payments.pay(kept, cashier, "200", "wechat")
    later = times.today() + dt.timedelta(days=90)
    done = delivery.deliver(kept, cashier, next_service_date=later, next_service_mileage=36000)
    assert (done.on_time, done.next_service_date, done.next_service_mileage) == (None, later, 36000)


def test_the_screen_checklist_wants_every_job_explained(db, cashier):
    order = ready_order()
    settlement.settle(order, cashier)
    payments.pay(order, cashier, "200", "cash")
    with pytest.raises(ServiceError) as refused:
        delivery.deliver(order, cashier, checklist={"explained": [], "findings_shown": True, "old_parts_shown": True})
    assert refused.value.field == "explained"
    with pytest.raises(ServiceError) as refused:
        delivery.deliver(order, cashier, checklist={"explained": [j.id.hex for j in order.jobs]})
    assert refused.value.field == "findings_shown"
    with pytest.raises(ServiceError) as refused:
        delivery.deliver(order, cashier, checklist={"explained": [j.id.hex for j in order.jobs], "findings_shown": 1,
                                                    "old_parts_shown": 1})
    assert refused.value.field == "signature"


def test_a_next_service_in_the_past_is_refused(db, cashier):
    order = ready_order()
    settlement.settle(order, cashier)
    payments.pay(order, cashier, "200", "cash")
    with pytest.raises(ServiceError) as refused:
        delivery.deliver(order, cashier, next_service_date=times.today())
    assert refused.value.field == "next_service_date"
    with pytest.raises(ServiceError):
        delivery.deliver(order, cashier, next_service_mileage=1000)


def test_a_blank_signature_is_refused_and_nothing_is_written(db, app, cashier):
    order = ready_order()
    settlement.settle(order, cashier)
    payments.pay(order, cashier, "200", "cash")
    with pytest.raises(ServiceError) as refused:
        delivery.deliver(order, cashier, signature=signature_data_url(ink=False), folder=app.config["BLOB_FOLDER"])
    assert refused.value.field == "signature" and WorkOrder.get_by_id(order.id).status == "settled"


def test_a_warranty_car_in_the_shop_more_than_five_days_is_due_a_loan_car_from_day_six(db):
    order = ready_order([{"description": "更换变速箱", "sold_hours": "8", "price": "0", "pay_type": "warranty"}],
                        status="waiting_parts")
    opened = order.opened_at
    day5 = opened + dt.timedelta(days=4)
    assert loancar.days_in_shop(order, day5) == 5 and loancar.notify(order, day5) is None
    day6 = opened + dt.timedelta(days=5)
    notice = loancar.notify(order, day6)
    assert notice is not None and notice.days == 6
    assert loancar.sweep(day6 + dt.timedelta(days=1))[0].id == notice.id  # recorded once
    assert LoanCarNotice.select().count() == 1
    customer_paid = ready_order(status="waiting_parts")
    assert loancar.notify(customer_paid, customer_paid.opened_at + dt.timedelta(days=8)) is None


def test_the_servers_timer_records_the_notice_without_anyone_looking(db, app):
    import time

    from kiosk.core import times as clock

    order = ready_order([{"description": "更换变速箱", "sold_hours": "8", "price": "0", "pay_type": "warranty"}],
                        status="waiting_parts")
    order.opened_at = clock.utcnow() - dt.timedelta(days=6)  # came in six days ago
    order.save()
    stop = loancar.start_loan_car_timer(app, every_seconds=0.05)
    try:
        deadline = time.monotonic() + 10
        while loancar.notice_of(order) is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    assert loancar.notice_of(order).days == 7


def test_the_open_notices_are_one_per_order_still_in_the_shop(db):
    order = ready_order([{"description": "更换变速箱", "sold_hours": "8", "price": "0", "pay_type": "warranty"}],
                        status="waiting_parts")
    later = order.opened_at + dt.timedelta(days=6)
    first = loancar.notify(order, later)
    assert [n.id for n in loancar.open_notices()] == [first.id]
