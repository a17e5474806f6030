"""The live workshop board: rows, flags, overdue, time left, cheap to render, and its page."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.db import database, transaction
from kiosk.models import JobLine, PartsRequest
from kiosk.services import board, dispatch, workorders
from kiosk.services import staff as staff_service
from sync import changelog
from tests.support.workshop import make_order

NOW = dt.datetime(2026, 11, 27, 15, 0)


def ask_for_parts(order, status="requested"):
    with transaction():
        changelog.save(PartsRequest(work_order=order, part_no="04152-YZZA1", description="机滤",
                                    requested_at=NOW, status=status))


def test_rows_show_car_people_bay_promise_and_flags(db):
    advisor = staff_service.create_staff("王顾问", "ADV-301", ["advisor"], "1111")
    tech = staff_service.create_staff("张师傅", "TEC-301", ["technician"], "2221")
    late = make_order([("更换机油机滤", 1.0)], advisor=advisor, promised_at=NOW - dt.timedelta(minutes=40))
    soon = make_order([("检查刹车", 2.0), ("四轮定位", 1.0)], promised_at=NOW + dt.timedelta(hours=2, minutes=5))
    relaxed = make_order(model="本田 雅阁")
    dispatch.assign(soon.jobs.order_by(JobLine.position).get(), tech, "3")
    ask_for_parts(late)
    ask_for_parts(soon, status="issued")  # issued: no longer waiting
    extra = workorders.add_job(relaxed, "更换刹车片", sold_hours=1)
    extra.authorization = "pending"
    with transaction():
        changelog.save(extra, fields=["authorization"])
    settled = make_order(status="settled")
    rows = {r["number"]: r for r in board.rows(NOW)}
    assert settled.number not in rows
    assert list(rows) == [late.number, soon.number, relaxed.number]  # soonest promise first
    assert rows[late.number]["advisor"] == "王顾问"
    assert (rows[late.number]["overdue"], rows[late.number]["left"], rows[late.number]["waiting_parts"]) == (
        True, "40 min overdue", True)
    assert (rows[soon.number]["technicians"], rows[soon.number]["bays"], rows[soon.number]["left"]) == (
        ["张师傅"], ["3"], "2 h 05 min")
    assert not rows[soon.number]["waiting_parts"] and not rows[soon.number]["overdue"]
    assert rows[relaxed.number]["waiting_authorization"] and rows[relaxed.number]["left"] == ""
    assert rows[relaxed.number]["model"] == "本田 雅阁"
    assert board.summary(list(rows.values())) == {"open": 3, "overdue": 1, "waiting_parts": 1,
                                                  "waiting_authorization": 1}


def test_the_board_costs_two_queries_however_many_orders(db):
    tech = staff_service.create_staff("张师傅", "TEC-302", ["technician"], "2221")
    for n in range(30):
        order = make_order([("保养", 1.0), ("洗车", 0.5)], promised_at=NOW + dt.timedelta(minutes=n))
        dispatch.assign(order.jobs.get(), tech, str(n % 8 + 1))
    seen = []
    connection = database.connection()
    connection.set_trace_callback(lambda sql: seen.append(sql) if sql.lstrip().upper().startswith("SELECT") else None)
    try:
        rows = board.rows(NOW)
    finally:
        connection.set_trace_callback(None)
    assert len(rows) == 30 and all(r["technicians"] == ["张师傅"] for r in rows)
    assert len(seen) == 2, seen


def test_the_board_page_is_open_to_the_wall_and_refreshes_itself(app, client):
    with app.app_context(), database.connection_context():
        order = make_order(promised_at=times.utcnow() - dt.timedelta(minutes=5))
        plate, customer = order.vehicle.plate, order.customer.name
    page = client.get("/workshop/board")  # nobody logged in: a wall screen
    html = page.data.decode()
    assert page.status_code == 200 and plate in html and customer not in html
    assert 'class="ws-row overdue"' in html and "Overdue: 1" in html
    assert "sse:clockevent-changed" in html and "every 30s" in html and 'sse-connect="/events"' in html
    fragment = client.get("/workshop/board", headers={"HX-Request": "true"}).data.decode()
    assert fragment.lstrip().startswith('<section id="ws-board"') and "<html" not in fragment


@pytest.mark.parametrize("minutes, text, chinese", [
    (None, "", ""), (0, "0 min", "0 分钟"), (125, "2 h 05 min", "2 小时 05 分"), (-40, "40 min overdue", "超时 40 分钟"),
    (-61, "1 h 01 min overdue", "超时 1 小时 01 分")])
def test_time_left_is_a_duration_never_a_clock_time(app, minutes, text, chinese):
    """"18:36" left read as a clock time on the wall: the time left says hours and minutes."""
    from flask_babel import force_locale

    with app.test_request_context():
        assert board.time_left(minutes) == text
        with force_locale("zh_Hans_CN"):
            assert board.time_left(minutes) == chinese


def test_the_board_marks_who_is_working_on_the_car_now(app, client, db):
    from kiosk.services import clock

    tech = staff_service.create_staff("张师傅", "TEC-302", ["technician"], "2221")
    mate = staff_service.create_staff("李师傅", "TEC-303", ["technician"], "2222")
    order = make_order([("检查刹车", 2.0), ("四轮定位", 1.0)], status="authorized")
    brakes, wheels = order.jobs.order_by(JobLine.position)
    dispatch.assign(brakes, tech, "3")
    dispatch.assign(wheels, mate, "4")
    clock.clock_on(tech, JobLine.get_by_id(brakes.id))
    [row] = board.rows()
    assert (row["technicians"], row["working"]) == (["张师傅", "李师傅"], ["张师傅"])
    page = client.get("/workshop/board").get_data(as_text=True)
    assert '<span class="working" title="Working on it now">张师傅</span>' in page
    assert '<span class="">李师傅</span>' in page
