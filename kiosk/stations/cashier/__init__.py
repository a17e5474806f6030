"""The cashier station (收银, ``--station cashier``): the queue of orders to settle and to
be paid, today's takings and the day-end close (``queue``), one order's bill, its
settlement, payments and invoice request (``order``), and the settlement list on A4
(``sheet``). Views are thin: kiosk.services.settlement, payments, invoices, dayclose
own the rules."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cashier", __name__, url_prefix="/cashier")

from kiosk.stations.cashier import order, queue, sheet  # noqa: E402,F401
