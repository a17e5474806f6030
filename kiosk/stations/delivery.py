"""Delivery (交车) at reception or the cashier: the cars settled and waiting for their
customers, and one car's checklist screen — the work done explained line by line, the
findings with their photos, the old parts, the next service (proposed, editable), the
customer's signature — then the gate pass (出门条) prints. The rules are
kiosk.services.delivery's (the API's delivery call uses the same ``deliver``)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, go_to, may, requires
from kiosk.stations import order_url
from kiosk.core.errors import ServiceError
from kiosk.services import billing, cashier_documents, cashier_queue, delivery, findings, loancar, payments
from kiosk.services import settlement, stock, workorders
from kiosk.stations.scan_helpers import not_used_here, reply, scan_from_request
from kiosk.templating import render, send_stored_file, trigger

bp = Blueprint("delivery", __name__, url_prefix="/delivery")
PAGE, PANEL = "delivery/page.html", "delivery/_form.html"


with_order = order_url.with_order("cashier/missing.html")  # the order in the URL, or the reason


@bp.get("/")
@requires("delivery")
def index():
    """The cars settled and waiting to be handed back, and the loan-car notices due."""
    waiting = cashier_queue.waiting_delivery()
    return render_template("delivery/index.html", waiting=waiting, loan_cars=loancar.open_notices(),
                           refusals={o.id: delivery.refusal(o) for o in waiting})


@bp.post("/scan")
@requires("delivery")
def scan():
    """A work-order or key tag opens the car's delivery screen."""
    done = scan_from_request("delivery")
    if done.kind in ("work_order", "job_line") and not done.repeat:
        order = done.code.ref if done.kind == "work_order" else done.code.ref.work_order
        return go_to(url_for("delivery.page", number=order.number))
    if done.repeat or not done.code.known:
        return reply(done.code.problem or _("Scan the work-order tag or key tag."), False)
    return not_used_here(done)


def context(order, **extra) -> dict:
    next_day, next_km = delivery.propose_next_service(order)
    live = settlement.current(order)
    return {"order": order, "refusal": delivery.refusal(order), "jobs": billing.agreed_jobs(order),
            "findings": findings.of_order(order), "issued": stock.issued_lines(order),
            "old_parts": cashier_documents.old_parts_label(live.old_parts if live else "none"),
            "account": payments.account(order), "next_day": next_day, "next_km": next_km,
            "loan_car": loancar.notice_of(order), "handed": delivery.delivery_of(order),
            "station": "cashier" if "cashier" in current_app.config["ENABLED_STATIONS"] else "reception",
            "may_cashier": may("cashier") and "cashier" in current_app.config["ENABLED_STATIONS"],
            "errors": {}, "form": {}, **extra}


@bp.get("/<number>")
@requires("delivery")
@with_order
def page(order):
    """The checklist screen (or, once handed back, the gate pass)."""
    return render(PAGE, PANEL, **context(order))


@bp.post("/<number>")
@requires("delivery")
@with_order
def deliver(order):
    """Hand the car back with the checklist, the next service and the customer's signature."""
    form = request.form
    checklist = {"explained": form.getlist("explained"), "findings_shown": form.get("findings_shown") == "1",
                 "old_parts_shown": form.get("old_parts_shown") == "1"}
    try:
        day, km, mileage = _date(form.get("next_date")), _km(form.get("next_mileage")), _km(form.get("mileage"))
        delivery.deliver(order, current_staff(), next_service_date=day, next_service_mileage=km, mileage=mileage,
                         signature=form.get("signature") or None, folder=current_app.config["BLOB_FOLDER"],
                         checklist=checklist, note=form.get("note", ""))
    except ServiceError as error:
        return _refused(order, error)
    order = workorders.get_by_id(order.id)
    return trigger(render(PAGE, PANEL, **context(order, delivered_now=True)), feedback=True)


def _date(raw) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip()) if raw and raw.strip() else None
    except ValueError:
        raise ServiceError(_("Enter the date as YYYY-MM-DD."), field="next_service_date")


def _km(raw) -> int | None:
    try:
        return int(raw.strip()) if raw and raw.strip() else None
    except ValueError:
        raise ServiceError(_("Enter the mileage in whole kilometres."), field="next_service_mileage")


def _refused(order, error: ServiceError):
    form = {k: v for k, v in request.form.items() if k not in ("csrf_token", "signature")}
    form["explained"] = request.form.getlist("explained")
    response = render(PAGE, PANEL, **context(order, errors={error.field or "_": error.message}, form=form))
    response.status_code = 409 if error.status == 409 else 422
    return trigger(response, feedback=False)


@bp.get("/photos/<digest>.jpg")
@requires("delivery")
def photo(digest):
    """A finding's photo shown to the customer at delivery."""
    return send_stored_file(digest, "image/jpeg")


@bp.get("/signatures/<digest>.png")
@requires("delivery")
def signature(digest):
    return send_stored_file(digest, "image/png")
