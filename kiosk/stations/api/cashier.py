"""The chain after the workshop over the API (CONTRACT "The chain after the workshop"):
QC and washing, the bill, settling, payments and delivery, through the same services
as the pages (kiosk.services.qc, payments, settlement, delivery).

Every call takes the acting person's ``badge``; a manager's badge, where one is
needed, goes in ``approver``. A refused step is a 409 with the reason; a malformed
body a 400.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import jsonify
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.core.errors import Forbidden, NotFound
from kiosk.roles import allowed
from kiosk.services import delivery, invoices, payments, qc, settlement, workorders
from kiosk.services import staff as staff_service
from kiosk.stations.api import BadRequest, as_number, bp, json_object, member, text, whole


def _person(body: dict, key: str, permission: str | None, *, required: bool = True):
    """The active staff member whose badge is ``body[key]``, allowed ``permission``."""
    badge = text(body, key, key, required=required)
    if not badge:
        return None
    person = staff_service.find_by_badge(badge)
    if person is None or not person.active:
        raise NotFound(_("No active staff member with this badge."), field=key)
    if permission and not allowed(person.role_list, permission):
        raise Forbidden(_("%(name)s may not do this.", name=person.name), field=key)
    return person


def _money(value) -> float | int:
    return as_number(Decimal(value))


def bill_json(order) -> dict:
    """The bill as CONTRACT names it (plus each line's code and tax, the tax, warnings)."""
    found = payments.statement(order)
    lines = [{"kind": x["kind"], "code": x["code"], "description": x["description"], "qty": _money(x["qty"]),
              "unit_price": _money(x["unit_price"]), "amount": _money(x["amount"]), "tax": _money(x["tax"]),
              "payer": x["payer"]} for x in found["lines"]]
    settled = found["settlement"]
    return {"work_order": order.number, "lines": lines,
            "by_payer": {k: _money(v) for k, v in found["by_payer"].items()},
            "tax": _money(found["tax"]), "total": _money(found["total"]), "vat_percent": int(found["vat_percent"]),
            "insurer": found["insurer"], "claim_no": found["claim_no"],
            "discount": _money(found["discount"]), "customer_due": _money(found["customer_due"]),
            "paid": _money(found["paid"]), "balance": _money(found["balance"]), "warnings": found["warnings"],
            "settlement": {"number": settled["number"], "at": times.isoformat(settled["at"]),
                           "version": settled["version"]} if settled else None}


@bp.post("/work-orders/<number>/qc")
def qc_result(number: str):
    """``{"badge": inspector, "result": "pass"|"fail", "jobs": [job ids to redo, on fail]}``"""
    body = json_object()
    inspector = _person(body, "badge", "qc")
    result = text(body, "result", "result")
    if result not in ("pass", "fail"):
        raise BadRequest(_("%(field)s must be “pass” or “fail”.", field="result"), field="result")
    jobs = member(body, "jobs", list, "jobs", required=False, default=[])
    if not all(isinstance(j, str) for j in jobs):
        raise BadRequest(_("%(field)s has the wrong type.", field="jobs"), field="jobs")
    order = workorders.get_by_number(number)
    # Over the API a pass is the inspector's word for the whole checklist, road test included.
    check = qc.record(order, inspector, passed=result == "pass", checked=list(qc.CHECKLIST) if result == "pass" else (),
                      rework=jobs, road_test=text(body, "road_test", "road_test", required=False))
    return jsonify({"number": order.number, "passed": check.passed,
                    "status": workorders.get_by_id(order.id).status}), 201


@bp.post("/work-orders/<number>/washed")
def washed(number: str):
    """``{"badge"}``: washing done, the order is ready."""
    body = json_object()
    person = _person(body, "badge", None)
    order = qc.washed(workorders.get_by_number(number), person)
    return jsonify({"number": order.number, "status": order.status}), 201


@bp.get("/work-orders/<number>/bill")
def get_bill(number: str):
    return jsonify(bill_json(workorders.get_by_number(number)))


@bp.post("/work-orders/<number>/settlement")
def settle(number: str):
    """``{"badge": cashier, "discount"?, "reason"?, "approver"?, "old_parts"?}`` → 201 the bill with its number."""
    body = json_object()
    cashier = _person(body, "badge", "cashier")
    approver = _person(body, "approver", None, required=False)
    discount = member(body, "discount", (int, float, str), "discount", required=False, default=0)
    old_parts = text(body, "old_parts", "old_parts", required=False) or "none"
    order = workorders.get_by_number(number)
    settled = settlement.settle(order, cashier, discount=payments.amount_of(discount) if discount else 0,
                                reason=text(body, "reason", "reason", required=False), approver=approver,
                                old_parts=old_parts)
    return jsonify({"number": settled.number, **bill_json(workorders.get_by_id(order.id))}), 201


@bp.post("/work-orders/<number>/payments")
def pay(number: str):
    """``{"badge", "amount", "method", "reference"?, "approver"? (a refund), "payer"?}`` → 201 ``{"paid", "balance"}``"""
    body = json_object()
    cashier = _person(body, "badge", "cashier")
    approver = _person(body, "approver", None, required=False)
    amount = member(body, "amount", (int, float, str), "amount")
    method = text(body, "method", "method")
    order = workorders.get_by_number(number)
    payments.pay(order, cashier, amount, method, reference=text(body, "reference", "reference", required=False),
                 approver=approver, payer=text(body, "payer", "payer", required=False) or "customer")
    money = payments.account(order)
    return jsonify({"paid": as_number(money["paid"]), "balance": as_number(money["balance"])}), 201


@bp.post("/work-orders/<number>/delivery")
def deliver(number: str):
    """``{"badge", "next_service": {"date", "mileage"}?, "mileage"?}`` → 201 the delivery."""
    body = json_object()
    person = _person(body, "badge", None)
    if not (allowed(person.role_list, "reception") or allowed(person.role_list, "cashier")):
        raise Forbidden(_("%(name)s may not hand cars back.", name=person.name), field="badge")
    nxt = member(body, "next_service", dict, "next_service", required=False, default={})
    raw_day = text(nxt, "date", "next_service.date", required=False)
    try:
        day = dt.date.fromisoformat(raw_day) if raw_day else None
    except ValueError:
        raise BadRequest(_("Enter the date as YYYY-MM-DD."), field="next_service.date")
    order = workorders.get_by_number(number)
    done = delivery.deliver(order, person, next_service_date=day,
                            next_service_mileage=whole(nxt, "mileage", "next_service.mileage"),
                            mileage=whole(body, "mileage", "mileage"))
    return jsonify({"number": order.number, "status": "delivered", "at": times.isoformat(done.at),
                    "on_time": done.on_time, "next_service": {"date": done.next_service_date.isoformat(),
                                                              "mileage": done.next_service_mileage}}), 201


@bp.post("/work-orders/<number>/settlement/corrections")
def correct_settlement(number: str):
    """``{"badge", "approver": a service manager's badge, "discount"?, "reason"}`` → 201 the new version
    (an extension): the settlement in force is reversed and the bill frozen again."""
    body = json_object()
    _person(body, "badge", "cashier")
    manager = _person(body, "approver", None)
    discount = member(body, "discount", (int, float, str), "discount", required=False, default=0)
    order = workorders.get_by_number(number)
    fixed = settlement.correct(order, manager, discount=payments.amount_of(discount) if discount else 0,
                              reason=text(body, "reason", "reason", required=False))
    return jsonify({"number": fixed.number, "version": fixed.version, **bill_json(order)}), 201


@bp.post("/work-orders/<number>/invoice-requests")
def request_invoice(number: str):
    """``{"badge", "title", "tax_no"?, "personal"?: bool, "payer"?, "amount"?}`` → 201 (an extension):
    the invoice queued for the store's invoicing system, as at the cashier."""
    body = json_object()
    cashier = _person(body, "badge", "cashier")
    amount = member(body, "amount", (int, float, str), "amount", required=False)
    row = invoices.request(workorders.get_by_number(number), cashier, title=text(body, "title", "title"),
                           tax_no=text(body, "tax_no", "tax_no", required=False),
                           personal=member(body, "personal", bool, "personal", required=False, default=False),
                           payer=text(body, "payer", "payer", required=False) or "customer",
                           amount=None if amount is None else payments.amount_of(amount))
    return jsonify({"settlement_number": row.settlement_number, "kind": row.kind, "title": row.title,
                    "tax_no": row.tax_no, "amount": as_number(row.amount)}), 201
