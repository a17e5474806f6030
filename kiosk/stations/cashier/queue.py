"""The cashier's front screen: scan a work-order tag or key tag (or type a plate), the
orders ready to settle, settled but unpaid, overpaid exceptions, today's takings by
method, the day-end close, and the finance exports."""
from __future__ import annotations

import datetime as dt

from flask import Response, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, go_to, requires
from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services import (cashier_queue, cashier_settings, dayclose, ehealth, invoices, loancar, payments,
                            settlement)
from kiosk.stations.cashier import bp
from kiosk.stations.scan_helpers import not_used_here, reply, scan_from_request
from kiosk.templating import render, scan_reply, trigger

PAGE, PANEL = "cashier/index.html", "cashier/_queue.html"


def _queue(**extra) -> dict:
    today = times.today()
    takings = dayclose.takings(today)
    return {"ready": cashier_queue.ready(), "unpaid": cashier_queue.unpaid(), "overpaid": payments.overpaid(),
            "settled_twice": settlement.settled_twice(),
            "loan_cars": loancar.open_notices(), "takings": takings, "takings_total": sum(takings.values()),
            "methods": payments.METHOD_LABELS, "closes": dayclose.closes(today), "today": today,
            "found": None, "errors": {}, "form": {}, **extra}


@bp.get("/")
@requires("cashier")
def index():
    """The cashier's queue (the scan target is the queue panel)."""
    return render(PAGE, PANEL, **_queue())


@bp.post("/scan")
@requires("cashier")
def scan():
    """A work-order or key tag opens its bill; anything else typed is searched as a plate."""
    done = scan_from_request("cashier")
    if done.repeat:
        return reply(_("Already scanned: %(code)s (ignored)", code=done.code.text), False)
    if done.kind in ("work_order", "job_line"):
        order = done.code.ref if done.kind == "work_order" else done.code.ref.work_order
        return go_to(url_for("cashier.order", number=order.number))
    if done.code.known:
        return not_used_here(done)
    try:
        found = cashier_queue.find(done.code.text)
    except ServiceError as error:
        return reply(error.message, False)
    if len(found) == 1:
        return go_to(url_for("cashier.order", number=found[0].number))
    return scan_reply(_("%(count)s work orders for %(text)s", count=len(found), text=done.code.text), True,
                      render_template(PANEL, **_queue(found=found)))


@bp.post("/close")
@requires("cashier")
def close_day():
    """The day-end close: the cash counted against the day's cash payments."""
    try:
        dayclose.close(current_staff(), times.today(), request.form.get("counted", ""), request.form.get("note", ""))
    except ServiceError as error:
        form = {"counted": request.form.get("counted", ""), "note": request.form.get("note", "")}
        response = render(PAGE, PANEL, **_queue(errors={error.field or "_": error.message}, form=form))
        response.status_code = 422
        return trigger(response, feedback=False)
    return trigger(render(PAGE, PANEL, **_queue(closed=True)), feedback=True)


def _since():
    """``?since=YYYY-MM-DD`` (the store's date) as the UTC start of that day, or None (everything)."""
    raw = request.args.get("since", "")
    try:
        return times.day_bounds(dt.date.fromisoformat(raw))[0] if raw else None
    except ValueError:
        raise ServiceError(_("Enter the date as YYYY-MM-DD."), field="since")


def _download(content: bytes, name: str, mimetype: str) -> Response:
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/exports/invoices.<ext>")
@requires("cashier")
def export_invoices(ext: str):
    """The invoice requests for finance (README "Export files"): CSV or XLSX, one format."""
    stamp = times.file_stamp()
    if ext == "csv":
        return _download(invoices.export_csv(_since()), f"invoices-{stamp}.csv", "text/csv")
    if ext == "xlsx":
        return _download(invoices.export_xlsx(_since()), f"invoices-{stamp}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(_("Choose CSV or XLSX."), status=404)


@bp.get("/exports/ehealth.jsonl")
@requires("cashier")
def export_ehealth():
    """The e-health archive records as JSON Lines (README "Export files")."""
    return _download(ehealth.export_jsonl(_since()).encode("utf-8"), f"ehealth-{times.file_stamp()}.jsonl",
                     "application/jsonl")


def _settings_form(errors=None, status: int = 200, saved: bool = False):
    values = {key: cashier_settings.get(key) for key in cashier_settings.DEFAULTS}
    values.update({k: v for k, v in request.form.items() if k in cashier_settings.DEFAULTS})
    response = render("cashier/settings.html", None, values=values, errors=errors or {}, saved=saved,
                      minimum=cashier_settings.GUARANTEE_MINIMUM)
    response.status_code = status
    return response


@bp.route("/settings", methods=["GET", "POST"])
@requires("reports")
def settings():
    """The service manager's cashier rules: VAT, the discount limit, guarantee periods, next service, loan car."""
    if request.method == "GET":
        return _settings_form()
    try:
        cashier_settings.save(request.form.to_dict())
    except ServiceError as error:
        return _settings_form({error.field: error.message}, 422)
    return _settings_form(saved=True)
