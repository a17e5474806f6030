"""The service manager's pages (售后经理): the dashboard of every figure against its target
with its trend, the drill-down behind each number, the targets, the daily and monthly
reports (A4, PDF, XLSX, CSV) and, on a group hub, the stores side by side.

Registered on every node (each computes from its own data) and on the hub; the
"reports" permission (manager, administrator) opens them. One blueprint, split by
task into the modules imported at the bottom.
"""
from __future__ import annotations

from flask import Blueprint, current_app, request, url_for

from kiosk.core.errors import ServiceError
from kiosk.services.figures import period as periods

bp = Blueprint("figures", __name__, url_prefix="/figures")


def asked_period():
    """The period in the query string; a bad one gives this month and the reason to show."""
    try:
        return periods.parse(request.args), None
    except ServiceError as error:
        return periods.parse({}), str(error.message)


def period_args(period) -> dict:
    """The query string that asks for ``period`` again (links keep the period)."""
    if period.kind in ("day", "week", "month"):
        return {"period": period.kind, "day": period.first.isoformat()}
    return {"from": period.first.isoformat(), "to": period.last.isoformat()}


@bp.app_template_global("order_url")
def order_url(number: str) -> str | None:
    """Where a work order opens on this node (None when the node runs no reception pages)."""
    if number and "reception.work_order" in current_app.view_functions:
        return url_for("reception.work_order", number=number)
    return None


ROW_PAGES = {"complaint": ("care.complaint", "number"), "claim": ("claims.claim", "number")}


@bp.app_template_global("row_url")
def row_url(key: str, cell: str) -> str | None:
    """Where a drill-down cell opens: a work order, a complaint or a claim (None when this node
    serves no such page)."""
    if key == "number":
        return order_url(cell)
    endpoint, argument = ROW_PAGES.get(key, (None, None))
    if endpoint and endpoint in current_app.view_functions:
        return url_for(endpoint, **{argument: cell})
    return None


@bp.context_processor
def _figures_helpers() -> dict:
    return {"zip": zip}


from kiosk.stations.figures import pages, reports  # noqa: E402,F401
