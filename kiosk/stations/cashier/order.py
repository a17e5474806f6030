"""One order at the cashier: the bill (from kiosk.services.payments.statement), settling it (and
a manager's correction), taking payments and refunds, the invoice request, and the settlement
list on A4. Each form answers with its own section (``_bill``, ``_payments``, ``_invoice``);
settling tells the payments and the invoice sections with the ``settlement-changed`` event
(the amount due changed, the invoice may be requested), a payment tells the bill with
``payment-changed`` (the handover may now be offered)."""
from __future__ import annotations


from flask import render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from hardware.labels import code_svg

from kiosk.access import current_staff, go_to, may, requires
from kiosk.stations import order_url
from kiosk.core.errors import ServiceError
from kiosk.models.aftersales import REPAIR_TYPES
from kiosk.services import (billing, cashier_documents, cashier_settings, delivery, invoices, loancar, payments,
                            settlement, workorders)
from kiosk.services import staff as staff_service
from kiosk.stations.cashier import bp
from kiosk.stations.scan_helpers import terminal_id
from kiosk.templating import render, trigger, wants_fragment

SECTIONS = {"bill": "cashier/_bill.html", "payments": "cashier/_payments.html", "invoice": "cashier/_invoice.html"}


with_order = order_url.with_order("cashier/missing.html")  # the order in the URL, or the reason


def context(order, **extra) -> dict:
    """What the order's page and sections show."""
    return {"order": order, "bill": payments.statement(order), "payments": payments.payments_of(order),
            "methods": payments.METHOD_LABELS, "has_credit": payments.has_credit(order.customer),
            "documents": settlement.payer_documents(order), "requests": invoices.queued_for(order),
            "repair_types": REPAIR_TYPES, "old_parts_kinds": settlement.OLD_PARTS,
            "limit": cashier_settings.get(cashier_settings.DISCOUNT_LIMIT), "loan_car": loancar.notice_of(order),
            "payer_labels": {p: cashier_documents.payer_label(p) for p in billing.PAYERS},
            "repair_type_labels": {k: cashier_documents.repair_type_label(k) for k in REPAIR_TYPES},
            "old_parts_labels": {k: cashier_documents.old_parts_label(k) for k in settlement.OLD_PARTS},
            "may_deliver": may("delivery") and delivery.refusal(order) is None,
            "errors": {}, "form": {}, **extra}


def _approver(field: str = "approver"):
    """The manager who approves at this screen: badge and PIN typed, or None when left empty."""
    badge = request.form.get(f"{field}_badge", "").strip()
    if not badge:
        return None
    try:
        return staff_service.login(badge, request.form.get(f"{field}_pin", ""), client=terminal_id())
    except ServiceError as error:
        raise ServiceError(error.message, field="approver", status=error.status)


def _answer(order, section: str, error: ServiceError | None = None, events: tuple = (), **extra):
    """The section after a form: again with the message at the field (422), or fresh with the event."""
    order = workorders.get_by_id(order.id)
    if error is not None:
        form = {k: v for k, v in request.form.items() if not k.endswith("_pin") and k != "csrf_token"}
        data = context(order, errors={error.field or "_": error.message}, form=form, **extra)
        status = error.status if error.status in (403, 409) else 422
        response = render("cashier/order.html", SECTIONS[section], **data)
        response.status_code = status
        return trigger(response, feedback=False)
    if not wants_fragment():
        return go_to(url_for("cashier.order", number=order.number))
    return trigger(render("cashier/order.html", SECTIONS[section], **context(order, **extra)), *events,
                   feedback=True)


@bp.get("/orders/<number>")
@requires("cashier")
@with_order
def order(order):
    """The order's bill, payments and invoice request."""
    return render("cashier/order.html", None, **context(order))


@bp.get("/orders/<number>/<any(bill, payments, invoice):section>")
@requires("cashier")
@with_order
def section(order, section):
    """One section again (the bill after ``payment-changed``, the others after ``settlement-changed``)."""
    return render_template(SECTIONS[section], **context(order))


@bp.get("/orders/<number>/settlement-list")
@requires("cashier")
@with_order
def settlement_list(order):
    """The settlement list (维修结算清单) on A4 for the browser's print dialog, as settled (the live
    bill, marked as not settled, before); ``?payer=`` one payer's own document (the insurer's,
    the manufacturer's); the print buttons print the same content (kiosk.services.cashier_documents)."""
    payer = request.args.get("payer") if request.args.get("payer") in billing.PAYERS else None
    return render_template("cashier/settlement_list.html", **cashier_documents.settlement_context(order, payer),
                           barcode=Markup(code_svg(order.number, "code128")))


@bp.post("/orders/<number>/settle")
@requires("cashier")
@with_order
def settle(order):
    """Settle the order: the discount (a manager's badge above the limit), the repair type, old parts."""
    try:
        settlement.settle(order, current_staff(), discount=request.form.get("discount", "").strip() or 0,
                          reason=request.form.get("reason", ""), approver=_approver(),
                          old_parts=request.form.get("old_parts", "none"),
                          repair_type=request.form.get("repair_type", ""))
    except ServiceError as error:
        return _answer(order, "bill", error)
    return _answer(order, "bill", events=("settlement-changed",), settled_now=True)


@bp.post("/orders/<number>/payments")
@requires("cashier")
@with_order
def pay(order):
    """Take a payment (or, negative, a refund with a manager's badge)."""
    try:
        payments.pay(order, current_staff(), request.form.get("amount", ""), request.form.get("method", ""),
                     reference=request.form.get("reference", ""), approver=_approver())
    except ServiceError as error:
        return _answer(order, "payments", error)
    return _answer(order, "payments", events=("payment-changed",), paid_now=True)


@bp.post("/orders/<number>/invoice")
@requires("cashier")
@with_order
def invoice(order):
    """Queue an invoice request: a company's title and tax number, or a personal one."""
    try:
        invoices.request(order, current_staff(), title=request.form.get("title", ""),
                         tax_no=request.form.get("tax_no", ""), personal=request.form.get("personal") == "1",
                         payer=request.form.get("payer", "customer"), amount=request.form.get("amount") or None)
    except ServiceError as error:
        return _answer(order, "invoice", error)
    return _answer(order, "invoice", requested_now=True)


@bp.post("/orders/<number>/correct")
@requires("cashier")
@with_order
def correct(order):
    """A service manager's correction: the settlement reversed and a new version frozen."""
    try:
        manager = _approver()
        if manager is None:
            raise ServiceError(_("Only a service manager corrects a settlement."), field="approver", status=403)
        settlement.correct(order, manager, discount=request.form.get("discount", "").strip() or 0,
                           reason=request.form.get("reason", ""), old_parts=request.form.get("old_parts") or None)
    except ServiceError as error:
        return _answer(order, "bill", error, correcting=True)
    return _answer(order, "bill", events=("settlement-changed",), settled_now=True)


@bp.post("/orders/<number>/credit")
@requires("cashier")
@with_order
def allow_credit(order):
    """A service manager allows the order's customer to pay on account (挂账: a fleet)."""
    try:
        manager = _approver()
        if manager is None:
            raise ServiceError(_("Only a service manager allows paying on account."), field="approver", status=403)
        payments.allow_credit(order.customer, manager, note=request.form.get("note", ""))
    except ServiceError as error:
        return _answer(order, "payments", error, allowing_credit=True)
    return _answer(order, "payments")
