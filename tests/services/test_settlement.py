"""Settling: only a ready order, the bill frozen, numbered, the order locked; the discount
limit; a correction is a reversal and a new version by a manager; one document per payer."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.models import EhealthRecord, Settlement, WorkOrder
from kiosk.services import cashier_settings, ehealth, settlement, workorders
from sync import changelog
from tests.support.cashier import part, ready_order


@pytest.fixture
def cashier(make_staff):
    return make_staff("cashier", name="郑收银")


@pytest.fixture
def manager(make_staff):
    return make_staff("manager", name="周经理")


def test_only_a_ready_order_is_settled(db, cashier):
    order = ready_order(status="washing")
    with pytest.raises(ServiceError) as refused:
        settlement.settle(order, cashier)
    assert refused.value.status == 409


def test_settling_freezes_the_bill_numbers_it_and_locks_the_order(db, cashier):
    filt = part()
    order = ready_order(issue=[(filt, 1, 0)])
    settled = settlement.settle(order, cashier, old_parts="returned")
    assert settled.number.startswith("JS-") and settled.version == 1
    order = WorkOrder.get_by_id(order.id)
    assert order.status == "settled"
    with pytest.raises(ServiceError):
        workorders.add_job(order, "再加一项", price="50")
    with pytest.raises(ServiceError):
        settlement.settle(order, cashier)
    workorders.live_jobs(order)[0].__class__.update(price=Decimal("1")).execute()  # a change behind its back
    assert json.loads(settlement.current(order).bill)["total"] == "268.00"


def test_numbers_from_one_node_never_repeat(db, cashier):
    numbers = {settlement.settle(ready_order(), cashier).number for _ in range(3)}
    assert len(numbers) == 3


def test_a_discount_above_the_limit_needs_a_manager_and_a_reason(db, cashier, manager):
    order = ready_order([{"description": "大修", "sold_hours": "10", "price": "1000"}])
    with pytest.raises(ServiceError) as no_reason:
        settlement.settle(order, cashier, discount="50")
    assert no_reason.value.field == "reason"
    with pytest.raises(ServiceError) as too_much:
        settlement.settle(order, cashier, discount="100.01", reason="老客户")
    assert too_much.value.status == 403
    with pytest.raises(ServiceError):
        settlement.settle(order, cashier, discount="150", reason="老客户", approver=cashier)
    settled = settlement.settle(order, cashier, discount="150", reason="老客户", approver=manager)
    assert (settled.discount, settled.customer_due, settled.discount_reason) == (Decimal("150"), Decimal("850"), "老客户")


def test_the_limit_is_the_stores_setting(db, cashier):
    cashier_settings.save({"discount_limit_percent": "20"})
    order = ready_order([{"description": "大修", "sold_hours": "10", "price": "1000"}])
    assert settlement.settle(order, cashier, discount="200", reason="活动").customer_due == Decimal("800")


def test_the_legal_guarantee_cannot_be_shortened(db):
    with pytest.raises(ServiceError):
        cashier_settings.save({"guarantee_major_days": "90"})
    cashier_settings.save({"guarantee_major_days": "180"})
    assert cashier_settings.guarantee("major") == (20000, 180)
    assert cashier_settings.guarantee("minor") == (2000, 10)


def test_a_correction_is_a_reversal_and_a_new_version_by_a_manager(db, cashier, manager):
    order = ready_order()
    first = settlement.settle(order, cashier)
    with pytest.raises(ServiceError):
        settlement.correct(order, cashier, discount="10", reason="补折扣")
    second = settlement.correct(order, manager, discount="10", reason="补折扣")
    assert (second.number, second.version) == (first.number, 2)
    assert settlement.current(order).id == second.id
    kinds = [s.kind for s in Settlement.select().where(Settlement.work_order == order).order_by(Settlement.at)]
    assert kinds == ["settlement", "reversal", "settlement"]


def test_one_document_per_payer_and_revenue_by_payer(db, cashier):
    order = ready_order([{"description": "保养", "sold_hours": "1", "price": "300"},
                         {"description": "召回检查", "sold_hours": "1", "price": "120", "pay_type": "warranty"}])
    settlement.settle(order, cashier, discount="30", reason="会员")
    documents = {d["payer"]: d for d in settlement.payer_documents(order)}
    assert set(documents) == {"customer", "warranty"}
    assert (documents["customer"]["due"], documents["warranty"]["due"]) == ("270.00", "120.00")
    today = times.today()
    revenue = settlement.revenue_by_payer(today, today)
    assert revenue["customer"] == Decimal("270.00") and revenue["warranty"] == Decimal("120.00")
    assert settlement.revenue_by_payer(today - dt.timedelta(days=2), today - dt.timedelta(days=1))["customer"] == 0


@pytest.mark.postgres
def test_settling_queues_the_e_health_record(db, cashier):
    filt = part()
    order = ready_order(issue=[(filt, 1, 0)])
    settled = settlement.settle(order, cashier)
    record = json.loads(EhealthRecord.get(EhealthRecord.work_order == order).payload)
    assert record["settlement_number"] == settled.number and record["vin"] == order.vehicle.vin
    assert record["parts"] == [{"name": "机油滤清器", "part_no": "06L115562B", "qty": "1.00"}]
    assert record["items"] == [{"name": "更换机油机滤", "hours": "1.00"}] and record["labour_hours"] == "1.00"
    assert record["mileage_in"] == 30000 and record["fault"] == "保养"
    lines = ehealth.export_jsonl().splitlines()
    assert len(lines) == 1 and json.loads(lines[0]) == record


@pytest.mark.postgres
def test_an_order_settled_twice_offline_is_an_exception_until_a_manager_corrects_it(db, cashier, manager):
    order = ready_order()
    first = settlement.settle(order, cashier)
    # The other kiosk's settlement of the same order, as it arrives by sync (its own number).
    twin = Settlement(work_order=order, number="JS-B1-20261202-0001", version=1, at=first.at, staff=cashier,
                      bill=first.bill, total=first.total, customer_due=first.customer_due)
    with transaction():
        changelog.save(twin)
    assert settlement.settled_twice() == [order]
    fixed = settlement.correct(order, manager, reason="两台收银机重复结算")
    assert settlement.settled_twice() == [] and settlement.current(order).id == fixed.id
    assert len(settlement.live_facts(order)) == 1


def test_a_second_settle_of_a_stale_order_is_refused(db, cashier):
    order = ready_order()
    stale = WorkOrder.get_by_id(order.id)  # another screen read it while it was ready
    settlement.settle(order, cashier)
    with pytest.raises(ServiceError) as refused:
        settlement.settle(stale, cashier)
    assert refused.value.status == 409 and Settlement.select().count() == 1
