"""The cashier station (收银, ``--station cashier``): the queue of orders to settle and to
be paid, today's takings, the day-end close and the exports (``queue``); one order's bill,
its settlement, payments, invoice request and the settlement list on A4 (``order``).
Views are thin: kiosk.services.settlement, payments, invoices and dayclose own the rules."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cashier", __name__, url_prefix="/cashier")

from kiosk.stations.cashier import order, queue  # noqa: E402,F401
