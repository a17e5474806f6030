"""The daily (日报) and monthly (月报) reports as a printable A4 page and a PDF, and every
figures table as XLSX or CSV: thin views over kiosk.services.figures.tables and exports."""
from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services.figures import exports, period as periods, tables
from kiosk.stations.figures import asked_period, bp, period_args

MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv; charset=utf-8",
        "pdf": "application/pdf"}


def _report_period(kind: str):
    """The day (daily) or month (monthly) asked for with ``?day=``; a bad date gives today's and says so."""
    try:
        day = periods.parse({"period": "day", "day": request.args.get("day", "")}).first
        problem = None
    except ServiceError as error:
        day, problem = times.today(), str(error.message)
    return (periods.day(day) if kind == "daily" else periods.month(day)), problem


def _title(kind: str, period) -> str:
    return (_("Daily report %(day)s", day=period.label) if kind == "daily"
            else _("Monthly report %(month)s", month=period.label))


def _file(data: bytes, fmt: str, name: str) -> Response:
    return Response(data, mimetype=MIME[fmt], headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@bp.get("/report/<kind>", endpoint="report")
@bp.get("/report/<kind>.<fmt>", endpoint="report_file")
@requires("reports")
def report(kind: str, fmt: str = "html"):
    """The report of a day or a month: the figures, each person's, loss time by reason."""
    if kind not in ("daily", "monthly") or fmt not in ("html", "pdf", "xlsx"):
        abort(404)
    period, problem = _report_period(kind)
    found = tables.report(period)
    title = _title(kind, period)
    stamp = _("Computed %(at)s from the facts on this node.",
              at=times.to_local(times.utcnow()).strftime("%Y-%m-%d %H:%M"))
    if fmt == "pdf":
        return _file(exports.pdf(title, stamp, found), "pdf", f"{kind}-{period.first.isoformat()}")
    if fmt == "xlsx":
        return _file(exports.xlsx(found, title), "xlsx", f"{kind}-{period.first.isoformat()}")
    return render_template("figures/report.html", kind=kind, period=period, title=title, stamp=stamp,
                           tables=found, problem=problem, args=period_args(period))


@bp.get("/export/<table>.<fmt>", endpoint="export")
@requires("reports")
def export(table: str, fmt: str):
    """One table of the period (``figures``, ``advisor``, ``technician``, ``clerk``, ``loss`` or a
    figure's rows) as XLSX or CSV."""
    if fmt not in ("xlsx", "csv"):
        abort(404)
    period, _problem = asked_period()
    found = tables.table_named(table, period)
    if found is None:
        abort(404)
    name = f"{table}-{period.first.isoformat()}-{period.last.isoformat()}"
    if fmt == "csv":
        return _file(exports.csv_text(found), "csv", name)
    return _file(exports.xlsx([found], f"{found.title} {period.label}"), "xlsx", name)
