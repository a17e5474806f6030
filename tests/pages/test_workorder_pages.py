"""The work-order page at reception: lines, totals, promised time, status moves,
the customer's signature, and what a locked order or a technician may not do."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.db import database
from kiosk.models import JobLine, PartLine, StatusChange
from kiosk.services import customers, workorders
from sync.tables import ChangeEvent
from tests.support.reception import HX, add_job, signature_data_url, url

@pytest.fixture
def number(app, advisor):
    """A checked-in order for a customer with one car; returns its number."""
    with app.app_context(), database.connection_context():
        customer = customers.find_or_create_customer("李先生", "13812345678")
        vehicle = customers.create_vehicle(customer, "沪A·D1234", model="丰田 凯美瑞", mileage=42000)
        order = workorders.open_work_order(
            customer, vehicle, advisor=advisor, complaint="冷车启动有异响",
            walkaround={"fuel_eighths": 5, "belongings": "雨伞",
                        "warning_lights": ["engine"], "damage": [{"x": 20, "y": 30, "kind": "dent", "note": "左前门"}]})
        return order.number


@pytest.fixture
def query(app):
    """Run ``fn`` against the database outside a request (counts, rows)."""

    def run(fn):
        with app.app_context(), database.connection_context():
            return fn()

    return run


def event_count(query):
    return query(lambda: ChangeEvent.select().count())


@pytest.mark.postgres
def test_page_shows_the_check_in(client, advisor, number):
    page = client.get(url(number)).get_data(as_text=True)
    assert number in page
    assert "李先生" in page and "138****5678" in page and "13812345678" not in page
    assert "沪AD1234" in page and "丰田 凯美瑞" in page and "42,000" in page
    assert "冷车启动有异响" in page and "雨伞" in page and "左前门" in page
    assert "5/8" in page and advisor.name in page
    assert 'id="jobs"' in page and 'id="parts"' in page and 'id="totals"' in page
    assert 'workorder-changed from:body' in page and 'sse-connect="/events"' in page  # live, as the bay


def test_unknown_number_is_a_clear_404(client, advisor):
    response = client.get(url("R1-20000101-9999"))
    assert response.status_code == 404
    assert "No work order with this number." in response.get_data(as_text=True)


@pytest.mark.postgres
def test_add_and_remove_jobs_and_parts_keep_totals(client, advisor, number, query):
    before = event_count(query)
    response = add_job(client, number)
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"])["workorder-changed"] is True
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="jobs"') and "更换机油机滤" in fragment
    assert "Job added." in fragment
    assert event_count(query) == before + 1

    add_job(client, number, description="四轮定位", sold_hours="1", price="200.10", pay_type="warranty")
    response = client.post(url(number, "/parts"), headers=HX, data={
        "part_no": "90915-yzze1", "description": "机油滤清器", "qty": "2", "unit_price": "45.55", "pay_type": "customer",
        "non_catalogue": "1"})
    assert response.status_code == 200 and "90915-YZZE1" in response.get_data(as_text=True)
    assert event_count(query) == before + 3

    totals = client.get(url(number, "/section/totals"), headers=HX).get_data(as_text=True)
    assert 'data-total="labour">¥ 500.10' in totals
    assert 'data-total="parts">¥ 91.10' in totals
    assert 'data-total="total">¥ 591.20' in totals
    assert 'data-payer="warranty">¥ 200.10' in totals and 'data-payer="customer">¥ 391.10' in totals

    jobs = query(lambda: workorders.live_jobs(workorders.get_by_number(number)))
    confirm = client.get(url(number, f"/section/jobs?confirm_job={jobs[0].id.hex}"), headers=HX).get_data(as_text=True)
    assert "Yes, remove the job" in confirm and "btn big danger" in confirm
    response = client.post(url(number, f"/jobs/{jobs[0].id.hex}/remove"), headers=HX)
    assert response.status_code == 200 and "Job removed." in response.get_data(as_text=True)
    assert query(lambda: JobLine.get_by_id(jobs[0].id).deleted) is True  # a tombstone, not a delete

    line = query(lambda: workorders.live_part_lines(workorders.get_by_number(number))[0])
    response = client.post(url(number, f"/parts/{line.id.hex}/remove"), headers=HX)
    assert response.status_code == 200 and "Part removed." in response.get_data(as_text=True)
    assert event_count(query) == before + 5
    sums = query(lambda: workorders.totals(workorders.get_by_number(number)))
    assert sums["total"] == Decimal("200.10") and sums["by_payer"]["warranty"] == Decimal("200.10")

    # Removing the same line twice (another kiosk was faster) is a clear conflict, nothing written.
    response = client.post(url(number, f"/jobs/{jobs[0].id.hex}/remove"), headers=HX)
    assert response.status_code == 409
    assert "This line is no longer on the work order." in response.get_data(as_text=True)
    assert event_count(query) == before + 5


@pytest.mark.parametrize("fields, field, message", [
    ({"description": "  "}, "description", "Describe the job."),
    ({"sold_hours": "-1"}, "sold_hours", "Enter a number that is not negative."),
    ({"sold_hours": "abc"}, "sold_hours", "Enter a number."),
    ({"price": "-5"}, "price", "Enter a number that is not negative."),
    ({"price": "12,x"}, "price", "Enter a number."),
    ({"pay_type": "friend"}, "pay_type", "Choose who pays for this job."),
])
def test_bad_job_input_is_422_at_the_field(client, advisor, number, query, fields, field, message):
    before = event_count(query)
    response = add_job(client, number, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="jobs-{field}-error"' in page and message in page
    assert "HX-Trigger" not in response.headers or "workorder-changed" not in response.headers["HX-Trigger"]
    assert event_count(query) == before
    assert query(lambda: JobLine.select().count()) == 0


@pytest.mark.parametrize("fields, field, message", [
    ({"part_no": "", "description": ""}, "description", "Name the part that is not in the catalogue."),
    ({"non_catalogue": "", "part_no": "NOPE-1"}, "part_no", "Part NOPE-1 is not in the catalogue."),
    ({"non_catalogue": "", "part_no": ""}, "part_no", "Scan or type the part number"),
    ({"unit_price": ""}, "unit_price", "Enter the price of the part that is not in the catalogue."),
    ({"qty": "-2"}, "qty", "Enter a number that is not negative."),
    ({"qty": "0"}, "qty", "The quantity must be more than zero."),
    ({"qty": "two"}, "qty", "Enter a number."),
    ({"unit_price": "-1"}, "unit_price", "Enter a number that is not negative."),
])
def test_bad_part_input_is_422_at_the_field(client, advisor, number, query, fields, field, message):
    before = event_count(query)
    data = {"part_no": "04465-33471", "description": "刹车片", "qty": "1", "unit_price": "380", "non_catalogue": "1",
            **fields}
    response = client.post(url(number, "/parts"), data=data, headers=HX)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="parts-{field}-error"' in page and message in page
    assert event_count(query) == before and query(lambda: PartLine.select().count()) == 0


def test_without_htmx_a_bad_form_shows_the_whole_page(client, advisor, number):
    response = client.post(url(number, "/jobs"), data={"description": "", "sold_hours": "1", "price": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<html" in page and "Describe the job." in page
    response = client.post(url(number, "/jobs"), data={"description": "洗车", "sold_hours": "0", "price": "0"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#jobs")


@pytest.mark.postgres
def test_promised_time_is_editable(client, advisor, number, query):
    before = event_count(query)
    response = client.post(url(number, "/promised"), data={"promised_at": "2031-05-06T17:30"}, headers=HX)
    assert response.status_code == 200 and "Promised time saved." in response.get_data(as_text=True)
    promised = query(lambda: workorders.get_by_number(number).promised_at)
    # The form's time is the store's (Asia/Shanghai); it is stored as UTC and shown back as typed.
    assert promised == dt.datetime(2031, 5, 6, 9, 30)
    assert 'value="2031-05-06T17:30"' in response.get_data(as_text=True)
    assert event_count(query) == before + 1

    response = client.post(url(number, "/promised"), data={"promised_at": "next tuesday"}, headers=HX)
    assert response.status_code == 422
    assert "Enter the promised date and time." in response.get_data(as_text=True)
    assert event_count(query) == before + 1


@pytest.mark.postgres
def test_customer_signs_and_the_signature_is_kept_by_hash(app, client, advisor, number, query):
    add_job(client, number)
    data_url = signature_data_url()
    png = base64.b64decode(data_url.split(",", 1)[1])
    digest = hashlib.sha256(png).hexdigest()
    before = event_count(query)

    response = client.post(url(number, "/authorize"), data={"signature": data_url}, headers=HX)
    assert response.status_code == 200, response.get_data(as_text=True)
    fragment = response.get_data(as_text=True)
    assert f"/reception/files/{digest}.png" in fragment and "Signed. The work is authorized." in fragment

    stored = Path(app.config["BLOB_FOLDER"]) / digest[:2] / digest
    assert stored.read_bytes() == png
    order = query(lambda: workorders.get_by_number(number))
    assert order.signature == digest and order.status == "authorized" and order.authorized_at
    assert query(lambda: StatusChange.select().where(StatusChange.to_status == "authorized").count()) == 1
    assert event_count(query) > before  # the order and the status change travel

    page = client.get(url(number)).get_data(as_text=True)
    assert f'src="/reception/files/{digest}.png"' in page and "Authorized" in page
    with client.get(f"/reception/files/{digest}.png") as served:
        assert served.status_code == 200 and served.mimetype == "image/png" and served.data == png


@pytest.mark.parametrize("signature, message", [
    ("", "The signature is missing. Ask the customer to sign."),
    (signature_data_url(ink=False), "The signature is empty. Ask the customer to sign in the box."),
    ("data:image/png;base64,aGVsbG8=", "The signature could not be read. Please sign again."),
])
def test_an_empty_signature_is_refused(app, client, advisor, number, query, signature, message):
    add_job(client, number)
    before = event_count(query)
    response = client.post(url(number, "/authorize"), data={"signature": signature}, headers=HX)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert event_count(query) == before
    assert query(lambda: workorders.get_by_number(number).status) == "checked_in"
    assert not Path(app.config["BLOB_FOLDER"]).exists() or not any(Path(app.config["BLOB_FOLDER"]).rglob("*"))


def test_no_signature_before_there_is_a_job(app, client, advisor, number, query):
    page = client.get(url(number)).get_data(as_text=True)
    estimate_pad = page.split('id="signature"', 1)[1]  # the check-in record has its own pad above
    assert "Add at least one job before the customer signs." in estimate_pad and "data-signature-pad" not in estimate_pad
    before = event_count(query)
    response = client.post(url(number, "/authorize"), data={"signature": signature_data_url()}, headers=HX)
    assert response.status_code == 422
    assert "Add at least one job before the customer signs." in response.get_data(as_text=True)
    assert event_count(query) == before and not Path(app.config["BLOB_FOLDER"]).exists()


def test_signature_files_need_a_login_and_a_real_hash(client, advisor, number):
    assert client.get("/reception/files/" + "0" * 64 + ".png").status_code == 404
    assert client.get("/reception/files/not-a-hash.png").status_code == 404
    client.post("/logout")
    assert client.get("/reception/files/" + "0" * 64 + ".png").status_code == 403


@pytest.mark.postgres
def test_status_moves_from_the_desk(client, advisor, number, query):
    page = client.get(url(number)).get_data(as_text=True)
    assert "Move to “Diagnosis”" in page and "Move to “Estimate”" in page
    before = event_count(query)
    response = client.post(url(number, "/move"), data={"to": "diagnosis"}, headers=HX)
    assert response.status_code == 200 and response.headers["HX-Refresh"] == "true"
    assert query(lambda: workorders.get_by_number(number).status) == "diagnosis"
    assert event_count(query) == before + 2  # the order and the StatusChange fact
    assert "Status changed to “Diagnosis”." in client.get(url(number)).get_data(as_text=True)

    client.post(url(number, "/move"), data={"to": "estimate"}, headers=HX)
    response = client.post(url(number, "/move"), data={"to": "diagnosis"}, headers=HX)  # backwards
    assert response.status_code == 409
    assert "A work order cannot go from “Estimate” to “Diagnosis”." in response.get_data(as_text=True)
    response = client.post(url(number, "/move"), data={"to": "delivered"}, headers=HX)  # not the desk's move
    assert response.status_code == 409 and "Reception cannot make this change." in response.get_data(as_text=True)
    assert query(lambda: workorders.get_by_number(number).status) == "estimate"


@pytest.mark.postgres
def test_cancel_asks_first_then_locks_the_order(client, advisor, number, query):
    confirm = client.get(url(number, "/section/status?confirm_move=cancelled"), headers=HX).get_data(as_text=True)
    assert "Yes, cancel the work order" in confirm
    client.post(url(number, "/move"), data={"to": "cancelled"}, headers=HX)
    page = client.get(url(number)).get_data(as_text=True)
    assert "can no longer be changed" in page and "Add job" not in page


@pytest.mark.postgres
def test_a_settled_order_refuses_edits(client, advisor, number, query):
    add_job(client, number)

    def settle():
        order = workorders.get_by_number(number)
        order.status = "settled"  # as the cashier's settlement leaves it
        order.save()
        return workorders.live_jobs(order)[0]

    job = query(settle)
    before = event_count(query)
    locked = "This work order is settled or cancelled and can no longer be changed."
    for tail, data in [("/jobs", {"description": "加装", "sold_hours": "1", "price": "1"}),
                       (f"/jobs/{job.id.hex}/remove", {}),
                       ("/parts", {"description": "x", "qty": "1", "unit_price": "1"}),
                       ("/promised", {"promised_at": "2031-01-01T10:00"}),
                       ("/authorize", {"signature": signature_data_url()})]:
        response = client.post(url(number, tail), data=data, headers=HX)
        assert response.status_code == 409, tail
        assert locked in response.get_data(as_text=True), tail
    assert event_count(query) == before
    page = client.get(url(number)).get_data(as_text=True)
    assert locked in page and "Add job" not in page and "Remove…" not in page


def test_technicians_may_not_use_the_page(client, make_staff, login, number):
    login(make_staff("technician"))
    assert client.get(url(number)).status_code == 403
    assert add_job(client, number).status_code == 403
    assert client.get(url(number, "/print")).status_code == 403


def test_page_loads_the_pad_and_the_swap_rule(client, advisor, number):
    add_job(client, number)
    page = client.get(url(number)).get_data(as_text=True)
    assert "signature_pad.min.js" in page and "signature.js" in page and "data-signature-clear" in page
    with client.get("/static/signature.js") as response:
        script = response.get_data(as_text=True)
    assert "htmx:beforeSwap" in script and re.search(r"status === 422", script)


@pytest.mark.postgres
def test_what_people_type_is_shown_as_text(client, advisor, number, query):
    add_job(client, number, description="<b>x</b>")
    job = query(lambda: workorders.live_jobs(workorders.get_by_number(number))[0])
    for page in (client.get(url(number, f"?confirm_job={job.id.hex}")), client.get(url(number, "/print"))):
        text = page.get_data(as_text=True)
        assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text


def test_each_job_line_has_a_tag_to_print(client, advisor, number):
    add_job(client, number, description="更换机油", sold_hours="0.5", price="120")
    page = client.get(url(number)).get_data(as_text=True)
    assert f'action="/print/job_tag/{number}/1"' in page
    answer = client.post(f"/print/job_tag/{number}/1", data={"station": "reception", "label": "Print"}, headers=HX)
    assert answer.status_code == 200
    tag = client.get(f"/print/job_tag/{number}/1")
    assert tag.status_code == 200 and f"{number}/1" in tag.get_data(as_text=True)
