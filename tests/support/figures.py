"""A small known history for the figures' tests (services, API, pages, sync): October 2026,
two advisors, two technicians, a parts clerk; the figures it must give are in ``EXPECTED``.

Facts are written the way the stations write them (``changelog.save`` in a transaction) at
fixed store-local times, so the exact values do not depend on the day the test runs.
"""
from __future__ import annotations

import datetime as dt

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Attendance, ClockEvent, Complaint, ComplaintEvent, FollowUpCall, PartsRequest, Payment, \
    QcCheck, StockMove
from kiosk.models.claims import Assessment, AssessmentLine, ClaimEvent, InsuranceCase, WarrantyClaim
from kiosk.services import customers, staff as staff_service
from sync import changelog
from tests.support.aftersales import deliver_for_test
from tests.support.stock import make_part
from tests.support.workshop import make_order

MONTH = dt.date(2026, 10, 1)
EXPECTED = {
    "delivered": 5, "first_time_fix": 0.6, "on_time": 2 / 3, "efficiency": 1.2, "productivity": 5 / 13,
    "loss_time": 30 / 780, "line_fill": 2 / 3, "order_fill": 0.5, "first_service_rate": 0.5, "retention": 0.25,
    # The chain after the workshop: calls scored 10, 6 and 8 (o3's call unanswered); two complaints, one
    # resolved in time; two claims answered, one approved; 平安 owes its assessed 450 (o4, billed
    # directly: the settlement split it) less the 200 it paid.
    "csi": 80.0, "top_share": 1 / 3, "follow_up_rate": 0.6, "complaint_rate": 0.4, "complaints_on_time": 0.5,
    "claim_approval": 0.5, "receivables": 250.0,
    # Settled at delivery (the real cashier): 400 + 300 + 50 the customers' (o4's 50 the assessor
    # refused), 450 the insurer's, 2000 warranty, 200 internal: 3400 over 5 orders.
    "revenue_per_order": 680.0,
}
REVENUE = {"customer": 750.0, "warranty": 2000.0, "insurance": 450.0, "internal": 200.0}
CSI_PARTS = {"reception": 90.0, "repair": 65.0}
MONEY = ("revenue", "revenue_per_order", "receivables")  # money: 0, not None, over an empty period
BY_ADVISOR = {"ADV-801": {"delivered": 2, "first_time_fix": 0.5, "on_time": 0.5},
              "ADV-802": {"delivered": 3, "first_time_fix": 2 / 3, "on_time": 1.0}}
BY_TECHNICIAN = {"TEC-801": {"efficiency": 1.0, "productivity": 1 / 3}, "TEC-802": {"efficiency": 1.5,
                                                                                      "productivity": 0.5}}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """The store's wall time on October ``day`` 2026, as stored (UTC)."""
    return times.at_local(MONTH.replace(day=day), dt.time(hour, minute))


def _save(row, fields=None):
    with transaction():
        changelog.save(row, fields=fields) if fields else changelog.save(row)
    return row


def _order(advisor, jobs, *, opened, promised=None, repair_type="maintenance", comeback_of="", vehicle=None,
           price=0, pay_type="customer"):
    order = make_order(jobs, advisor=advisor, status="in_repair")
    for job in order.jobs:  # what the settlement bills (revenue by payer)
        job.price, job.pay_type = price, pay_type
        _save(job, ["price", "pay_type"])
    order.opened_at, order.promised_at, order.repair_type, order.comeback_of = opened, promised, repair_type, \
        comeback_of
    if vehicle is not None:
        order.vehicle, order.customer = vehicle, vehicle.customer
    return _save(order, ["opened_at", "promised_at", "repair_type", "comeback_of", "vehicle", "customer"])


def _direct_billed(order) -> None:
    """An accident repair billed to 平安 directly: assessed at 450 of the store's 500, the
    customer's assignment signed (kiosk.services.insurance writes these the same way)."""
    case = _save(InsuranceCase(work_order=order, insurer="平安保险", report_no="RPT-T-1", direct_billing=True,
                               opened_at=at(11, 9), assignment_signature="0" * 64, assignment_signed_at=at(11, 9, 30)))
    assessment = _save(Assessment(case=case, at=at(11, 10)))
    _save(AssessmentLine(assessment=assessment, kind="replace", description="前大灯", store_amount=500,
                         assessed_amount=450))


def _clock(tech, job, action, when, reason="", loss=""):
    _save(ClockEvent(technician=tech, job=job, work_order=job.work_order_id, action=action, reason=reason,
                     loss_reason=loss, at=when, terminal="test"))


def _request(job, when, clerk=None, issued=None, part=None, status="requested"):
    request = _save(PartsRequest(work_order=job.work_order_id, job=job, part_no=part.part_no,
                                 description=part.name, qty=1, status=status, requested_at=when))
    if issued is not None:
        _save(StockMove(part=part, qty=-1, kind="issue", at=issued, staff=clerk, work_order=job.work_order_id,
                        job=job, request=request, unit_cost=part.cost))
    return request


def build() -> dict:
    """Write the whole history in this node; answers the people and orders by name."""
    shop = build_orders()
    build_facts(shop)
    return shop


def build_orders() -> dict:
    """The first half (one kiosk's): the people, the orders and their deliveries."""
    a = staff_service.create_staff("王顾问", "ADV-801", ["advisor"], "2801")
    b = staff_service.create_staff("赵顾问", "ADV-802", ["advisor"], "2802")
    t1 = staff_service.create_staff("张师傅", "TEC-801", ["technician"], "2803")
    t2 = staff_service.create_staff("李师傅", "TEC-802", ["technician"], "2804")
    clerk = staff_service.create_staff("孙库管", "PRT-801", ["parts_clerk"], "2805")
    qc = staff_service.create_staff("周质检", "QC-801", ["qc"], "2806")
    o1 = _order(a, [("保养", 2.0)], opened=at(5, 8), promised=at(5, 17), price=400)
    o2 = _order(a, [("更换刹车片", 1.0)], opened=at(6, 8), promised=at(6, 12), price=300)
    o3 = _order(b, [("发动机大修", 3.0)], opened=at(6, 7), repair_type="major", price=2000, pay_type="warranty")
    o4 = _order(b, [("更换大灯", 0.5)], opened=at(11, 9), promised=at(12, 17), repair_type="minor", price=500,
                pay_type="insurance")
    _direct_billed(o4)  # before it is settled: the settlement splits the bill by the assessment
    o5 = _order(b, [("复查发动机", 0.5)], opened=at(20, 9), comeback_of=o3.number, vehicle=o3.vehicle, price=200,
                pay_type="internal")
    _order(b, [("复查灯泡", 0.2)], opened=at(30, 9), comeback_of=o4.number, vehicle=o4.vehicle, repair_type="minor")
    deliver_for_test(o1, at=at(5, 16))
    deliver_for_test(o2, at=at(6, 15))
    deliver_for_test(o3, at=at(10, 11))
    deliver_for_test(o4, at=at(12, 10))
    deliver_for_test(o5, at=at(21, 10))
    return {"advisors": (a, b), "technicians": (t1, t2), "clerk": clerk, "qc": qc, "orders": (o1, o2, o3, o4, o5)}


def build_facts(shop: dict) -> None:
    """The second half (may be written on another kiosk after a sync): QC checks, attendance and
    clocks, parts requests and issues, the cars sold here."""
    (t1, t2), clerk, qc = shop["technicians"], shop["clerk"], shop["qc"]
    o1, o2, o3, o4, o5 = shop["orders"]
    _save(QcCheck(work_order=o2, inspector=qc, passed=False, at=at(6, 13)))
    for order in (o1, o2, o3, o4, o5):
        _save(QcCheck(work_order=order, inspector=qc, passed=True, at=order.opened_at + dt.timedelta(hours=1)))
    job1, job2, job3 = (next(iter(o.jobs)) for o in (o1, o2, o3))
    _save(Attendance(technician=t1, action="in", at=at(5, 8)))
    _save(Attendance(technician=t1, action="out", at=at(5, 17)))
    _clock(t1, job1, "on", at(5, 9))
    _clock(t1, job1, "off", at(5, 10), "finish")
    _clock(t1, job2, "on", at(5, 10))
    _clock(t1, job2, "off", at(5, 11), "pause", "parts")
    _clock(t1, job2, "on", at(5, 11, 30))
    _clock(t1, job2, "off", at(5, 12, 30), "finish")
    _save(Attendance(technician=t2, action="in", at=at(6, 8)))
    _save(Attendance(technician=t2, action="out", at=at(6, 12)))
    _clock(t2, job3, "on", at(6, 8))
    _clock(t2, job3, "off", at(6, 10), "finish")
    part = make_part()
    _request(job1, at(5, 9, 10), clerk, at(5, 9, 30), part)
    _request(job2, at(6, 10), clerk, at(7, 9), part)
    _request(job2, at(6, 10, 5), clerk, at(6, 14), part)
    _request(job3, at(6, 10), part=part, status="cancelled")
    # First service: o1's car was sold here and fell due on October 15 (came on the 5th); another
    # car sold here fell due on the 20th and never came.
    o1.vehicle.sold_on, o1.vehicle.sold_here = MONTH.replace(day=15) - dt.timedelta(days=180), True
    _save(o1.vehicle, ["sold_on", "sold_here"])
    other = customers.create_vehicle(o2.customer, "沪A·F8001", model="大众 帕萨特")
    other.sold_on, other.sold_here = MONTH.replace(day=20) - dt.timedelta(days=180), True
    _save(other, ["sold_on", "sold_here"])
    build_aftersales(shop)


def build_aftersales(shop: dict) -> None:
    """Follow-up calls, complaints, warranty claims and an insurer's direct-billed case."""
    o1, o2, o3, o4, _ = shop["orders"]
    advisor = shop["advisors"][0]
    for order, when, outcome, score, answers in ((o1, at(8, 10), "reached", 10, '{"reception": 10, "repair": 9}'),
                                                 (o2, at(9, 10), "reached", 6, '{"reception": 8, "repair": 4}'),
                                                 (o3, at(13, 10), "no_answer", None, "{}"),
                                                 (o4, at(15, 10), "reached", 8, '{"reception": 9}')):
        _save(FollowUpCall(work_order=order, staff=advisor, at=when, outcome=outcome, score=score, answers=answers))
    late = _save(Complaint(number="TS-T-1", work_order=o2, vehicle=o2.vehicle, customer=o2.customer, channel="phone",
                           category="quality", opened_at=at(9, 11), respond_by=at(10, 11), resolve_by=at(12, 11)))
    _save(ComplaintEvent(complaint=late, staff=advisor, at=at(11, 15), action="resolve", text="返工，客户同意"))
    _save(ComplaintEvent(complaint=late, staff=advisor, at=at(11, 16), action="close"))
    _save(Complaint(number="TS-T-2", channel="in_person", category="time", opened_at=at(22, 9),
                    respond_by=at(23, 9), resolve_by=at(25, 9)))
    for number, order, answer in (("SP-T-1", o3, "approved"), ("SP-T-2", o1, "rejected")):
        claim = _save(WarrantyClaim(number=number, work_order=order, job=next(iter(order.jobs)), vehicle=order.vehicle,
                                    labour_amount=300, parts_amount=200, created_at=at(11, 8)))
        _save(ClaimEvent(claim=claim, state="submitted", at=at(11, 9)))
        _save(ClaimEvent(claim=claim, state=answer, amount=500 if answer == "approved" else 0,
                         reason_code="R01" if answer == "rejected" else "", at=at(20, 9)))
    # The insurer pays part of its share by transfer (kiosk.services.insurer_accounts.record_payment's fact).
    _save(Payment(work_order=o4, amount=200, method="transfer", payer="insurance", reference="PAY-T-1",
                  at=at(20, 10)))


def close(value, expected) -> bool:
    """Figures are compared to four decimals (the API's rounding)."""
    return value is not None and abs(float(value) - float(expected)) < 0.00005

