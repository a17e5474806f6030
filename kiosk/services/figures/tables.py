"""The figures as tables: what the drill-down page, the daily and monthly reports and the
XLSX, CSV and PDF exports show, built once so every door holds the same numbers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.core import times
from kiosk.i18n import lazy_gettext as _l
from kiosk.services.figures import board
from kiosk.services.figures.period import Period
from kiosk.services.figures.registry import FIGURES, Figure
from kiosk.services.figures.workshop import LOSS_LABELS

PER = {"advisor": _l("Per service advisor"), "technician": _l("Per technician"), "clerk": _l("Per parts clerk")}


@dataclass
class Table:
    """A titled table: ``columns`` are (key, label); ``rows`` dicts of raw values; ``missed`` marks
    the rows that count against the figure."""

    key: str
    title: object
    columns: tuple
    rows: list = field(default_factory=list)

    def texts(self) -> list[list[str]]:
        """Every row's cells as the reports print them."""
        return [[text(row.get(key)) for key, _ in self.columns] for row in self.rows]

    def labels(self) -> list[str]:
        return [str(label) for _, label in self.columns]


def text(value) -> str:
    """One cell as printed: store-local times, ISO dates, numbers without noise, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_l("Met") if value else _l("Not met"))
    if isinstance(value, dt.datetime):
        return times.to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def shown(figure: Figure, value) -> str:
    """A figure's value as printed: "87.5%", "42" or "—"."""
    number = figure.shown(value)
    if number is None:
        return "—"
    if figure.unit == "rate":
        return f"{number:.1f}%"
    if figure.unit == "money":
        return f"¥{number:,.2f}"
    return f"{number:.0f}" if float(number).is_integer() else f"{number:.1f}"


def figures_table(period: Period, values: dict | None = None) -> Table:
    """Every figure of the period: value, counted from, target, met."""
    values = values or board.compute(period)
    rows = []
    for key, figure in FIGURES.items():
        result = values[key]
        target = figure.target
        rows.append({"label": str(figure.label), "value": shown(figure, result.value),
                     "numerator": result.numerator, "denominator": result.denominator,
                     "target": "" if target is None else f"{'≥' if figure.higher_is_better else '≤'} {target}",
                     "met": figure.met(result.value), "key": key})
    return Table("figures", _l("Figures"), (("label", _l("Figure")), ("value", _l("Value")),
                                            ("numerator", _l("Achieved")), ("denominator", _l("Out of")),
                                            ("target", _l("Target")), ("met", _l("Met"))), rows)


def people_table(period: Period, per: str, breakdown: dict | None = None) -> Table:
    """The figures that break down by ``per`` (advisor, technician, clerk), one row per person."""
    breakdown = breakdown or board.breakdown(period)
    keys = [key for key, figure in FIGURES.items() if figure.per == per]
    rows = []
    for item in breakdown.get(per, []):
        row = {"name": item["staff"].name, "badge": item["staff"].badge}
        for key in keys:
            result = item.get(key)
            row[key] = shown(FIGURES[key], result.value) if result is not None else ""
        rows.append(row)
    return Table(per, PER[per], (("name", _l("Name")), ("badge", _l("Badge")),
                                 *((key, FIGURES[key].label) for key in keys)), rows)


def loss_table(period: Period, values: dict | None = None) -> Table:
    """Loss time by reason (minutes)."""
    parts = (values or board.compute(period))["loss_time"].parts
    return Table("loss", _l("Loss time by reason"), (("reason", _l("Reason")), ("minutes", _l("Minutes"))),
                 [{"reason": str(LOSS_LABELS.get(k, k)), "minutes": v} for k, v in parts.items()])


def drill_table(figure: Figure, period: Period) -> Table:
    """The rows behind ``figure`` (the missed ones first)."""
    rows = board.drill(figure, period)
    for row in rows:
        if "reason" in row:
            row["reason"] = str(LOSS_LABELS.get(row["reason"], row["reason"]))
    columns = figure.columns + ((("counted", _l("Meets it")),) if figure.unit == "rate" else ())
    return Table(figure.key, figure.label, columns, rows)


def report(period: Period) -> list[Table]:
    """The daily or monthly report: the figures, each person's, and loss time by reason."""
    values, people = board.compute(period), board.breakdown(period)
    return [figures_table(period, values), *(people_table(period, per, people) for per in PER),
            loss_table(period, values)]


def table_named(name: str, period: Period) -> Table | None:
    """One table by name: "figures", "advisor", "technician", "clerk", "loss" or a figure's key."""
    if name == "figures":
        return figures_table(period)
    if name in PER:
        return people_table(period, name)
    if name == "loss":
        return loss_table(period)
    if name in FIGURES:
        return drill_table(FIGURES[name], period)
    return None
