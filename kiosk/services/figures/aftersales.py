"""The figures of the chain after the workshop, read through the stations' own rules (never
a second copy of them): revenue from the cashier's settlements (#12), satisfaction, the
follow-up rate and complaints from the care desk (#13), warranty claims and the insurers'
receivables from the claims desk (#14).

* revenue: the settlements in force settled in the period, per payer (the customer's share
  net of its discount; ``kiosk.services.settlement.revenue_by_payer``);
* revenue per delivered order (单车产值): that revenue over the orders delivered in the period;
* CSI: the mean overall score (0-10) ×10 of the reached follow-up calls made in the period
  (``kiosk.services.followups.csi``, the care desk's own figure); the top-score share: calls
  scored 9 or 10 over the scored calls; per part of the visit in ``parts``;
* follow-up rate: orders delivered in the period with a reached follow-up call, over them;
* complaint rate: complaints opened in the period over orders delivered in it
  (``kiosk.services.complaints.rate``, the care desk's own figure);
* complaints on time: complaints opened in the period resolved by their deadline, over them;
* claims' approval rate: claims answered in the period approved in full or in part, over the
  claims answered (each claim once, by its latest answer in the period);
* insurers' receivables: what the insurers owed on direct-billed delivered orders at the end
  of the period (``kiosk.services.insurer_accounts.receivables``).

Within a group hub's store scope (``base.store_scope``) each rule counts the store's work
orders only (``of_orders``: the settlements, calls, complaints, claims and insurance cases of
the orders whose number carries the store's prefix). Revenue, CSI and the complaint rate break
down per service advisor: the same rule asked once for each advisor's orders (the advisors
with a settlement, a reached call or a complaint in the period), not in a trend's points.
"""
from __future__ import annotations

import datetime as dt

from kiosk.models import Complaint, FollowUpCall, Vehicle, WorkOrder
from kiosk.services import claims, complaints, followups, insurer_accounts, settlement
from kiosk.services.figures import orders
from kiosk.services.figures.base import Result, advisor_orders, count, memoized, per_person, ratio, store_orders
from kiosk.services.figures.orders import delivered_orders
from kiosk.services.figures.period import Period

APPROVED = ("approved", "partly_approved")


def _money(value) -> float:
    return round(float(value), 2)


def _advisors(orders_query) -> list:
    """The advisors of the work orders of ``orders_query`` (a subquery of ids)."""
    if not per_person():
        return []
    return [a for (a,) in WorkOrder.select(WorkOrder.advisor).where(WorkOrder.id.in_(orders_query))
            .distinct().tuples() if a is not None]


def _revenue(period: Period, of_orders) -> Result:
    by_payer = settlement.revenue_by_payer(period.first, period.last, of_orders)
    result = count(_money(sum(by_payer.values())))
    result.parts = {payer: _money(amount) for payer, amount in by_payer.items()}
    return result


@memoized
def revenue(period: Period) -> Result:
    """Revenue of the settlements in force settled in the period; ``parts``: per payer; per advisor."""
    result = _revenue(period, store_orders())
    ids = [s.work_order_id for s in settled(period)]
    if ids:
        result.by_person = {str(a): _revenue(period, advisor_orders(a))
                            for a in _advisors(WorkOrder.select(WorkOrder.id).where(WorkOrder.id.in_(ids)))}
    return result


@memoized
def settled(period: Period) -> list:
    """The settlements in force settled in the period (the store's orders')."""
    return settlement.settled_in(period.first, period.last, store_orders())


def revenue_per_order(period: Period) -> Result:
    """Revenue per delivered order (单车产值): the period's revenue over its delivered orders."""
    return ratio(revenue(period).value, orders.delivered(period).value)


@memoized
def satisfaction(period: Period) -> dict:
    """The care desk's CSI of the period (kiosk.services.followups.csi)."""
    return followups.csi(period.first, period.last, store_orders())


def _csi(found: dict) -> Result:
    result = ratio(found["score_sum"] * 10, found["scored"])
    result.parts = {part: value for part, value in found["parts"].items() if value is not None}
    return result


def csi(period: Period) -> Result:
    """CSI (0-100): the mean overall score of the reached calls ×10; ``parts``: per part of the
    visit; per advisor (the calls about their orders)."""
    result = _csi(satisfaction(period))
    if result.denominator:
        lo, hi = period.bounds()
        called = FollowUpCall.select(FollowUpCall.work_order).where(
            (FollowUpCall.at >= lo) & (FollowUpCall.at < hi) & (FollowUpCall.outcome == "reached"))
        result.by_person = {str(a): _csi(followups.csi(period.first, period.last, advisor_orders(a)))
                            for a in _advisors(called)}
    return result


def top_share(period: Period) -> Result:
    """The share of top scores: reached calls scored 9 or 10, over the scored calls."""
    found = satisfaction(period)
    return ratio(found["top"], found["scored"])


def follow_up_rate_series(periods) -> list[Result]:
    """Orders delivered in each of ``periods`` with a reached follow-up call (the care desk's
    ``followups.reached_query``), over them (counted with the delivered orders, one query)."""
    return [ratio(sum(c["reached"] for c in people.values()), sum(c["delivered"] for c in people.values()))
            for people in orders.counted(tuple(periods))]


def follow_up_rate(period: Period) -> Result:
    """Orders delivered in the period with a reached follow-up call, over them."""
    return follow_up_rate_series([period])[0]


def _complaint_rate(period: Period, of_orders) -> Result:
    found = complaints.rate(period.first, period.last, of_orders)
    return ratio(found["complaints"], found["delivered"])


def complaint_rate(period: Period) -> Result:
    """Complaints opened in the period over orders delivered in it (the care desk's rule); per
    advisor (the complaints about their orders over their orders delivered), for the advisors
    complained about in the period."""
    result = _complaint_rate(period, store_orders())
    if result.numerator:
        lo, hi = period.bounds()
        about = Complaint.select(Complaint.work_order).where(
            (Complaint.opened_at >= lo) & (Complaint.opened_at < hi) & Complaint.work_order.is_null(False))
        result.by_person = {str(a): _complaint_rate(period, advisor_orders(a)) for a in _advisors(about)}
    return result


@memoized
def opened_complaints(period: Period) -> list[dict]:
    return complaints.opened_in(period.first, period.last, of_orders=store_orders())


def complaints_on_time(period: Period) -> Result:
    """Complaints opened in the period resolved by their deadline, over them."""
    found = opened_complaints(period)
    return ratio(sum(1 for row in found if row["on_time"]), len(found))


@memoized
def answered_claims(period: Period) -> list:
    return claims.answered(period.first, period.last, store_orders())


def claim_approval(period: Period) -> Result:
    """Warranty claims answered in the period approved in full or in part, over those answered."""
    found = answered_claims(period)
    return ratio(sum(1 for _, event in found if event.state in APPROVED), len(found))


def _period_end(period: Period) -> dt.datetime:
    return period.bounds()[1]


@memoized
def owed(period: Period) -> list[dict]:
    """What each insurer owed at the end of the period (aged to its last day)."""
    return insurer_accounts.receivables(period.last, until=_period_end(period), of_orders=store_orders())


def receivables(period: Period) -> Result:
    """The insurers' receivables at the end of the period (yuan); ``parts``: per insurer."""
    found = owed(period)
    result = count(_money(sum(entry["due"] for entry in found)))
    result.parts = {entry["insurer"]: _money(entry["due"]) for entry in found}
    return result


def _orders(ids) -> dict:
    return {o.id: o for o in WorkOrder.select(WorkOrder.id, WorkOrder.number, WorkOrder.advisor, Vehicle.plate)
            .join(Vehicle).where(WorkOrder.id.in_(list(ids))).objects()} if ids else {}


def drill_revenue(period: Period, names: dict) -> list[dict]:
    """The settlements behind the revenue: one row per order, its amount per payer."""
    found = settled(period)
    orders = _orders({s.work_order_id for s in found})
    rows = []
    for live in found:
        order, split = orders.get(live.work_order_id), settlement.amounts(live)
        rows.append({"number": order.number if order else "", "plate": order.plate if order else "",
                     "settlement": live.number, "at": live.at, **{p: _money(a) for p, a in split.items()},
                     "total": _money(sum(split.values()))})
    return rows


def drill_calls(period: Period, names: dict) -> list[dict]:
    """The reached calls of the period, the scores below 9 first."""
    calls = followups.reached_calls(period.first, period.last, store_orders())
    orders = _orders({c.work_order_id for c in calls})
    rows = [{"number": orders[c.work_order_id].number if c.work_order_id in orders else "",
             "plate": orders[c.work_order_id].plate if c.work_order_id in orders else "",
             "at": c.at, "caller": names.get(c.staff_id, ""), "score": c.score,
             "counted": c.score is not None and c.score >= followups.TOP_SCORE} for c in calls]
    return sorted(rows, key=lambda r: r["counted"])


def drill_follow_up(period: Period, names: dict) -> list[dict]:
    """The orders delivered in the period, those without a reached call first."""
    found = delivered_orders(period)
    reached = followups.reached_orders(item.order.id for item in found)
    rows = [{"number": item.order.number, "plate": item.order.plate, "advisor": names.get(item.order.advisor_id, ""),
             "at": item.at, "counted": item.order.id in reached} for item in found]
    return sorted(rows, key=lambda r: r["counted"])


def drill_complaints(period: Period, names: dict) -> list[dict]:
    """The complaints opened in the period, those not resolved by their deadline first."""
    orders = _orders({r["complaint"].work_order_id for r in opened_complaints(period)} - {None})
    rows = []
    for row in opened_complaints(period):
        item = row["complaint"]
        order = orders.get(item.work_order_id)
        rows.append({"complaint": item.number, "number": order.number if order else "",
                     "category": str(complaints.CATEGORIES.get(item.category, item.category)),
                     "at": item.opened_at, "due": item.resolve_by, "resolved": row["resolved_at"],
                     "status": str(complaints.STATUSES.get(row["status"], row["status"])), "counted": row["on_time"]})
    return sorted(rows, key=lambda r: r["counted"])


def drill_claims(period: Period, names: dict) -> list[dict]:
    """The claims answered in the period, the rejected first."""
    orders = _orders({c.work_order_id for c, _ in answered_claims(period)})
    rows = [{"claim": c.number, "number": orders[c.work_order_id].number if c.work_order_id in orders else "",
             "at": e.at, "state": str(claims.STATE_LABELS[e.state]), "claimed": _money(claims.claimed(c)),
             "amount": _money(e.amount), "reason": e.reason_code, "counted": e.state in APPROVED}
            for c, e in answered_claims(period)]
    return sorted(rows, key=lambda r: r["counted"])


def drill_receivables(period: Period, names: dict) -> list[dict]:
    """The direct-billed cases still owed at the end of the period, the oldest first."""
    cases = [(entry["insurer"], case) for entry in owed(period) for case in entry["cases"]]
    orders = _orders({case["case"].work_order_id for _, case in cases})
    rows = [{"number": orders[c["case"].work_order_id].number if c["case"].work_order_id in orders else "",
             "insurer": insurer, "report_no": c["case"].report_no,
             "due_amount": _money(c["due"]), "paid": _money(c["paid"]), "age_days": c["age_days"]}
            for insurer, c in cases]
    return sorted(rows, key=lambda r: -r["age_days"])

