"""The dealer group's page: every figure store by store, side by side, and the group's total
(kiosk.services.figures.group), on a hub that lists its stores in ``GROUP_STORES``."""
from __future__ import annotations

from flask import abort, current_app

from kiosk.access import requires
from kiosk.services.figures import group, tables
from kiosk.services.figures.registry import FIGURES
from kiosk.stations.figures import asked_period, bp, period_args
from kiosk.stations.figures.pages import neighbours
from kiosk.templating import render


@bp.get("/group", endpoint="group")
@requires("reports")
def group_page():
    """The stores' figures side by side for the period; 404 on a node that lists no stores."""
    stores = group.stores_of(current_app.config["GROUP_STORES"])
    if not stores:
        abort(404)
    period, problem = asked_period()
    side = group.side_by_side(period, stores)
    before, after = neighbours(period)
    return render("figures/group.html", None, period=period, problem=problem, side=side, figures=FIGURES,
                  shown=tables.shown, args=period_args(period), before=period_args(before),
                  after=period_args(after))
