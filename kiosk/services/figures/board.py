"""What the manager's pages and the API read: every figure of a period against its
target, its trend, the breakdown per person and the rows behind a number."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.core import times
from kiosk.models import Staff
from kiosk.services.figures import period as periods
from kiosk.services.figures.base import Result, one_reading, totals_only
from kiosk.services.figures.orders import staff_names
from kiosk.services.figures.period import Period
from kiosk.services.figures.registry import FIGURES, Figure

TREND_STEPS = 12


@dataclass
class Line:
    """One figure on the dashboard."""

    figure: Figure
    result: Result
    trend: list  # [(Period, value or None)], oldest first

    @property
    def shown(self):
        return self.figure.shown(self.result.value)

    @property
    def met(self):
        return self.figure.met(self.result.value)


def compute(period: Period) -> dict[str, Result]:
    """Every registered figure for ``period``: ``{key: Result}``."""
    with one_reading():
        return {key: figure.compute(period) for key, figure in FIGURES.items()}


def trend_kind(period: Period) -> str:
    """A month's dashboard trends by month; anything shorter by week."""
    return "month" if period.kind == "month" or period.days > 27 else "week"


def trend_periods(period: Period, steps: int = TREND_STEPS) -> list[Period]:
    """The ``steps`` weeks or months ending with the one holding the period's last day."""
    return periods.back(periods.of(trend_kind(period), period.last), steps)


def dashboard(period: Period, steps: int = TREND_STEPS) -> list[Line]:
    """Every figure for ``period`` with its trend over the last ``steps`` weeks or months: each
    figure over all the trend's periods at once (``Figure.over``: one aggregate query where the
    figure has a series), the period itself taken from the trend when it is one of them."""
    trend = trend_periods(period, steps)
    with one_reading(), totals_only():  # the dashboard's lines show totals; the breakdown is the drill-down's
        history = {key: figure.over(trend) for key, figure in FIGURES.items()}
        values = ({key: found[-1] for key, found in history.items()} if trend[-1] == period
                  else compute(period))
    return [Line(figure, values[key], list(zip(trend, [r.value for r in history[key]])))
            for key, figure in FIGURES.items()]


def breakdown(period: Period) -> dict[str, list[dict]]:
    """Per advisor, technician and parts clerk: ``{"advisor": [{"staff", figure key: Result …}]}``."""
    values = compute(period)
    people = {str(s.id): s for s in Staff.select()}
    found: dict = {"advisor": {}, "technician": {}, "clerk": {}}
    for key, figure in FIGURES.items():
        if not figure.per:
            continue
        for person, result in values[key].by_person.items():
            if person in people:
                found[figure.per].setdefault(person, {"staff": people[person]})[key] = result
    return {per: sorted(rows.values(), key=lambda r: r["staff"].name) for per, rows in found.items()}


def drill(figure: Figure, period: Period) -> list[dict]:
    """The rows behind ``figure`` for ``period`` (each naming its work order)."""
    if figure.drill is None:
        return []
    return figure.drill(period, staff_names())


def _number(value, digits: int = 4):
    return None if value is None else round(float(value), digits)


def as_json(period: Period) -> dict:
    """The API's answer (CONTRACT: ``GET /api/v1/figures``): ratios from 0 to 1, CSI 0-100, money
    in yuan, null where the period had nothing to count."""
    values = compute(period)
    people = {str(s.id): s.badge for s in Staff.select(Staff.id, Staff.badge)}
    answer = {"from": period.first.isoformat(), "to": period.last.isoformat(),
              "delivered": int(values["delivered"].value or 0),
              "fill_rate": _number(values["line_fill"].value)}
    for key in FIGURES:
        if key != "delivered":
            answer[key] = _number(values[key].value)
    # CONTRACT: ``revenue`` is {payer: yuan}; its total and the rest as numbers beside it.
    answer["revenue_total"] = _number(values["revenue"].value, 2)
    answer["revenue"] = {payer: _number(amount, 2) for payer, amount in values["revenue"].parts.items()}
    answer["csi_parts"] = values["csi"].parts
    answer["receivables_by_insurer"] = values["receivables"].parts
    answer["loss_minutes"] = values["loss_time"].parts
    answer["targets"] = {key: _number(f.target, 2) for key, f in FIGURES.items()}
    answer["counts"] = {key: {"numerator": _number(r.numerator, 2), "denominator": _number(r.denominator, 2)}
                        for key, r in values.items()}
    for per, name in (("advisor", "by_advisor"), ("technician", "by_technician"), ("clerk", "by_clerk")):
        rows: dict = {}
        for key, figure in FIGURES.items():
            if figure.per == per:
                for person, result in values[key].by_person.items():
                    if person in people:
                        rows.setdefault(people[person], {})[key] = _number(result.value)
        answer[name] = rows
    answer["computed_at"] = times.isoformat(times.utcnow())
    return answer
