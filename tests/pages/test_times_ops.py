"""The time rule (kiosk.core.times) in the estimate, operations and security code: signed
versions, sessions, PIN locks, API tokens, backups, logs and kiosk reports store UTC
and show the store's zone once; m0011 converts what a node at 0.2 left in their tables."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import time

import pytest

from kiosk.core import times
from kiosk.db import connected, database
from kiosk.models import ApiKey, AuthorizationVersion, LoginAttempt, StaffSession
from kiosk.services import api_keys, backup_schedule, customers, estimate, station_settings, workorders
from tests.support.bay import signature

# 17:00 in Shanghai is 09:00 UTC, the same day.
STORED = dt.datetime(2031, 5, 6, 9, 0)


@pytest.fixture
def pc_in_shanghai():
    """This process's own zone set to the store's, as a kiosk PC at the store runs (restored after)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture
def order(db):
    customer, car = customers.find_or_create("王女士", "13912344321", "沪A·D1234", "", "大众 朗逸")
    made = workorders.open_work_order(customer, car, complaint="保养",
                                      jobs=[{"description": "更换机油机滤", "sold_hours": "0.8", "price": "240"}])
    return workorders.set_promised(made, STORED)


def test_a_signed_version_says_its_promised_time_with_the_stores_offset(app, api, order):
    from kiosk.services import staff as staff_service

    staff_service.create_staff("王芳", "ADV-T1", ["advisor"], "1111")
    answer = api("post", f"/work-orders/{order.number}/authorizations",
                 json={"badge": "ADV-T1", "signature": signature()})
    assert answer.status_code == 201
    [version] = api("get", f"/work-orders/{order.number}").get_json()["authorizations"]
    assert version["promised_at"] == "2031-05-06T17:00:00+08:00" and version["at"].endswith("+08:00")
    row = AuthorizationVersion.get()
    assert row.promised_at == STORED and abs((row.at - times.utcnow()).total_seconds()) < 60
    assert estimate.lines_of(row)["promised_at"] == "2031-05-06T17:00+08:00"


@pytest.mark.parametrize("promised", ["2031-05-06T17:00+08:00", "2031-05-06T17:00"])
def test_the_estimate_print_shows_the_promised_time_once(app, client, make_staff, login, order, promised):
    """A version signed under the rule (with the offset) and one signed before it (the store's
    wall time without one) both print 17:00."""
    from kiosk.services import authorization

    authorization.authorize(order, "a" * 64)
    row = AuthorizationVersion.get()
    snap = {**estimate.lines_of(row), "promised_at": promised}
    AuthorizationVersion.update(snapshot=estimate.canonical(snap)).execute()
    login(make_staff("advisor"))
    html = client.get(f"/reception/work-orders/{order.number}/estimate").get_data(as_text=True)
    assert "2031-05-06 17:00" in html and "09:00" not in html and "01:00" not in html


def test_sessions_pin_locks_and_tokens_keep_utc(app, client, make_staff, login):
    from kiosk.services import pin_lock
    from kiosk.services import staff as staff_service
    from kiosk.core.errors import ServiceError

    person = make_staff("advisor", badge="ADV-T2")
    login(person)
    with app.app_context(), connected():
        session = StaffSession.get()
        assert abs((session.seen_at - times.utcnow()).total_seconds()) < 60
        for _ in range(pin_lock.FREE_TRIES):
            with pytest.raises(ServiceError):
                staff_service.login("ADV-T2", "0000")
        locked = pin_lock.state("ADV-T2").locked_until
        assert locked is not None and locked > times.utcnow()
        assert max(a.at for a in LoginAttempt.select()) <= times.utcnow()
        # A token's expiry date is the end of that day in the store.
        end = api_keys.parse_expiry("2031-05-06")
        assert end == times.at_local(dt.date(2031, 5, 6), dt.time(23, 59, 59)) == dt.datetime(2031, 5, 6, 15, 59, 59)
        assert api_keys.parse_expiry("1d") - times.utcnow() < dt.timedelta(days=1, seconds=5)


def test_the_nightly_backup_is_at_the_stores_time_and_named_in_it(db, tmp_path):
    # The store's 02:30 is 18:30 UTC the day before.
    now = dt.datetime(2031, 5, 6, 1, 0)  # 09:00 in the store
    assert backup_schedule.scheduled_at(now) == dt.datetime(2031, 5, 5, 18, 30)
    assert times.file_stamp(dt.datetime(2031, 5, 5, 18, 30)) == "20310506-023000+0800"
    assert times.parse_file_stamp("20310506-023000+0800") == dt.datetime(2031, 5, 5, 18, 30)
    assert times.parse_file_stamp("20310506-023000") == dt.datetime(2031, 5, 5, 18, 30)  # before the rule
    for name in ("hub-20310506-023000+0800.sqlite", "hub-20310505-023000.sqlite", "hub-notatime.sqlite"):
        (tmp_path / name).write_bytes(b"x")
    assert [when for when, _ in backup_schedule.listed(tmp_path)] == [dt.datetime(2031, 5, 5, 18, 30),
                                                                     dt.datetime(2031, 5, 4, 18, 30)]


def test_a_log_line_and_the_last_error_carry_the_stores_offset(app, tmp_path):
    from kiosk import logs

    record = logging.LogRecord("kiosk", logging.ERROR, __file__, 1, "printer gone", None, None)
    record.request_id = "-"
    line = logs.StoreTimeFormatter(logs.FORMAT).format(record)
    assert line.split(" ")[0].endswith("+08:00")
    handler = logs.LastErrorHandler(tmp_path / "last-error.json")
    handler.emit(record)
    at = json.loads((tmp_path / "last-error.json").read_text())["at"]
    assert at.endswith("+08:00") and abs((times.from_text(at) - times.utcnow()).total_seconds()) < 60
    # A kiosk before the rule wrote its wall time without an offset: read as the store's.
    assert times.from_text("2031-05-06T17:00:00", naive="local") == STORED
    assert times.from_text("2031-05-06T09:00:00") == STORED


def test_m0011_converts_what_a_node_at_0_2_left_in_the_new_tables(tmp_path, app, pc_in_shanghai):
    """Replicated rows as the store's wall time, this node's own rows as the PC's, and the times
    kept as text (the last backup, a restore) — once."""
    from kiosk.db import bind
    from kiosk.migrations import migrate
    from kiosk.services import authorization
    from sync import state

    path = str(tmp_path / "node.sqlite")
    with app.app_context():
        bind(path)
        with connected():
            customer, car = customers.find_or_create("王女士", "13912344321", "沪A·D1234", "", "大众 朗逸")
            made = workorders.open_work_order(customer, car, complaint="保养",
                                              jobs=[{"description": "保养", "sold_hours": "1", "price": "300"}])
            authorization.authorize(workorders.set_promised(made, STORED), "a" * 64, at=STORED)
            ApiKey.create(token_hash="h", name="t", created_at=STORED, expires_at=STORED)
            station_settings.put(backup_schedule.LAST_KEY, {"ok": True, "at": "2031-05-06T17:00:00",
                                                            "attempt_at": "2031-05-06T17:00:00"})
            state.put("restored_at", "2031-05-06T17:00:00")
        database.close()
    # As 0.2 left it: the PC's (the store's) wall time everywhere, m0011 not applied.
    raw = sqlite3.connect(path)
    for table, column in (("authorization_version", "at"), ("authorization_version", "promised_at"),
                          ("api_key", "created_at"), ("api_key", "expires_at")):
        raw.execute(f"UPDATE {table} SET {column} = '2031-05-06 17:00:00'")
    raw.execute("DELETE FROM migrations WHERE name = 'm0011_times_in_utc'")
    raw.commit()
    raw.close()
    with app.app_context(), connected():
        assert migrate(database) == ["m0011_times_in_utc"]
        version = AuthorizationVersion.get()
        assert (version.at, version.promised_at) == (STORED, STORED)
        key = ApiKey.get(ApiKey.name == "t")
        assert (key.created_at, key.expires_at) == (STORED, STORED)
        last = station_settings.get(backup_schedule.LAST_KEY)
        assert last["at"] == last["attempt_at"] == STORED.isoformat()
        assert state.get("restored_at") == STORED.isoformat()
    database.close()
