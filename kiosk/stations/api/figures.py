"""``GET /api/v1/figures``: the manager's figures for a period (CONTRACT.md), from the
same service as the dashboard (kiosk.services.figures.board)."""
from __future__ import annotations

from flask import jsonify, request

from kiosk.services.figures import board, period
from kiosk.stations.api import bp


@bp.get("/figures")
def figures():
    """``?from=DATE&to=DATE`` (or ``?period=day|week|month&day=DATE``; this month by default):
    every figure, ratios from 0 to 1, null where the period has nothing to count, and the
    breakdowns per advisor, technician and parts clerk (by badge). A bad date is a 400."""
    return jsonify(board.as_json(period.parse(request.args)))
