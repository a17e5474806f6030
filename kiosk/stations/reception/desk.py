"""The reception desk's front page: one search for everything (plate, VIN,
phone, a scanned work-order tag), today's and tomorrow's appointments, and the
open work orders. Helpers shared by the other reception pages live here too."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from flask import current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from kiosk.access import requires
from kiosk.forms.reception import DAMAGE_KIND_LABELS, WARNING_LIGHT_LABELS, fuel_label
from kiosk.services import appointments, customers, workorders
from kiosk.services.errors import NotFound
from kiosk.stations.reception import bp
from kiosk.templating import render

# A work-order number as printed on the tag: node prefix, day, sequence (R1-20261127-0042).
ORDER_NUMBER_RE = re.compile(r"^[A-Z0-9]{1,8}-\d{8}-\d{4}$")
DIGITS_RE = re.compile(r"^\+?[\d\s\-]{7,}$")


def work_order_url(number: str) -> str:
    """The work-order page of ``number`` (kiosk.stations.reception.workorder)."""
    return url_for("reception.work_order", number=number)


def go_to(url: str):
    """A redirect that also works for an htmx request (it follows ``HX-Redirect``)."""
    if request.headers.get("HX-Request") == "true":
        response = current_app.make_response("")
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


@bp.context_processor
def _reception_helpers() -> dict:
    return {"work_order_url": work_order_url, "warning_light_labels": WARNING_LIGHT_LABELS,
            "damage_kind_labels": DAMAGE_KIND_LABELS, "fuel_label": fuel_label}


def prefill_new(text: str) -> dict:
    """Start a new customer and vehicle from what was searched: a VIN, a phone, or a plate."""
    text = (text or "").strip()
    if customers.VIN_RE.match(text.upper()):
        return {"vin": text.upper()}
    if DIGITS_RE.match(text):
        return {"phone": customers.normalize_phone(text)}
    return {"plate": customers.normalize_plate(text)} if text else {}


def search(query: str) -> dict:
    """What the search box finds: a work order by its number, or vehicles by plate, VIN or phone.

    Each vehicle comes with its open work orders and today's appointment, so
    the next step (open the order, check in) is one tap away.
    """
    text = (query or "").strip()
    found = {"q": text, "order": None, "results": [], "new": prefill_new(text),
             "looks_like_order": bool(ORDER_NUMBER_RE.match(text.upper()))}
    if not text:
        return found
    vehicles = []
    if found["looks_like_order"]:
        try:
            found["order"] = workorders.get_by_number(text)
            vehicles = [found["order"].vehicle]
        except NotFound:
            pass
    else:
        vehicles = customers.find_vehicles(text)
    orders = defaultdict(list)
    for order in workorders.open_orders():
        orders[order.vehicle_id].append(order)
    today = dt.date.today()
    found["results"] = [{"vehicle": v, "orders": orders.get(v.id, []),
                         "appointment": appointments.booked_for_vehicle(v, today)} for v in vehicles]
    return found


def desk_board() -> dict:
    """Today's and tomorrow's appointments and the open work orders."""
    today = dt.date.today()
    tomorrow = today + dt.timedelta(days=1)
    return {"days": [{"day": today, "title": _l("Today"), "appointments": appointments.for_day(today)},
                     {"day": tomorrow, "title": _l("Tomorrow"), "appointments": appointments.for_day(tomorrow)}],
            "open_orders": workorders.open_orders()}


@bp.get("/")
@requires("reception")
def index():
    """The desk. ``?q=`` searches (live, as a fragment, for htmx); a submitted
    work-order number (``go``) opens that order straight away."""
    found = search(request.args.get("q", ""))
    if found["order"] is not None and request.args.get("go"):
        return go_to(work_order_url(found["order"].number))
    return render("reception/index.html", "reception/_search_results.html",
                  purpose="desk", **found, **desk_board())


@bp.get("/board")
@requires("reception")
def board():
    """The appointments and open orders, refreshed when the live stream says they changed."""
    return render("reception/index.html", "reception/_desk_board.html", purpose="desk",
                  **search(""), **desk_board())
