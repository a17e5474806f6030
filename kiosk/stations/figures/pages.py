"""The dashboard, the drill-down behind each figure, the targets form and the dealer group's
stores side by side: thin views over kiosk.services.figures (board, registry, settings, group)."""
from __future__ import annotations

import contextlib
import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services import cashier_settings
from kiosk.services.figures import board, group, period as periods, registry, settings, tables
from kiosk.services.figures.base import store_scope
from kiosk.stations.figures import asked_period, bp, period_args
from kiosk.stations.figures.chart import trend_svg
from kiosk.templating import render


def neighbours(period) -> tuple:
    """The period before and after ``period`` (a day, week or month; a custom one by its length)."""
    before = periods.back(period, 2)[0]
    if period.kind in ("day", "week", "month"):
        return before, periods.of(period.kind, period.last + dt.timedelta(days=1))
    length = dt.timedelta(days=period.days)
    return before, periods.Period(period.first + length, period.last + length, period.kind)


def _chart(line) -> object:
    figure = line.figure
    points = [(p.short_label, figure.shown(value)) for p, value in line.trend]
    target = float(figure.target) if figure.target is not None else None
    return trend_svg(points, target, title=str(figure.label), good=line.met)


@bp.get("/", endpoint="index")
@requires("reports")
def dashboard():
    """Every figure of the period against its target, with its 12-week or 12-month trend."""
    period, problem = asked_period()
    lines = board.dashboard(period)
    before, after = neighbours(period)
    return render("figures/index.html", None, period=period, problem=problem, lines=lines, chart=_chart,
                  shown=tables.shown, before=period_args(before), after=period_args(after),
                  args=period_args(period), trend_kind=board.trend_kind(period), today=times.today(),
                  group_page=bool(current_app.config["GROUP_STORES"]))


@bp.get("/<key>", endpoint="drill")
@requires("reports")
def drill(key: str):
    """The rows behind one figure (each opening its work order) and its breakdown per person."""
    figure = registry.get(key)
    if figure is None:
        abort(404)
    period, problem = asked_period()
    store = request.args.get("store") or None
    prefixes = group.scope_of(store, group.stores_of(current_app.config["GROUP_STORES"]))
    with store_scope(prefixes) if prefixes is not None else contextlib.nullcontext():
        result = board.compute(period)[key]
        table = tables.drill_table(figure, period)
        per_table = tables.people_table(period, figure.per) if figure.per else None
        loss = tables.loss_table(period) if key == "loss_time" else None
    before, after = neighbours(period)
    args = {**period_args(period), **({"store": store} if store else {})}
    return render("figures/drill.html", None, figure=figure, period=period, problem=problem, result=result,
                  before={**args, **period_args(before)}, after={**args, **period_args(after)},
                  table=table, shown=tables.shown, args=args, per_table=per_table, loss=loss, store=store)


@bp.route("/targets", methods=["GET", "POST"], endpoint="targets")
@requires("reports")
def targets():
    """The store's targets and the first-service window (the guarantee periods: the cashier's settings)."""
    problem = field = None
    if request.method == "POST":
        form = request.form
        try:
            settings.save({key: form.get(f"target_{key}", "") for key in registry.FIGURES},
                          registry.target_ranges(),
                          first_service=form.get("first_service_days", ""))
        except ServiceError as error:
            problem, field = str(error.message), error.field
        else:
            flash(_("Targets saved."), "success")
            return redirect(url_for("figures.targets"))
    status = 400 if problem else 200
    return render_template("figures/targets.html", figures=registry.FIGURES.values(), problem=problem,
                           field=field, form=request.form, guarantee={k: settings.guarantee_days(k)
                                                                      for k in cashier_settings.GUARANTEE_MINIMUM},
                           first_service=settings.first_service_days(),
                           view_functions=current_app.view_functions), status


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
    return render("figures/group.html", None, period=period, problem=problem, side=side, figures=registry.FIGURES,
                  shown=tables.shown, args=period_args(period), before=period_args(before),
                  after=period_args(after))
