"""The manager's figures from a small known history: every figure to the exact value, per
advisor and technician, the drill-down rows behind them, periods, targets and settings."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.errors import ServiceError
from kiosk.models import WorkOrder
from kiosk.models.workorders import STORE_PREFIX
from kiosk.services import cashier_settings, complaints, followups
from kiosk.services.figures import board, period as periods, registry, settings
from kiosk.services.figures.base import prefix_of, store_scope
from tests.support import figures as history


@pytest.fixture
def shop(db):
    return history.build()


def test_every_figure_of_the_month_to_the_exact_value(shop):
    values = board.compute(periods.month(history.MONTH))
    for key, expected in history.EXPECTED.items():
        assert history.close(values[key].value, expected), (key, values[key])
    assert values["loss_time"].parts["parts"] == 30
    assert values["first_time_fix"].numerator == 3 and values["first_time_fix"].denominator == 5


def test_per_advisor_and_technician(shop):
    answer = board.as_json(periods.month(history.MONTH))
    for badge, figures in history.BY_ADVISOR.items():
        for key, expected in figures.items():
            if key != "delivered":
                assert history.close(answer["by_advisor"][badge][key], expected), (badge, key)
    for badge, figures in history.BY_TECHNICIAN.items():
        for key, expected in figures.items():
            assert history.close(answer["by_technician"][badge][key], expected), (badge, key)
    assert history.close(answer["by_clerk"]["PRT-801"]["line_fill"], 2 / 3)
    rows = board.breakdown(periods.month(history.MONTH))
    assert [r["staff"].badge for r in rows["advisor"]] == ["ADV-801", "ADV-802"] or \
        {r["staff"].badge for r in rows["advisor"]} == {"ADV-801", "ADV-802"}
    delivered = {r["staff"].badge: r["delivered"].value for r in rows["advisor"]}
    assert delivered == {"ADV-801": 2, "ADV-802": 3}


def test_a_store_is_its_orders_by_the_derived_number_prefix(shop):
    """The database derives ``store_prefix`` from each order's number (written through the change
    log like any order); a store's scope counts its orders, another prefix none of them."""
    numbers = list(WorkOrder.select(WorkOrder.number, STORE_PREFIX).tuples())
    assert numbers and all(prefix == prefix_of(number) for number, prefix in numbers)
    month = periods.month(history.MONTH)
    whole = board.compute(month)
    with store_scope([prefix_of(numbers[0][0]).lower()]):
        mine = board.compute(month)
    with store_scope(["ZZ9"]):
        none = board.compute(month)
    for key in ("delivered", "first_time_fix", "revenue", "csi", "claim_approval", "receivables", "efficiency"):
        assert mine[key].value == whole[key].value, key
    # TS-T-2 is about no work order: no store's, the whole node's only.
    assert (mine["complaint_rate"].numerator, whole["complaint_rate"].numerator) == (1, 2)
    assert none["delivered"].value == 0 and none["revenue"].value == 0.0 and none["csi"].value is None
    assert none["efficiency"].value is None and none["receivables"].value == 0.0


def test_a_trend_counts_each_period_as_the_period_alone(shop):
    """The dashboard's trend (one aggregate over all its periods) gives each period what the
    figure gives that period alone."""
    month = periods.month(history.MONTH)
    lines = {line.figure.key: line for line in board.dashboard(month, steps=3)}
    for trend_period in board.trend_periods(month, 3):
        alone = board.compute(trend_period)
        for key in ("delivered", "first_time_fix", "on_time", "follow_up_rate", "retention", "line_fill",
                    "order_fill", "first_service_rate"):
            assert dict(lines[key].trend)[trend_period] == alone[key].value, (key, trend_period)
    assert lines["delivered"].result.value == 5 and lines["first_time_fix"].result.value == 0.6


def test_revenue_csi_and_complaints_per_advisor(shop):
    """Revenue, CSI and the complaint rate per service advisor: each the station's own rule over the
    advisor's orders (ADV-801: o1 and o2; ADV-802: o3, o4 and o5)."""
    answer = board.as_json(periods.month(history.MONTH))
    mine, theirs = answer["by_advisor"]["ADV-801"], answer["by_advisor"]["ADV-802"]
    assert mine["revenue"] == 700.0 and theirs["revenue"] == 2700.0  # 400 + 300; 2000 + 500 + 200
    assert mine["csi"] == 80.0 and theirs["csi"] == 80.0  # calls scored 10 and 6; 8
    assert mine["complaint_rate"] == 0.5 and "complaint_rate" not in theirs  # TS-T-1 about o2; none
    rows = {r["staff"].badge: r for r in board.breakdown(periods.month(history.MONTH))["advisor"]}
    assert rows["ADV-802"]["revenue"].value == 2700.0 and rows["ADV-801"]["complaint_rate"].denominator == 2


def test_a_comeback_after_the_guarantee_period_does_not_count_until_the_period_is_longer(shop):
    o4 = shop["orders"][3]
    rows = board.drill(registry.get("first_time_fix"), periods.month(history.MONTH))
    missed = {r["number"]: r["note"] for r in rows if not r["counted"]}
    assert set(missed) == {shop["orders"][1].number, shop["orders"][2].number}
    assert "QC" in missed[shop["orders"][1].number] and "Comeback" in missed[shop["orders"][2].number]
    # The light bulb's comeback came 18 days later: a minor repair is guaranteed for 10 days. The
    # period is the cashier's setting (one rule for the guarantee on the bill and for the figures).
    cashier_settings.save({"guarantee_minor_days": "30"})
    assert settings.guarantee_days("minor") == 30
    missed = {r["number"] for r in board.drill(registry.get("first_time_fix"), periods.month(history.MONTH))
              if not r["counted"]}
    assert o4.number in missed


def test_drill_downs_name_the_orders_behind_each_number(shop):
    month = periods.month(history.MONTH)
    late = [r for r in board.drill(registry.get("on_time"), month) if not r["counted"]]
    assert [r["number"] for r in late] == [shop["orders"][1].number]
    waits = [r for r in board.drill(registry.get("line_fill"), month) if not r["counted"]]
    assert [r["number"] for r in waits] == [shop["orders"][1].number]
    pauses = board.drill(registry.get("loss_time"), month)
    assert [(r["reason"], r["minutes"]) for r in pauses] == [("parts", 30)]
    jobs = board.drill(registry.get("efficiency"), month)
    assert sorted(r["sold_hours"] for r in jobs) == [1.0, 2.0, 3.0]
    assert len(board.drill(registry.get("delivered"), month)) == 5


def test_a_day_a_week_and_nothing_to_count(shop):
    day = board.compute(periods.day(dt.date(2026, 10, 6)))
    assert day["delivered"].value == 1 and day["on_time"].value == 0.0
    assert history.close(day["efficiency"].value, 1.5)
    empty = board.compute(periods.month(dt.date(2026, 8, 1)))
    assert empty["delivered"].value == 0
    assert all(empty[k].value is None for k in history.EXPECTED if k != "delivered" and k not in history.MONEY)
    assert empty["revenue"].value == 0 and empty["receivables"].value == 0


def test_the_dashboard_trends_twelve_months_and_judges_targets(shop):
    lines = board.dashboard(periods.month(history.MONTH))
    by_key = {line.figure.key: line for line in lines}
    assert len(by_key["first_time_fix"].trend) == 12
    assert by_key["first_time_fix"].trend[-1][0] == periods.month(history.MONTH)
    assert by_key["first_time_fix"].met is False  # 60% against 95%
    settings.save({"first_time_fix": "55"}, registry.target_ranges())
    assert board.dashboard(periods.month(history.MONTH), steps=1)[1].met is True
    assert by_key["loss_time"].met is True  # 3.8% lost, under 10%


def test_periods_parse_and_refuse_clearly():
    today = dt.date(2026, 12, 2)
    assert periods.parse({}, today) == periods.month(today)
    assert periods.parse({"period": "week", "day": "2026-12-02"}, today).first == dt.date(2026, 11, 30)
    assert periods.parse({"from": "2026-11-03", "to": "2026-11-05"}, today).days == 3
    for args in ({"from": "2026-13-01"}, {"from": "2026-11-05", "to": "2026-11-01"}, {"period": "year"},
                 {"from": "2020-01-01", "to": "2026-01-01"}):
        with pytest.raises(ServiceError):
            periods.parse(args, today)
    assert [p.first.month for p in periods.back(periods.month(dt.date(2026, 3, 5)), 4)] == [12, 1, 2, 3]


def test_targets_are_checked_and_kept(db):
    with pytest.raises(ServiceError) as refused:
        settings.save({"first_time_fix": "120"}, registry.target_ranges())
    assert refused.value.field == "target_first_time_fix"
    with pytest.raises(ServiceError):
        settings.save({"on_time": "abc"}, registry.target_ranges())
    settings.save({"on_time": "92.5"}, registry.target_ranges(), first_service="200")
    assert registry.get("on_time").target == 92.5 and settings.first_service_days() == 200


def test_a_job_clocked_days_before_it_was_finished_shares_its_sold_hours_by_all_its_clocks(db):
    from kiosk.services import staff as staff_service
    from kiosk.services.figures import workshop
    from tests.support.workshop import at, clock, make_order

    first, second = (staff_service.create_staff(n, b, ["technician"], p)
                     for n, b, p in (("甲师傅", "TEC-811", "2811"), ("乙师傅", "TEC-812", "2812")))
    job = next(iter(make_order([("变速箱大修", 2.0)]).jobs))
    clock(first, job, "on", at(9, day=dt.date(2026, 10, 1)))
    clock(first, job, "off", at(10, day=dt.date(2026, 10, 1)), reason="pause", loss="parts")
    clock(second, job, "on", at(9, day=dt.date(2026, 10, 10)))
    clock(second, job, "off", at(10, day=dt.date(2026, 10, 10)), reason="finish")
    day = periods.day(dt.date(2026, 10, 10))
    found = workshop.hours(day)
    assert (round(found[first.id].sold, 2), round(found[second.id].sold, 2)) == (1.0, 1.0)
    result = board.compute(day)["efficiency"]
    assert (result.numerator, result.denominator, result.value) == (2.0, 1.0, 2.0)


def test_the_chain_after_the_workshop_reads_the_stations_own_rules(shop):
    month = periods.month(history.MONTH)
    values = board.compute(month)
    assert values["revenue"].value == 3400.0 and values["revenue"].parts == history.REVENUE
    assert (values["revenue_per_order"].numerator, values["revenue_per_order"].denominator) == (3400.0, 5)
    assert values["csi"].parts == history.CSI_PARTS
    # One rule: the care desk's CSI and complaint rate are the figures'.
    assert values["csi"].value == followups.csi(month.first, month.last)["csi"]
    assert values["complaint_rate"].value == complaints.rate(month.first, month.last)["rate"]
    assert values["receivables"].parts == {"平安保险": 250.0}
    # Before the insurer paid its 200 (the 20th), it owed all 450 of the assessed share.
    assert board.compute(periods.day(dt.date(2026, 10, 15)))["receivables"].value == 450.0
    assert registry.get("complaint_rate").met(values["complaint_rate"].value) is False  # under 1%: not met


def test_the_chain_after_the_workshop_drills_down_to_calls_complaints_claims_and_cases(shop):
    month = periods.month(history.MONTH)
    o1, o2, o3, o4, o5 = shop["orders"]
    calls = board.drill(registry.get("csi"), month)
    assert [(r["number"], r["score"], r["counted"]) for r in calls] == [
        (o2.number, 6, False), (o4.number, 8, False), (o1.number, 10, True)]
    missed = [r["number"] for r in board.drill(registry.get("follow_up_rate"), month) if not r["counted"]]
    assert sorted(missed) == sorted([o3.number, o5.number])
    rows = board.drill(registry.get("complaints_on_time"), month)
    assert [(r["complaint"], r["number"], r["counted"]) for r in rows] == [("TS-T-2", "", False),
                                                                           ("TS-T-1", o2.number, True)]
    claimed = board.drill(registry.get("claim_approval"), month)
    assert [(r["claim"], r["number"], r["counted"]) for r in claimed] == [("SP-T-2", o1.number, False),
                                                                          ("SP-T-1", o3.number, True)]
    owed = board.drill(registry.get("receivables"), month)
    assert [(r["number"], r["insurer"], r["due_amount"], r["paid"], r["age_days"]) for r in owed] == [
        (o4.number, "平安保险", 250.0, 200.0, 19)]
    revenue = {r["number"]: r["total"] for r in board.drill(registry.get("revenue"), month)}
    assert revenue == {o1.number: 400.0, o2.number: 300.0, o3.number: 2000.0, o4.number: 500.0, o5.number: 200.0}
