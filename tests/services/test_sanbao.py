"""The 三包 watch on a car with several warranty visits: days in the shop (a started day
counts), repairs of the same fault, serious safety faults, major-part replacements, the
early windows from the sale, the loan-car day, and the store's thresholds."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.db import transaction
from kiosk.services import claim_settings, claims, sanbao
from sync import changelog
from tests.support.aftersales import deliver_for_test
from tests.support.claims import sold_car, warranty_order


@pytest.fixture
def clerk(make_staff):
    return make_staff("claims", name="索赔员")


def counter(watch, key):
    return next(c for c in watch["counters"] if c["key"] == key)


def visit(car, days_ago, hours_in_shop, *, code="BR0101", mileage=4000):
    opened = times.utcnow() - dt.timedelta(days=days_ago)
    order, job = warranty_order(car, mileage=mileage, opened_at=opened, code=code, issue=False)
    if hours_in_shop is not None:
        deliver_for_test(order, at=opened + dt.timedelta(hours=hours_in_shop))
    return order, job


def test_counters_on_a_car_with_several_visits(db, clerk):
    car = sold_car(sold_on=times.today() - dt.timedelta(days=200))
    visit(car, 150, 5)            # a started day counts: 1
    visit(car, 100, 49)           # 3 days
    order, job = visit(car, 50, 24 * 6 + 1, code="EN0101")  # 7 days, another fault
    claim = claims.build(order, job, clerk)
    claims.update(claim, {"safety": "1", "major_part": "engine"}, clerk)
    watch = sanbao.watch(car)
    assert watch["applies"] is True
    assert counter(watch, "repair_days")["value"] == 11
    assert counter(watch, "same_fault")["value"] == 2
    assert counter(watch, "safety")["value"] == 1 and counter(watch, "safety")["level"] == "warn"
    assert counter(watch, "part_replacements")["value"] == 1
    assert watch["loan_car"] is False  # the long visit is over
    assert not any(w["open"] for w in watch["windows"])


def test_warned_one_short_and_reached_at_the_limit(db):
    car = sold_car(sold_on=times.today() - dt.timedelta(days=300))
    for days_ago in (250, 200, 150):
        visit(car, days_ago, 2)
    assert counter(sanbao.watch(car), "same_fault")["level"] == "warn"  # 3 of 4
    visit(car, 100, 2)
    reached = sanbao.watch(car)
    assert counter(reached, "same_fault")["level"] == "reached" and reached["warnings"]
    claim_settings.save({"sanbao_same_fault": "6"})
    assert counter(sanbao.watch(car), "same_fault")["level"] == "ok"


def test_the_loan_car_day_and_the_early_windows(db):
    car = sold_car(sold_on=times.today() - dt.timedelta(days=10))
    visit(car, 6, None, mileage=800)  # still in the shop: 7 started days
    watch = sanbao.watch(car)
    assert watch["loan_car"] is True
    assert {w["key"]: w["open"] for w in watch["windows"]} == {"first_days": False, "early": True}
    fresh = sold_car(sold_on=times.today() - dt.timedelta(days=2))
    visit(fresh, 1, None, mileage=90)
    assert {w["key"]: w["open"] for w in sanbao.watch(fresh)["windows"]} == {"first_days": True, "early": True}


def test_outside_validity_or_without_a_sale_date(db):
    car = sold_car(sold_on=times.today() - dt.timedelta(days=3 * 365))
    visit(car, 10, 2)
    assert sanbao.watch(car)["applies"] is False
    with transaction():
        car.sold_on = None
        changelog.save(car, fields=["sold_on"])
    assert sanbao.watch(car)["applies"] is False


def test_only_visits_after_the_sale_count(db):
    car = sold_car(sold_on=times.today() - dt.timedelta(days=30))
    visit(car, 60, 2)  # before the sale (pre-delivery inspection)
    visit(car, 10, 2)
    assert counter(sanbao.watch(car), "repair_days")["value"] == 1
