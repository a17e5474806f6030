"""The cheap read paths behind every page: the outbox count, the status bar's
state in one query, prepared queries, and translations looked up once a render."""
from __future__ import annotations

from decimal import Decimal

from flask import render_template_string
from flask_babel import force_locale, gettext

from kiosk.core import times
from kiosk.models import JobLine, WorkOrder
from kiosk.services import customers, workorders
from kiosk.core.prepared import Prepared
from sync import changelog, state
from sync.tables import ChangeEvent
from sync.node import current_node


def own_unacked() -> int:
    me = current_node().node_id
    return (ChangeEvent.select().where((ChangeEvent.origin_node == me)
                                       & (ChangeEvent.origin_seq > state.acked_seq())).count())


def test_the_outbox_is_the_newest_own_event_less_the_acknowledged(db):
    assert changelog.outbox_size() == own_unacked() == 0
    customer, car = customers.find_or_create("张三", "13812345678", "京A12345")
    workorders.open_work_order(customer, car, complaint="异响", jobs=[{"description": "保养", "price": "180"}])
    assert changelog.outbox_size() == own_unacked() > 3
    state.put("acked_seq", "3")
    assert changelog.outbox_size() == own_unacked()
    # Events that came from elsewhere are not ours to send.
    ChangeEvent.create(event_id="e-other", origin_node="another-node", origin_seq=500, hlc="x", entity="x",
                       row_id="x", kind="record", op="insert", payload="{}", created_at=times.utcnow())
    assert changelog.outbox_size() == own_unacked()


def test_the_status_bar_shows_the_sync_state(client, advisor):
    state.put("skew_ms", str(7 * 60_000))
    state.put("state", "diverged")
    state.put("hub_url", "http://127.0.0.1:5100")  # a paired kiosk
    state.put("last_sync", "2026-11-27T01:30")  # UTC: 09:30 in the store
    html = client.get("/reception/").get_data(as_text=True)
    assert "off by 7 minutes" in html and "must be paired again" in html and "09:30" in html
    assert f"<b data-outbox>{changelog.outbox_size()}</b>" in html


def test_a_fragment_without_the_status_bar_does_not_read_the_sync_state(client, advisor, monkeypatch):
    from kiosk import menu, templating

    def refuse(*args):
        raise AssertionError("the status bar's queries or the station tabs ran for a fragment")

    monkeypatch.setattr(templating, "sync_status", refuse)
    monkeypatch.setattr(menu, "tabs", refuse)
    monkeypatch.setattr(menu, "offered", refuse)
    assert client.get("/reception/", query_string={"q": "京A"}, headers={"HX-Request": "true"}).status_code == 200
    monkeypatch.undo()
    page = client.get("/reception/").get_data(as_text=True)
    assert 'id="sync-status"' in page and 'class="tab current"' in page


def test_prepared_queries_answer_like_the_query_they_were_built_from(db):
    customer, car = customers.find_or_create("张三", "13812345678", "京A12345")
    first = workorders.open_work_order(customer, car, complaint="异响",
                                       jobs=[{"description": "保养", "price": "180"},
                                             {"description": "刹车", "price": "260", "pay_type": "warranty"}])
    second = workorders.open_work_order(customer, car, complaint="空调")
    jobs = Prepared(lambda slot: JobLine.select().where(JobLine.work_order == slot(JobLine.work_order))
                    .order_by(JobLine.position).limit(slot()))
    assert [j.id for j in jobs.rows(first, 5)] == [j.id for j in first.jobs.order_by(JobLine.position)]
    assert jobs.rows(first, 1)[0].description == "保养" and jobs.rows(second, 5) == []
    found = workorders.get_by_number(first.number.lower())
    assert (found.id, found.customer.name, found.vehicle.plate, found.advisor) == (first.id, "张三", "京A12345", None)
    assert workorders.totals(found)["by_payer"]["warranty"] == Decimal("260.00")
    assert workorders.get_by_number(second.number).id == second.id
    assert WorkOrder.select().count() == 2


def test_template_translations_follow_the_locale(app):
    with app.test_request_context():
        template = ("{{ _('Open work orders') }}|{% import 'reception/workorder/_labels.html' as labels %}"
                    "{{ labels.pay_type('warranty') }}")
        assert render_template_string(template) == "Open work orders|Warranty"
        with force_locale("zh_Hans_CN"):
            chinese = f"{gettext('Open work orders')}|{gettext('Warranty')}"
            assert chinese != "Open work orders|Warranty" and render_template_string(template) == chinese
        assert render_template_string(template) == "Open work orders|Warranty"
