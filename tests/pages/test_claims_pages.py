"""The claims desk's pages through the test client: the list, building a claim, one claim
with its checks, the old-parts scans, the insurance case with a supplement, the 三包 watch,
the manufacturer's files; refusals read on the page, nothing lost; other roles kept out."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kiosk.core import times
from kiosk.db import connected
from kiosk.services import claim_checks, claims, findings, insurance, old_parts
from tests.support.claims import clock_hours, photo, sold_car, warranty_order


@pytest.fixture
def clerk(make_staff, login):
    return login(make_staff("claims", name="索赔员"))


@pytest.fixture
def order_job(app, make_staff):
    tech = make_staff("technician")
    with app.app_context(), connected():
        order, job = warranty_order(technician=tech)
        clock_hours(tech, job, 1)
    return order, job, tech


def test_build_a_claim_and_submit_it_from_the_pages(app, client, clerk, order_job):
    order, job, tech = order_job
    page = client.get(f"/claims/build?work_order={order.number}")
    assert page.status_code == 200 and job.id.hex in page.text
    built = client.post("/claims/build", data={"work_order": order.number, "job": job.id.hex})
    assert built.status_code == 302 and "/claims/c/CL-" in built.location
    number = built.location.rsplit("/", 1)[1]
    shown = client.get(f"/claims/c/{number}")
    assert 'data-code="photo_missing"' in shown.text and 'data-code="old_part_untagged"' in shown.text
    refused = client.post(f"/claims/c/{number}/submit", follow_redirects=True)
    assert "照片" in refused.text or "photo" in refused.text
    with app.app_context(), connected():
        assert claims.state(claims.get_by_number(number)) == "draft"
        findings.add_finding(job, tech, "", photo(), app.config["BLOB_FOLDER"])
    tagged = client.post(f"/claims/c/{number}/tag", data={"part_no": "5QD615123"}, follow_redirects=True)
    assert tagged.status_code == 200 and "<svg" in tagged.text  # no label printer set: the browser prints it
    assert client.post(f"/claims/c/{number}/submit").status_code == 302
    client.post(f"/claims/c/{number}/state", data={"state": "partly_approved", "amount": "800"})
    with app.app_context(), connected():
        claim = claims.get_by_number(number)
        assert claims.state(claim) == "partly_approved" and claims.approved_amount(claim) == Decimal("800")
    listing = client.get("/claims/?state=all")
    assert number in listing.text


def test_a_bad_form_keeps_the_claim_and_says_why(app, client, clerk, order_job):
    order, job, _tech = order_job
    with app.app_context(), connected():
        number = claims.build(order, job).number
    answer = client.post(f"/claims/c/{number}", data={"mileage": "lots", "failure_date": "yesterday",
                                                      "symptom_text": "刹车时方向盘抖动"})
    assert answer.status_code == 400 and 'id="claim-error"' in answer.text
    assert "刹车时方向盘抖动" in answer.text and 'value="lots"' in answer.text  # what was typed is kept
    assert client.post("/claims/build", data={"work_order": "NOPE", "job": "x"}).status_code == 302
    assert client.get("/claims/c/CL-NOPE").status_code == 302


def test_old_parts_scanned_into_the_store_and_a_shipment(app, client, clerk, order_job):
    order, job, _tech = order_job
    with app.app_context(), connected():
        claim = claims.build(order, job)
        tag = old_parts.tag(claim, "5QD615123")
    assert client.get("/claims/old-parts").status_code == 200
    client.post("/claims/old-parts/scan", data={"action": "store", "bin": "J-01", "code": tag.number})
    client.post("/claims/old-parts/shipment")
    client.post("/claims/old-parts/scan", data={"action": "ship", "code": tag.number})
    with app.app_context(), connected():
        where = old_parts.place(tag)
    assert where["where"] == "ship"
    packing = client.get(f"/claims/old-parts/shipments/{where['shipment']}")
    assert tag.number in packing.text
    again = client.post("/claims/old-parts/scan", data={"action": "store", "bin": "J-01", "code": tag.number},
                        follow_redirects=True)
    assert 'class="flash error"' in again.text


def test_an_insurance_case_with_a_supplement(app, client, clerk):
    with app.app_context(), connected():
        order, _job = warranty_order(issue=False)
    client.post("/claims/insurance", data={"work_order": order.number, "insurer": "人保财险", "report_no": "RDAA2026",
                                           "liability": "full", "excess": "300", "depreciation": "0"})
    data = {"kind0": "replace", "description0": "左前大灯", "store0": "1800", "assessed0": "1500"}
    client.post(f"/claims/insurance/{order.number}/assessments", data=data)
    supplement = {"kind0": "labour", "description0": "拆装前杠", "store0": "200", "assessed0": "200",
                  "photos": (io.BytesIO(photo()), "a.jpg")}
    client.post(f"/claims/insurance/{order.number}/assessments", data=supplement, content_type="multipart/form-data")
    page = client.get(f"/claims/insurance/{order.number}")
    assert "追加定损 1" in page.text or "Supplement 1" in page.text
    with app.app_context(), connected():
        assert insurance.insurer_share(order)["insurer"] == Decimal("1400")
    assert client.get(f"/claims/insurance/_?work_order={order.number}").status_code == 200
    assert client.get("/claims/insurance").status_code == 200


def test_the_sanbao_watch_and_the_files(app, client, clerk, order_job):
    order, job, _tech = order_job
    with app.app_context(), connected():
        car = sold_car(sold_on=times.today() - dt.timedelta(days=20))
        warranty_order(car, opened_at=times.utcnow() - dt.timedelta(days=7), issue=False)
    assert client.get("/claims/sanbao").status_code == 200
    page = client.get(f"/claims/sanbao?q={car.plate}")
    assert page.status_code == 200 and 'id="sanbao-watch"' in page.text
    files = client.get("/claims/files")
    assert files.status_code == 200
    nothing = client.post("/claims/files/export", data={"format": "xlsx"}, follow_redirects=True)
    assert 'class="flash error"' in nothing.text
    codes = client.post("/claims/files/codes", data={"file": (io.BytesIO(b"kind,code,text\nsymptom,S1,x\n"), "c.csv")},
                        content_type="multipart/form-data", follow_redirects=True)
    assert 'class="flash info"' in codes.text
    bad = client.post("/claims/files/answer", data={"file": (io.BytesIO(b"claim_no,result\nCL-X,approved\n"), "a.csv")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert 'class="flash error"' in bad.text


def test_an_exported_batch_downloads(app, client, clerk, order_job):
    order, job, tech = order_job
    with app.app_context(), connected():
        claim = claims.build(order, job)
        findings.add_finding(job, tech, "", photo(), app.config["BLOB_FOLDER"])
        old_parts.tag(claim, "5QD615123")
        claims.submit(claim)
    answer = client.post("/claims/files/export", data={"format": "xlsx"})
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(answer.data)).active["A2"].value == claim.number


def test_other_roles_are_kept_out(client, make_staff, login):
    login(make_staff("technician"))
    assert client.get("/claims/").status_code == 403


def test_the_order_shows_the_sanbao_warning(app, client, make_staff, login):
    login(make_staff("advisor"))
    with app.app_context(), connected():
        car = sold_car(sold_on=times.today() - dt.timedelta(days=200))
        for days_ago in (150, 100):
            warranty_order(car, opened_at=times.utcnow() - dt.timedelta(days=days_ago), issue=False)
        order, _job = warranty_order(car, issue=False)
    page = client.get(f"/reception/work-orders/{order.number}")
    assert page.status_code == 200 and 'id="sanbao"' in page.text
    assert "Repairs of the same fault 3 of 4" in page.text


def test_the_bay_tags_an_old_part_before_the_claim(app, client, make_staff):
    from kiosk.services import scanning

    scanning.debouncer._last.clear()
    tech = make_staff("technician", name="张伟", badge="TEC-009")
    client.post("/bay/scan", data={"code": "TEC-009", "source": "wedge"}, headers={"HX-Request": "true"})
    with app.app_context(), connected():
        order, job = warranty_order(technician=tech)
    page = client.get(f"/bay/orders/{order.number}")
    assert 'data-action="old-part-tag"' in page.text
    answer = client.post(f"/bay/jobs/{job.id.hex}/old-part-tag", data={"part_no": "5QD615123"},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "OPR1-" in answer.text  # made (the bay has no label printer here)
    with app.app_context(), connected():
        tag = old_parts.tags_of_job(job)[0]
        claim = claims.build(order, job)
        assert old_parts.tags_of(claim) == [tag]
        assert "old_part_untagged" not in [c["code"] for c in claim_checks.run(claim)]
    again = client.post(f"/bay/jobs/{job.id.hex}/old-part-tag", data={"part_no": "5QD615123"},
                        headers={"HX-Request": "true"})
    assert "tagged already" in again.text


def test_a_wrong_assessment_line_keeps_what_was_typed(app, client, clerk):
    with app.app_context(), connected():
        order, _job = warranty_order(issue=False)
    assert client.post("/claims/insurance", data={"work_order": order.number, "insurer": "",
                                                  "report_no": ""}).status_code == 400
    client.post("/claims/insurance", data={"work_order": order.number, "insurer": "太平洋保险", "report_no": "R-1",
                                           "liability": "main"})
    answer = client.post(f"/claims/insurance/{order.number}/assessments",
                         data={"kind0": "paint", "description0": "右后门喷漆", "store0": "800", "assessed0": "abc"})
    assert answer.status_code == 400 and 'id="case-error"' in answer.text
    assert "右后门喷漆" in answer.text and 'value="abc"' in answer.text
