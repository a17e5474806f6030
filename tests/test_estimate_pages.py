"""The estimate at reception, through the pages: catalogue searches, a package in one tap,
a part scanned on the page, the pad bound to what it shows, changes after the signature
shown line by line and signed again or declined, and the prints of each signed version."""
from __future__ import annotations

import json

import pytest

from kiosk.db import database
from kiosk.models import AuthorizationVersion, JobLine, PartLine, PartsRequest
from kiosk.services import customers, estimate, labour, packages, parts, stock, workorders
from tests.test_workorder_pages import signature_data_url

HX = {"HX-Request": "true"}


@pytest.fixture
def q(app):
    def run(fn):
        with app.app_context(), database.connection_context():
            return fn()
    return run


@pytest.fixture
def number(app, advisor, q):
    def make():
        labour.save_operation({"code": "BY-JY", "name": "保养机油", "hours": "0.5", "rate_customer": "300"})
        labour.save_operation({"code": "SL-DW", "name": "四轮定位", "hours": "0.8", "rate_customer": "350",
                               "rate_warranty": "200"})
        oil = parts.create_part("06L115562B", "机油滤清器", price="68", barcodes_=["6920000000017"])
        stock.receive(oil, 5)
        parts.create_part("5QD698151", "前刹车片", price="560")  # none in stock
        packages.save_package("LAVIDA-10K", "朗逸 1万公里保养", [{"kind": "labour", "code": "BY-JY"},
                                                          {"kind": "part", "part_no": "06L115562B"}],
                              model="大众 朗逸", interval_km=10000)
        customer = customers.find_or_create_customer("李先生", "13812345678")
        vehicle = customers.create_vehicle(customer, "沪A12345", model="大众 朗逸", mileage=9800)
        return workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="保养").number
    return q(make)


def url(number, tail=""):
    return f"/reception/work-orders/{number}{tail}"


def test_catalogue_searches_and_a_package_build_the_estimate(client, number, q):
    page = client.get(url(number)).get_data(as_text=True)
    assert 'data-package="LAVIDA-10K"' in page and "¥ 218.00" in page  # 0.5 h × 300 + 68
    found = client.get(url(number, "/labour-search?q=sldw&pay_type=warranty"), headers=HX).get_data(as_text=True)
    assert 'data-operation="SL-DW"' in found and "¥ 160.00" in found  # 0.8 h × the warranty rate
    assert "Nothing in the labour catalogue" in client.get(url(number, "/labour-search?q=zzz")).get_data(as_text=True)
    response = client.post(url(number, "/packages/LAVIDA-10K"), headers=HX)
    assert response.status_code == 200 and "Package added: 朗逸 1万公里保养." in response.get_data(as_text=True)
    assert json.loads(response.headers["HX-Trigger"])["workorder-changed"] is True
    response = client.post(url(number, "/jobs"), data={"operation": "SL-DW", "pay_type": "warranty"}, headers=HX)
    assert response.status_code == 200 and "四轮定位" in response.get_data(as_text=True)
    found = client.get(url(number, "/part-search?q=刹车"), headers=HX).get_data(as_text=True)
    assert 'data-part-no="5QD698151"' in found and "Not in stock: to order" in found
    assert "In stock: 5.00" in client.get(url(number, "/part-search?q=6920000000017")).get_data(as_text=True)
    response = client.post(url(number, "/parts"), data={"part_no": "5QD698151", "qty": "1", "pay_type": "customer"},
                           headers=HX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "前刹车片" in fragment and "To order" in fragment
    assert q(lambda: workorders.totals(workorders.get_by_number(number))["total"]) == 218 + 160 + 560
    assert q(lambda: PartsRequest.get().part_no) == "5QD698151"  # on the parts counter's ordering list
    response = client.post(url(number, "/parts"), data={"part_no": "NOPE-9", "qty": "1"}, headers=HX)
    assert response.status_code == 422 and 'id="parts-part_no-error"' in response.get_data(as_text=True)


def test_a_part_scanned_on_the_page_joins_the_estimate(client, number, q):
    page = client.get(url(number)).get_data(as_text=True)
    assert f'data-scan-url="/reception/work-orders/{number}/scan"' in page
    response = client.post(url(number, "/scan"), data={"code": "6920000000017", "source": "wedge"}, headers=HX)
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#parts"
    assert "Part added: 06L115562B 机油滤清器." in response.get_data(as_text=True)
    line = q(lambda: PartLine.get())
    assert (line.description, line.unit_price, line.to_order) == ("机油滤清器", 68, False)
    response = client.post(url(number, "/scan"), data={"code": "ADV-404", "source": "wedge"}, headers=HX)
    assert json.loads(response.headers["HX-Trigger"])["feedback"] == "bad"


def test_the_pad_is_bound_to_what_it_shows_and_changes_wait_for_it(app, client, number, q):
    client.post(url(number, "/packages/LAVIDA-10K"), headers=HX)
    pad = client.get(url(number, "/section/signature"), headers=HX).get_data(as_text=True)
    shown = q(lambda: estimate.state(workorders.get_by_number(number)).current_hash)
    assert f'name="estimate_hash" value="{shown}"' in pad and "¥ 218.00" in pad
    # Seen: two lines added without a reload, the customer signed the old total.
    client.post(url(number, "/jobs"), data={"operation": "SL-DW"}, headers=HX)
    stale = client.post(url(number, "/authorize"), headers=HX,
                        data={"signature": signature_data_url(), "estimate_hash": shown, "signer": "李先生"})
    assert stale.status_code == 409 and "changed while the customer was signing" in stale.get_data(as_text=True)
    assert q(lambda: AuthorizationVersion.select().count()) == 0
    summary = client.get(url(number, "/section/sign_summary"), headers=HX).get_data(as_text=True)
    assert "¥ 498.00" in summary  # the summary refreshes itself with the new total
    fresh_hash = q(lambda: estimate.state(workorders.get_by_number(number)).current_hash)
    signed = client.post(url(number, "/authorize"), headers=HX,
                         data={"signature": signature_data_url(), "estimate_hash": fresh_hash, "signer": "李太太"})
    assert signed.status_code == 200 and "Version 1, ¥ 498.00, signed by 李太太" in signed.get_data(as_text=True)

    job = q(lambda: JobLine.get(JobLine.operation == "SL-DW"))
    response = client.post(url(number, f"/jobs/{job.id.hex}/edit"), data={"sold_hours": "1", "price": "400",
                                                                           "pay_type": "customer"}, headers=HX)
    assert response.status_code == 200 and "Changed: waiting for the signature" in response.get_data(as_text=True)
    section = client.get(url(number, "/section/signature"), headers=HX).get_data(as_text=True)
    assert "Waiting for re-authorization" in section and 'data-change="changed"' in section
    assert "hours 0.80 → 1.00" in section and "¥ 280.00" in section and "¥ 400.00" in section
    assert 'data-total="old">¥ 498.00' in section and 'data-total="new">¥ 618.00' in section
    assert "Customer declines the changes…" in section
    confirm = client.get(url(number, "/section/signature?confirm_decline=1"), headers=HX).get_data(as_text=True)
    assert "Yes, the customer declines" in confirm and "data-signature-pad" not in confirm
    declined = client.post(url(number, "/decline-changes"), data={"note": "太贵"}, headers=HX)
    assert declined.status_code == 200 and "declined the changes" in declined.get_data(as_text=True)
    assert q(lambda: JobLine.get_by_id(job.id).price) == 280
    assert client.post(url(number, "/decline-changes"), headers=HX).status_code == 409

    client.post(url(number, f"/jobs/{job.id.hex}/edit"), data={"price": "300"}, headers=HX)
    client.post(url(number, "/authorize"), headers=HX, data={"signature": signature_data_url()})
    estimate_page = client.get(url(number, "/estimate")).get_data(as_text=True)
    assert 'data-version="2"' in estimate_page and "Amended: replaces version 1" in estimate_page
    assert "¥ 518.00" in estimate_page and "Changes against version 1" in estimate_page
    first = client.get(url(number, "/estimate?version=1")).get_data(as_text=True)
    assert 'data-version="1"' in first and "¥ 498.00" in first and "李太太" in first
    assert client.get(url(number, "/estimate?version=9")).status_code == 404
    client.post(url(number, "/jobs"), data={"description": "洗车", "sold_hours": "0.2", "price": "50"}, headers=HX)
    a4 = client.get(url(number, "/print")).get_data(as_text=True)
    # The A4 carries the signed version's total and lists the change still waiting.
    assert 'data-total="total">¥ 518.00' in a4 and "Changes waiting for the customer" in a4 and "洗车" in a4
    page = client.get(url(number)).get_data(as_text=True)
    assert "Signed versions" in page and "Amended" in page and 'data-flag="reauthorization"' not in page


def test_extra_work_is_quoted_then_signed_or_declined(app, client, number, q, make_staff):
    from kiosk.services import authorization, extrawork

    tech = make_staff("technician", name="张伟", badge="TEC-001")

    def setup():
        order = workorders.get_by_number(number)
        workorders.add_job(order, operation="BY-JY")
        authorization.authorize(order, "a" * 64)
        return extrawork.propose(workorders.get_by_number(number), tech, "右前减震器漏油", "1.5",
                                 photo=_jpeg(), folder=app.config["BLOB_FOLDER"])
    job = q(setup)
    section = client.get(url(number, "/extra-work"), headers=HX).get_data(as_text=True)
    assert "右前减震器漏油" in section and "/bay/photos/" in section and "Save the quote" in section
    refused = client.post(url(number, "/authorize"), headers=HX, data={"signature": signature_data_url()})
    assert refused.status_code == 409 and "its hours and labour price" in refused.get_data(as_text=True)
    bad = client.post(url(number, f"/extra-work/{job.id.hex}/price"), data={"price": "lots"}, headers=HX)
    assert bad.status_code == 422 and "Enter a number." in bad.get_data(as_text=True)
    quoted = client.post(url(number, f"/extra-work/{job.id.hex}/price"), data={"sold_hours": "1.5", "price": "420"},
                         headers=HX)
    assert quoted.status_code == 200 and "Quote saved" in quoted.get_data(as_text=True)
    confirm = client.get(url(number, f"/extra-work?confirm={job.id.hex}"), headers=HX).get_data(as_text=True)
    assert "Yes, the customer declines" in confirm
    signed = client.post(url(number, "/authorize"), headers=HX, data={"signature": signature_data_url()})
    assert signed.status_code == 200 and q(lambda: JobLine.get_by_id(job.id).authorization) == "approved"
    assert q(lambda: workorders.get_by_number(number).status) == "in_repair"  # back from waiting


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_check_in_photos_and_the_check_in_signature(app, client, number, q):
    response = client.post(url(number, "/photos"), data={"photo": (__import__("io").BytesIO(_jpeg()), "a.jpg")},
                           headers=HX, content_type="multipart/form-data")
    assert response.status_code == 200 and "Photo added." in response.get_data(as_text=True)
    from kiosk.models import CheckInPhoto, CheckInSignature

    photo = q(lambda: CheckInPhoto.get())
    with client.get(f"/reception/photos/{photo.photo}.jpg") as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
    bad = client.post(url(number, "/photos"), data={"photo": (__import__("io").BytesIO(b"nope"), "a.jpg")},
                      headers=HX, content_type="multipart/form-data")
    assert bad.status_code == 422 and "not a photo" in bad.get_data(as_text=True)
    assert client.post(url(number, f"/photos/{photo.id.hex}/remove"), headers=HX).status_code == 200
    assert q(lambda: CheckInPhoto.get_by_id(photo.id).deleted) is True
    signed = client.post(url(number, "/check-in-signature"), data={"signature": signature_data_url()}, headers=HX)
    assert signed.status_code == 200 and "Check-in record signed by 李先生" in signed.get_data(as_text=True)
    assert json.loads(q(lambda: CheckInSignature.get().snapshot))["mileage"] == 9800
    q(lambda: workorders.move(workorders.get_by_number(number), "cancelled"))
    late = client.post(url(number, "/photos"), data={"photo": (__import__("io").BytesIO(_jpeg()), "a.jpg")},
                       headers=HX, content_type="multipart/form-data")
    assert late.status_code == 409


def test_vehicle_history_on_the_order(client, number, q):
    from kiosk.services import campaigns

    def setup():
        order = workorders.get_by_number(number)
        campaigns.record(order.vehicle.vin or "LSVAB4BG1DN123456", "RECALL-ECU", "发动机控制单元软件升级")
        return order
    order = q(setup)
    history = client.get(url(number, "/history"), headers=HX).get_data(as_text=True)
    assert "Earlier visits" in history and "No earlier visits on file." in history
    assert ("RECALL-ECU" in history) == bool(order.vehicle.vin)
