"""The time rule (kiosk.core.times): stored UTC, shown and typed in the store's zone,
old nodes' times converted once, the key tag's promised time right everywhere."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from hardware.labels import TagData, render_tag
from kiosk.core import times
from kiosk.db import connected, database
from kiosk.models import WorkOrder
from kiosk.services import customers, workorders
from sync.eventtimes import data_of

# 17:00 in Shanghai is 09:00 UTC, the same day.
STORED = dt.datetime(2031, 5, 6, 9, 0)


def test_the_stores_day_and_wall_time_as_utc():
    assert times.at_local(dt.date(2031, 5, 6), dt.time(17)) == STORED
    assert times.to_local(STORED) == dt.datetime(2031, 5, 6, 17, 0)
    # The store's 6 May runs from 16:00 UTC on the 5th to 16:00 UTC on the 6th.
    assert times.day_bounds(dt.date(2031, 5, 6)) == (dt.datetime(2031, 5, 5, 16), dt.datetime(2031, 5, 6, 16))
    assert times.today(dt.datetime(2031, 5, 5, 17)) == dt.date(2031, 5, 6)  # after 16:00 UTC it is tomorrow there
    assert times.parse_local("2031-05-06T17:00") == STORED  # no offset: the store's time
    assert times.parse_local("2031-05-06T11:00+02:00") == STORED  # an offset is honoured
    assert times.isoformat(STORED) == "2031-05-06T17:00:00+08:00"
    assert times.local_input(STORED) == "2031-05-06T17:00"
    with pytest.raises(ValueError):
        times.parse_local("next tuesday")


@pytest.fixture
def order(db):
    customer, car = customers.find_or_create("王女士", "13912344321", "沪A·D1234", "", "大众 朗逸")
    made = workorders.open_work_order(customer, car, complaint="异响")
    return workorders.set_promised(made, STORED)


def test_the_key_tag_shows_the_promised_time_once_converted(app, client, make_staff, login, order):
    login(make_staff("advisor"))
    html = client.get(f"/reception/work-orders/{order.number}/key-tag").get_data(as_text=True)
    assert "17:00" in html and "01:00" not in html and "09:00" not in html
    with app.test_request_context():
        from kiosk.services.documents import tag_data

        tag = tag_data(WorkOrder.get_by_id(order.id))
    assert "17:00" in tag.promised_text and "2031" in tag.promised_text
    zpl = client.get(f"/reception/work-orders/{order.number}/tag.zpl").get_data(as_text=True)
    assert tag.promised_text in zpl
    # The PNG is the tag drawn from that text (and not from 01:00 the next day).
    png = client.get(f"/reception/work-orders/{order.number}/tag.png").data
    assert png == render_tag(tag, "png")
    wrong = TagData(**{**tag.__dict__, "promised_text": tag.promised_text.replace("17:00", "01:00")})
    assert png != render_tag(wrong, "png")


def test_the_api_speaks_the_stores_time(api, order):
    shown = api("get", f"/work-orders/{order.number}").get_json()
    assert shown["promised_at"] == "2031-05-06T17:00:00+08:00"
    assert shown["opened_at"].endswith("+08:00")
    assert api("patch", f"/work-orders/{order.number}", json={"promised_at": "2031-05-07T18:30"}).status_code == 200
    assert WorkOrder.get_by_id(order.id).promised_at == dt.datetime(2031, 5, 7, 10, 30)
    assert api("patch", f"/work-orders/{order.number}",
               json={"promised_at": "2031-05-07T18:30+09:00"}).status_code == 200
    assert WorkOrder.get_by_id(order.id).promised_at == dt.datetime(2031, 5, 7, 9, 30)


def test_an_old_node_is_converted_once_and_its_old_events_on_every_read(tmp_path, app):
    """A database written under the old rule (the PC's local time, here the store's zone):
    m0011 converts its rows; its version-1 events fold to the same UTC values."""
    from kiosk.migrations import migrate
    from sync import changelog
    from sync.merge import refold_all

    path = str(tmp_path / "node.sqlite")
    with app.app_context():
        from kiosk.db import bind

        bind(path)
        with connected():
            customer, car = customers.find_or_create("王女士", "13912344321", "沪A·D1234", "", "大众 朗逸")
            order = workorders.set_promised(workorders.open_work_order(customer, car, complaint="异响"), STORED)
        database.close()
    # Make it look as the old release left it: local times, version-1 events, m0011 not applied.
    raw = sqlite3.connect(path)
    raw.execute("UPDATE work_order SET promised_at = '2031-05-06 17:00:00'")
    for seq, payload in raw.execute("SELECT seq, payload FROM change_event WHERE entity = 'work_order'").fetchall():
        data = json.loads(payload)
        if data.get("promised_at"):
            data["promised_at"] = "2031-05-06T17:00:00"
        raw.execute("UPDATE change_event SET payload = ?, schema_version = 1 WHERE seq = ?", (json.dumps(data), seq))
    raw.execute("DELETE FROM migrations WHERE name = 'm0011_times_in_utc'")
    raw.commit()
    raw.close()

    with app.app_context():
        with connected():
            assert migrate(database) == ["m0011_times_in_utc"]
            assert migrate(database) == []  # once
            assert WorkOrder.get_by_id(order.id).promised_at == STORED
            event = (changelog.ChangeEvent.select().where(changelog.ChangeEvent.entity == "work_order")
                     .order_by(changelog.ChangeEvent.seq.desc()).first())
            # As written (the PC's wall time), and as every reader takes it (converted, sync.eventtimes).
            assert event.schema_version == 1 and event.data["promised_at"] != STORED.isoformat()
            assert data_of(event)["promised_at"] == STORED.isoformat()
            refold_all()  # folding the old events again gives the converted value, not the old one
            assert WorkOrder.get_by_id(order.id).promised_at == STORED
            new = workorders.set_promised(WorkOrder.get_by_id(order.id), STORED + dt.timedelta(hours=1))
            latest = changelog.ChangeEvent.select().order_by(changelog.ChangeEvent.seq.desc()).first()
            assert latest.schema_version == changelog.SCHEMA_VERSION == 2 and new.promised_at.hour == 10
        database.close()


def test_a_version_1_event_from_an_older_node_is_converted_on_apply(db):
    """An older kiosk (its PC in the store's zone) sends a promised time as 17:00 local."""
    from sync.mergeschema import parse_event

    wire = {"event_id": "e1", "origin_node": "old", "origin_seq": 1, "hlc": "1700000000000.00000.old",
            "entity": "work_order", "row_id": "a" * 32, "kind": "record", "op": "update",
            "payload": {"promised_at": "2031-05-06T17:00:00", "complaint": "异响"}, "schema_version": 1}
    event = parse_event(wire)
    assert event.payload["promised_at"] == STORED.isoformat() and event.payload["complaint"] == "异响"
    assert json.loads(event.text)["promised_at"] == "2031-05-06T17:00:00"  # the log keeps it as it came
    assert parse_event({**wire, "schema_version": 2}).payload["promised_at"] == "2031-05-06T17:00:00"
