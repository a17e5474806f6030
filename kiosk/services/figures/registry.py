"""The registry of figures: one entry per figure, so a station adds its own in one place.

Each ``Figure`` says what it is (key, label, written definition, unit), what it is
judged against (its default target and whether higher is better), how it is
computed for a period (``compute``) and what lies behind it (``drill``: rows that
each name a work order). The dashboard, the API, the reports and the group page
read this list and nothing else.

Figures of the other stations are added with ``register(Figure(...))`` once their
facts exist (to wire: revenue by payer and per order from #12's settlements; CSI,
top-score share, follow-up rate, complaint rate and complaints closed on time from
#13; the claims' approval rate and the insurers' receivables from #14).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from kiosk.i18n import lazy_gettext as _l
from kiosk.services.figures import customers, orders, parts, settings, workshop
from kiosk.services.figures.base import Result
from kiosk.services.figures.period import Period

PERCENT = (Decimal(0), Decimal(100))


@dataclass(frozen=True)
class Figure:
    key: str
    label: object
    definition: object
    unit: str  # "count" (台次), "rate" (0–1, shown as percent), "score" (0–100)
    compute: Callable[[Period], Result]
    drill: Callable[[Period, dict], list[dict]] | None
    columns: tuple  # the drill-down's columns: (row key, label)
    default_target: Decimal | None = None  # in the unit shown (percent for a rate)
    higher_is_better: bool = True
    per: str = ""  # "advisor", "technician", "clerk": whom the figure breaks down by
    bounds: tuple = PERCENT  # what a target may be set to

    @property
    def target(self) -> Decimal | None:
        return settings.target(self.key, self.default_target)

    def shown(self, value: float | None) -> float | None:
        """The value in the unit the pages show (percent for a rate)."""
        if value is None:
            return None
        return round(value * 100, 1) if self.unit == "rate" else round(value, 1)

    def met(self, value: float | None) -> bool | None:
        """Whether ``value`` meets the store's target (None without a value or a target)."""
        goal, shown = self.target, self.shown(value)
        if goal is None or shown is None:
            return None
        return shown >= float(goal) if self.higher_is_better else shown <= float(goal)


FIGURES: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    """Add a figure (a station's own); the dashboard and the API show it from then on."""
    FIGURES[figure.key] = figure
    return figure


def get(key: str) -> Figure | None:
    return FIGURES.get(key)


ORDER_COLUMNS = (("number", _l("Work order")), ("plate", _l("Plate")), ("advisor", _l("Service advisor")),
                 ("at", _l("Delivered")), ("promised_at", _l("Promised")), ("note", _l("Why")))


def _orders_drill(function):
    return lambda period, names: function(period)


register(Figure("delivered", _l("Delivered"), _l(
    "Orders whose car was first handed back (交车) in the period (台次)."), "count",
    orders.delivered, _orders_drill(orders.drill_delivered), ORDER_COLUMNS, per="advisor",
    bounds=(Decimal(0), Decimal(100000))))
register(Figure("first_time_fix", _l("First-time fix"), _l(
    "Orders delivered in the period with no failed QC check and no comeback (返修) opened against them "
    "within the quality-guarantee period of their repair type, over the orders delivered in the period."),
    "rate", orders.first_time_fix, _orders_drill(orders.drill_first_time_fix), ORDER_COLUMNS,
    Decimal(95), per="advisor"))
register(Figure("on_time", _l("On-time delivery"), _l(
    "Orders delivered in the period no later than their promised time, over the orders delivered "
    "in the period that had a promise."), "rate", orders.on_time, _orders_drill(orders.drill_on_time),
    ORDER_COLUMNS, Decimal(90), per="advisor"))
register(Figure("efficiency", _l("Technician efficiency"), _l(
    "Sold hours of the jobs first finished in the period (shared among the technicians by their clocked "
    "time) over the hours clocked on jobs in the period."), "rate", workshop.efficiency, workshop.drill_jobs,
    (("number", _l("Work order")), ("technician", _l("Technician")), ("job", _l("Job")),
     ("sold_hours", _l("Sold hours"))), Decimal(100), per="technician", bounds=(Decimal(0), Decimal(300))))
register(Figure("productivity", _l("Technician productivity"), _l(
    "Hours clocked on jobs within the shift over the hours attended (clocked in to clocked out) "
    "in the period."), "rate", workshop.productivity, workshop.drill_pauses,
    (("number", _l("Work order")), ("technician", _l("Technician")), ("at", _l("Paused")),
     ("reason", _l("Reason")), ("minutes", _l("Minutes"))), Decimal(85), per="technician"))
register(Figure("loss_time", _l("Loss time"), _l(
    "Minutes paused with a reason within the shift (waiting for parts, authorization, a tool or bay, a "
    "break, other), as a share of the attended time."), "rate", workshop.loss_time, workshop.drill_pauses,
    (("number", _l("Work order")), ("technician", _l("Technician")), ("at", _l("Paused")),
     ("reason", _l("Reason")), ("minutes", _l("Minutes"))), Decimal(10), higher_is_better=False,
    per="technician"))
PART_COLUMNS = (("number", _l("Work order")), ("part_no", _l("Part number")), ("description", _l("Name")),
                ("at", _l("Requested")), ("issued_at", _l("Issued")), ("clerk", _l("Parts clerk")))
register(Figure("line_fill", _l("Parts line fill"), _l(
    "Part lines requested by the bays in the period that were issued from stock on the day they were "
    "requested, over the part lines requested (配件满足率)."), "rate", parts.line_fill, parts.drill_lines,
    PART_COLUMNS, Decimal(90), per="clerk"))
register(Figure("order_fill", _l("Parts order fill"), _l(
    "Orders with parts requested in the period whose every part line was issued the day it was requested "
    "(the car waited for no part), over the orders with parts requested."), "rate", parts.order_fill,
    parts.drill_lines, PART_COLUMNS, Decimal(85)))
register(Figure("first_service_rate", _l("First-service rate"), _l(
    "Vehicles sold by this store whose first-service window (the sale date plus the store's first-service "
    "days) ends in the period and that came in within it, over those vehicles (首保率)."), "rate",
    customers.first_service_rate, _orders_drill(customers.drill_first_service),
    (("plate", _l("Plate")), ("vin", _l("VIN")), ("sold_on", _l("Sold on")), ("due", _l("Due by")),
     ("number", _l("Work order"))), Decimal(80)))
register(Figure("retention", _l("Customer retention"), _l(
    "Customers with a car delivered in the period who had another order delivered within the next six "
    "months, over the customers delivered in the period."), "rate", customers.retention,
    _orders_drill(customers.drill_retention),
    (("customer", _l("Customer")), ("number", _l("Work order")), ("at", _l("Delivered")),
     ("back", _l("Came back with"))), Decimal(60)))


def target_ranges() -> dict:
    """What each figure's target may be set to (the settings form checks against it)."""
    return {key: figure.bounds for key, figure in FIGURES.items()}
