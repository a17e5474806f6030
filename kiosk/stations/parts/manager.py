"""The parts manager's view (配件经理): counts to approve, reorder list, slow
movers, stock value at cost, negative stock and the parts fill rate."""
from __future__ import annotations


from flask import flash, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, go_to, requires
from kiosk.services import counting, parts_reports, purchasing
from kiosk.core.errors import ServiceError
from kiosk.stations.parts import bp
from kiosk.templating import render, trigger

PAGE = "parts/manager_page.html"


def _days(name: str, default: int) -> int:
    """A period in days from the query string; the default for anything odd."""
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    return value if 1 <= value <= 3650 else default


def context(**extra) -> dict:
    """Everything the manager's page shows."""
    slow_days, fill_days = _days("slow_days", parts_reports.SLOW_DAYS), _days("fill_days", 30)
    counts = [(c, counting.differences(c), counting.moves_during(c)) for c in counting.awaiting_approval()]
    return {"counts": counts, "reorder": parts_reports.reorder_list(),
            "slow": parts_reports.slow_movers(slow_days), "slow_days": slow_days,
            "value": parts_reports.stock_value(), "fill": parts_reports.fill_rate(fill_days),
            "fill_days": fill_days, "notice": None, **extra}


def _answer(notice, ok: bool, status: int = 200):
    response = render(PAGE, "parts/manager_counts.html", **context(notice=(ok, notice)))
    response.status_code = status
    return trigger(response, feedback=ok)


@bp.get("/manager")
@requires("parts_manage")
def manager():
    """The manager's page."""
    return render(PAGE, None, **context())


@bp.post("/manager/counts/<count_id>/<decision>")
@requires("parts_manage")
def decide_count(count_id: str, decision: str):
    """Approve a count's differences as adjustments, or reject the count."""
    try:
        count = counting.get_count(count_id)
        if decision == "approve":
            moves = counting.approve(count, manager=current_staff())
            message = _("Count of bin %(bin)s approved: %(n)s adjustments booked.", bin=count.bin, n=len(moves))
        elif decision == "reject":
            counting.reject(count, manager=current_staff())
            message = _("Count of bin %(bin)s rejected: stock is unchanged.", bin=count.bin)
        else:
            raise ServiceError(_("Choose approve or reject."))
    except ServiceError as error:
        return _answer(error.message, False, 409 if error.status == 409 else 422)
    return _answer(message, True)


@bp.post("/manager/reorder")
@requires("parts_manage")
def order_reorder_list():
    """Put every part of the reorder list on the draft purchase order (the suggested quantity)."""
    rows = [(row.part, row.suggested) for row in parts_reports.reorder_list() if row.suggested > 0]
    try:
        order = purchasing.order_parts(rows, current_staff())
    except ServiceError as error:
        flash(str(error.message), "error")
    else:
        flash(_("%(n)s parts put on purchase order %(number)s.", n=len(rows), number=order.number), "success")
    return go_to(url_for("parts.manager"))
