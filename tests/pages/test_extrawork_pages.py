"""Extra work through the pages: the technician proposes it at the bay, reception
sees "waiting for re-authorization", the customer signs or declines."""
from __future__ import annotations

import json

import pytest

from kiosk.db import connected
from kiosk.models import JobDecision, JobLine, WorkOrder
from kiosk.services import scanning
from tests.support.bay import make_order
from tests.support.bay import signature

HX = {"HX-Request": "true"}


def in_db(app, fn):
    with app.app_context(), connected():
        return fn()


@pytest.fixture
def number(app, make_staff):
    scanning.debouncer._last.clear()
    make_staff("technician", name="张伟", badge="TEC-001")
    return in_db(app, lambda: make_order().number)


@pytest.fixture
def proposed(app, client, number):
    """TEC-001 badges in at the bay and proposes extra work with one described part."""
    bay = app.test_client()
    bay.post("/bay/scan", data={"code": "TEC-001", "source": "wedge"}, headers=HX)
    form = bay.get(f"/bay/orders/{number}/extra", headers=HX).get_data(as_text=True)
    assert "Send to reception for authorization" in form
    response = bay.post(f"/bay/orders/{number}/extra", headers=HX, data={
        "description": "右前减震器漏油", "sold_hours": "1.5",
        "part_no": ["", "", ""], "part_qty": ["1", "", ""], "part_description": ["减震器", "", ""]})
    assert "Extra work sent to reception" in response.get_data(as_text=True)
    assert "Waiting for the customer" in response.get_data(as_text=True)
    return in_db(app, lambda: JobLine.get(JobLine.authorization == "pending"))


def test_bad_proposal_shows_the_form_again_with_the_message(app, number):
    bay = app.test_client()
    bay.post("/bay/scan", data={"code": "TEC-001", "source": "wedge"}, headers=HX)
    response = bay.post(f"/bay/orders/{number}/extra", headers=HX,
                        data={"description": "右前减震器漏油", "sold_hours": "lots"})
    page = response.get_data(as_text=True)
    assert json.loads(response.headers["HX-Trigger"])["feedback"] == "bad"
    assert "Enter a number." in page and "右前减震器漏油" in page and 'data-bay-screen="extra"' in page
    assert in_db(app, lambda: JobLine.select().count()) == 2


def test_extra_work_for_an_unknown_order_is_refused_with_a_message(app, number):
    bay = app.test_client()
    bay.post("/bay/scan", data={"code": "TEC-001", "source": "wedge"}, headers=HX)
    for response in (bay.get("/bay/orders/NOPE-1/extra", headers=HX),
                     bay.post("/bay/orders/NOPE-1/extra", headers=HX, data={"description": "漏油", "sold_hours": "1"})):
        assert json.loads(response.headers["HX-Trigger"])["feedback"] == "bad"
        assert "No work order with this number." in response.get_data(as_text=True)
    assert in_db(app, lambda: JobLine.select().count()) == 2


def test_reception_approves_with_the_customers_signature(app, client, advisor, number, proposed):
    page = client.get(f"/reception/work-orders/{number}").get_data(as_text=True)
    assert "Waiting for re-authorization" in page and "右前减震器漏油" in page and "proposed by 张伟" in page
    url = f"/reception/work-orders/{number}/extra-work/{proposed.id.hex}/approve"
    response = client.post(url, data={"signature": signature(ink=False), "price": "420"}, headers=HX)
    assert response.status_code == 422 and "signature is empty" in response.get_data(as_text=True)
    assert in_db(app, lambda: JobLine.get_by_id(proposed.id).authorization) == "pending"
    response = client.post(url, data={"signature": signature(), "price": "420"}, headers=HX)
    assert response.status_code == 200 and "Approved by the customer" in response.get_data(as_text=True)
    assert json.loads(response.headers["HX-Trigger"])["workorder-changed"] is True
    job = in_db(app, lambda: JobLine.get_by_id(proposed.id))
    assert job.authorization == "approved" and job.price == 420
    assert in_db(app, lambda: WorkOrder.get(WorkOrder.number == number).status) == "in_repair"
    # Answering twice is refused with the reason.
    response = client.post(url, data={"signature": signature()}, headers=HX)
    assert response.status_code == 409 and "already answered" in response.get_data(as_text=True)


def test_reception_records_the_decline(app, client, advisor, number, proposed):
    url = f"/reception/work-orders/{number}/extra-work/{proposed.id.hex}/decline"
    response = client.post(url, data={"note": "客户说下次再修"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#extra-work")
    page = client.get(f"/reception/work-orders/{number}").get_data(as_text=True)
    assert "Declined by the customer" in page and "客户说下次再修" in page
    assert in_db(app, lambda: JobDecision.get().decision) == "declined"


def test_a_job_that_is_not_on_the_order(app, client, advisor, number, proposed):
    response = client.post(f"/reception/work-orders/{number}/extra-work/nope/decline", headers=HX)
    assert response.status_code == 409 and in_db(app, lambda: JobDecision.select().count()) == 0


def test_a_technician_cannot_answer_for_the_customer(app, client, login, make_staff, number, proposed):
    login(make_staff("technician"))
    response = client.post(f"/reception/work-orders/{number}/extra-work/{proposed.id.hex}/decline")
    assert response.status_code == 403 and in_db(app, lambda: JobDecision.select().count()) == 0
