"""The reception desk's front page: one search for everything (plate, VIN,
phone, a scanned work-order tag), today's and tomorrow's appointments, and the
open work orders. Helpers shared by the other reception pages live here too."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

from flask import g, make_response, render_template, request, url_for
from markupsafe import Markup
from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.access import go_to, requires
from kiosk.forms.reception import DAMAGE_KIND_LABELS, WARNING_LIGHT_LABELS, fuel_label
from kiosk.services import appointments, customers, identifiers, workorders
from kiosk.core import status as states
from kiosk.core.errors import NotFound
from kiosk.stations.reception import bp
from kiosk.stations.scan_helpers import answer_unknown, not_used_here, scan_from_request
from kiosk.template_cache import kept_part
from kiosk.templating import render, trigger, wants_fragment

# A work-order number as printed on the tag: node prefix, day, sequence (R1-20261127-0042).
ORDER_NUMBER_RE = re.compile(r"^[A-Z0-9]{1,8}-\d{8}-\d{4}$")
DIGITS_RE = re.compile(r"^\+?[\d\s\-]{7,}$")
# The board lists the newest open orders a page at a time: the desk needs the
# current ones, and every row is work on each refresh of every desk.
ORDERS_PAGE = 25
ORDERS_MAX = 1000


def work_order_url(number: str) -> str:
    """The work-order page of ``number`` (kiosk.stations.reception.workorder).

    Lists link every row, so the route is built once per request and the
    number quoted into it the way werkzeug's default converter would.
    """
    base = g.get("_work_order_base")
    if base is None:
        base = g._work_order_base = url_for("reception.work_order", number="_").rpartition("/")[0] + "/"
    return base + quote(str(number), safe="!$&'()*+,/:;=@")


@bp.context_processor
def _reception_helpers() -> dict:
    return {"work_order_url": work_order_url, "warning_light_labels": WARNING_LIGHT_LABELS,
            "damage_kind_labels": DAMAGE_KIND_LABELS, "fuel_label": fuel_label}


def prefill_new(text: str) -> dict:
    """Start a new customer and vehicle from what was searched: a VIN, a phone, or a plate."""
    text = (text or "").strip()
    vin = identifiers.normalize_vin(text)
    if identifiers.VIN_SHAPE.match(vin):
        return {"vin": vin}
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
    ids = [v.id for v in vehicles]
    # One query each for all the vehicles found, not two per vehicle.
    orders = workorders.open_orders_of(ids)
    booked = appointments.booked_for_vehicles(ids, times.today())
    found["results"] = [{"vehicle": v, "orders": orders.get(v.id, []), "appointment": booked.get(v.id)}
                        for v in vehicles]
    return found


def shown_orders() -> int:
    """How many open orders the board lists: the newest page, more after "Show more" (``?orders=``)."""
    try:
        asked = int(request.args.get("orders", ORDERS_PAGE))
    except ValueError:
        asked = ORDERS_PAGE
    return min(max(asked, ORDERS_PAGE), ORDERS_MAX)


def desk_board(shown: int = 0) -> dict:
    """Today's and tomorrow's appointments and the newest ``shown`` open work orders (with the count of all)."""
    shown = shown or ORDERS_PAGE
    today = times.today()
    days = {today: [], today + dt.timedelta(days=1): []}
    for appointment in appointments.for_days(today, 2):
        days[times.local_date(appointment.scheduled_at)].append(appointment)
    orders, total = workorders.open_orders_board(shown)
    labels: dict = {}  # each status translated once, not once a row
    for row in orders:
        if row["status"] not in labels:
            labels[row["status"]] = str(states.label(row["status"]))
        row["status_label"] = labels[row["status"]]
    return {"days": [{"day": day, "title": title, "appointments": found}
                     for (day, found), title in zip(days.items(), (_l("Today"), _l("Tomorrow")))],
            "open_orders": orders, "open_count": total, "orders_shown": shown, "orders_page": ORDERS_PAGE}


def board_html(shown: int) -> Markup:
    """The board (``_desk_board.html``), rendered once and kept while nothing changes
    (kiosk.template_cache.kept_part): every desk shows the same, and each refresh of
    each desk rendered it again (a third of the desk's time)."""
    return kept_part("reception-desk-board", lambda: render_template("reception/_desk_board.html",
                                                                      **desk_board(shown)),
                     shown, times.today())


def _results_only() -> bool:
    """Whether ``kiosk.templating.render`` will answer with the results fragment alone
    (the same rule): a live search then does not compute the board it would not show."""
    return wants_fragment()


@bp.get("/")
@requires("reception")
def index():
    """The desk. ``?q=`` searches (live, as a fragment, for htmx); a submitted
    work-order number (``go``) opens that order straight away."""
    found = search(request.args.get("q", ""))
    if found["order"] is not None and request.args.get("go"):
        return go_to(work_order_url(found["order"].number))
    board = None if _results_only() else board_html(shown_orders())
    return render("reception/index.html", "reception/_search_results.html",
                  purpose="desk", board=board, **found)


@bp.get("/board")
@requires("reception")
def board():
    """The appointments and open orders, refreshed when the live stream says they changed."""
    board = board_html(shown_orders())
    if wants_fragment():
        response = make_response(board)
        response.headers["Vary"] = "HX-Request"  # as kiosk.templating.render answers
        return response
    return render("reception/index.html", None, purpose="desk", board=board, **search(""))


@bp.post("/scan")
@requires("reception")
def scan():
    """A code scanned at the desk: a work-order or job-line tag opens its work order;
    anything else is named and said to be of no use here."""
    done = scan_from_request("reception")
    answer = answer_unknown(done)
    if answer is not None:
        return answer
    if done.kind in ("work_order", "job_line"):
        order = done.code.ref if done.kind == "work_order" else done.code.ref.work_order
        return trigger(go_to(work_order_url(order.number)), feedback=True)
    return not_used_here(done)
