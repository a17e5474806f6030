"""The registry of figures: one entry per figure, so a station adds its own in one place.

Each ``Figure`` says what it is (key, label, written definition, unit), what it is
judged against (its default target and whether higher is better), how it is
computed for a period (``compute``) and what lies behind it (``drill``: rows that
each name a work order). The dashboard, the API, the reports and the group page
read this list and nothing else.

The figures of the chain after the workshop (revenue, CSI, follow-ups, complaints,
claims, receivables) read the stations' own rules (``aftersales``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from kiosk.i18n import lazy_gettext as _l
from kiosk.services.figures import aftersales, customers, orders, parts, settings, workshop
from kiosk.services.figures.base import Result
from kiosk.services.figures.period import Period

PERCENT = (Decimal(0), Decimal(100))


@dataclass(frozen=True)
class Figure:
    key: str
    label: object
    definition: object
    unit: str  # "count" (台次), "rate" (0–1, shown as percent), "score" (0–100), "money" (yuan)
    compute: Callable[[Period], Result]
    drill: Callable[[Period, dict], list[dict]] | None
    columns: tuple  # the drill-down's columns: (row key, label)
    default_target: Decimal | None = None  # in the unit shown (percent for a rate)
    higher_is_better: bool = True
    per: str = ""  # "advisor", "technician", "clerk": whom the figure breaks down by
    bounds: tuple = PERCENT  # what a target may be set to
    per_store: bool = True  # False: a station's rule, per store by its orders; the group's total is the whole hub's
    series: Callable[[list], list[Result]] | None = None  # every period of a trend at once (one query)

    @property
    def target(self) -> Decimal | None:
        return settings.target(self.key, self.default_target)

    def shown(self, value: float | None) -> float | None:
        """The value in the unit the pages show (percent for a rate)."""
        if value is None:
            return None
        if self.unit == "money":
            return round(value, 2)
        return round(value * 100, 1) if self.unit == "rate" else round(value, 1)

    def over(self, periods: list[Period]) -> list[Result]:
        """The figure for each of ``periods`` (which do not overlap): its series where it has one
        (the same computation as ``compute``, all periods in one pass), else period by period."""
        return self.series(periods) if self.series else [self.compute(p) for p in periods]

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
    bounds=(Decimal(0), Decimal(100000)), series=orders.delivered_series))
register(Figure("first_time_fix", _l("First-time fix"), _l(
    "Orders delivered in the period with no failed QC check and no comeback (返修) opened against them "
    "within the quality-guarantee period of their repair type, over the orders delivered in the period."),
    "rate", orders.first_time_fix, _orders_drill(orders.drill_first_time_fix), ORDER_COLUMNS,
    Decimal(95), per="advisor", series=orders.first_time_fix_series))
register(Figure("on_time", _l("On-time delivery"), _l(
    "Orders delivered in the period no later than their promised time, over the orders delivered "
    "in the period that had a promise."), "rate", orders.on_time, _orders_drill(orders.drill_on_time),
    ORDER_COLUMNS, Decimal(90), per="advisor", series=orders.on_time_series))
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
    PART_COLUMNS, Decimal(90), per="clerk", series=parts.line_fill_series))
register(Figure("order_fill", _l("Parts order fill"), _l(
    "Orders with parts requested in the period whose every part line was issued the day it was requested "
    "(the car waited for no part), over the orders with parts requested."), "rate", parts.order_fill,
    parts.drill_lines, PART_COLUMNS, Decimal(85), series=parts.order_fill_series))
register(Figure("first_service_rate", _l("First-service rate"), _l(
    "Vehicles sold by this store whose first-service window (the sale date plus the store's first-service "
    "days) ends in the period and that came in within it, over those vehicles (首保率)."), "rate",
    customers.first_service_rate, _orders_drill(customers.drill_first_service),
    (("plate", _l("Plate")), ("vin", _l("VIN")), ("sold_on", _l("Sold on")), ("due", _l("Due by")),
     ("number", _l("Work order"))), Decimal(80), series=customers.first_service_series))
register(Figure("retention", _l("Customer retention"), _l(
    "Customers with a car delivered in the period who had another order delivered within the next six "
    "months, over the customers delivered in the period."), "rate", customers.retention,
    _orders_drill(customers.drill_retention),
    (("customer", _l("Customer")), ("number", _l("Work order")), ("at", _l("Delivered")),
     ("back", _l("Came back with"))), Decimal(60), series=customers.retention_series))

MONEY = (Decimal(0), Decimal(100000000))
register(Figure("revenue", _l("Revenue"), _l(
    "The settlements in force settled in the period (结算), per payer: the customer's share net of its "
    "discount, warranty, insurance and internal."), "money", aftersales.revenue, aftersales.drill_revenue,
    (("number", _l("Work order")), ("plate", _l("Plate")), ("settlement", _l("Settlement")), ("at", _l("Settled")),
     ("customer", _l("Customer")), ("warranty", _l("Warranty")), ("insurance", _l("Insurance")),
     ("internal", _l("Internal")), ("total", _l("Total"))), bounds=MONEY, per_store=False, per="advisor"))
register(Figure("revenue_per_order", _l("Revenue per order"), _l(
    "The period's revenue over the orders delivered in the period (单车产值)."), "money",
    aftersales.revenue_per_order, aftersales.drill_revenue, FIGURES["revenue"].columns, Decimal(800),
    bounds=MONEY, per_store=False))
CALL_COLUMNS = (("number", _l("Work order")), ("plate", _l("Plate")), ("at", _l("Called")),
                ("caller", _l("Called by")), ("score", _l("Overall score")))
register(Figure("csi", _l("Customer satisfaction"), _l(
    "The mean overall score (0–10) of the reached follow-up calls made in the period, ×10 (0–100), and "
    "the same per part of the visit (CSI)."), "score", aftersales.csi, aftersales.drill_calls, CALL_COLUMNS,
    Decimal(90), per_store=False, per="advisor"))
register(Figure("top_share", _l("Top scores"), _l(
    "Reached follow-up calls of the period scored 9 or 10, over the scored calls."), "rate",
    aftersales.top_share, aftersales.drill_calls, CALL_COLUMNS, Decimal(80), per_store=False))
register(Figure("follow_up_rate", _l("Follow-up rate"), _l(
    "Orders delivered in the period with a reached follow-up call (回访), over the orders delivered in "
    "the period."), "rate", aftersales.follow_up_rate, aftersales.drill_follow_up,
    (("number", _l("Work order")), ("plate", _l("Plate")), ("advisor", _l("Service advisor")),
     ("at", _l("Delivered"))), Decimal(90), series=aftersales.follow_up_rate_series))
COMPLAINT_COLUMNS = (("complaint", _l("Complaint number")), ("number", _l("Work order")), ("category", _l("Category")),
                     ("at", _l("Opened")), ("due", _l("Resolve by")))
register(Figure("complaint_rate", _l("Complaint rate"), _l(
    "Complaints (投诉) opened in the period over the orders delivered in the period."), "rate",
    aftersales.complaint_rate, aftersales.drill_complaints, COMPLAINT_COLUMNS, Decimal(1),
    higher_is_better=False, per_store=False, per="advisor"))
register(Figure("complaints_on_time", _l("Complaints resolved on time"), _l(
    "Complaints opened in the period whose customer agreed to the solution by their resolution deadline, "
    "over the complaints opened in the period."), "rate", aftersales.complaints_on_time,
    aftersales.drill_complaints, COMPLAINT_COLUMNS, Decimal(95), per_store=False))
register(Figure("claim_approval", _l("Claim approval rate"), _l(
    "Warranty claims (索赔) the manufacturer answered in the period that were approved in full or in part, "
    "over the claims answered (each claim once, by its latest answer in the period)."), "rate",
    aftersales.claim_approval, aftersales.drill_claims,
    (("claim", _l("Claim")), ("number", _l("Work order")), ("at", _l("Answered")), ("state", _l("Status")),
     ("claimed", _l("Claimed")), ("amount", _l("Approved")), ("reason", _l("Reason code"))), Decimal(95),
    per_store=False))
register(Figure("receivables", _l("Insurers' receivables"), _l(
    "What the insurers owed at the end of the period on direct-billed (直赔), delivered orders: their "
    "share less their payments (保险应收)."), "money", aftersales.receivables, aftersales.drill_receivables,
    (("number", _l("Work order")), ("insurer", _l("Insurer")), ("report_no", _l("Report number")),
     ("due_amount", _l("Owed")), ("paid", _l("Paid")), ("age_days", _l("Days since delivery"))),
    higher_is_better=False, bounds=MONEY, per_store=False))


def target_ranges() -> dict:
    """What each figure's target may be set to (the settings form checks against it)."""
    return {key: figure.bounds for key, figure in FIGURES.items()}
