"""Reception (服务顾问): appointments, vehicle check-in, work orders, printing.

One blueprint, split by task into the modules imported at the bottom.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reception", __name__, url_prefix="/reception")

from kiosk.stations.reception import desk  # noqa: E402,F401
from kiosk.stations.reception import printing, workorder  # noqa: E402,F401
from kiosk.stations.reception import appointments, checkin  # noqa: E402,F401
from kiosk.stations.reception import extrawork  # noqa: E402,F401
from kiosk.stations.reception import catalogue, checkin_record, estimate_print, estimating  # noqa: E402,F401
