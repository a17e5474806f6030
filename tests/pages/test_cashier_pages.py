"""The cashier's pages: the queue, scanning a tag or typing a plate, settling, payments,
the invoice request, the day-end close, the exports, the settlement list; the delivery
checklist at reception or the cashier."""
from __future__ import annotations

import csv
import io
import json

import pytest

from kiosk.db import connected
from kiosk.models import Delivery, InvoiceRequest, Payment, WorkOrder
from kiosk.services import insurance, settlement
from tests.support.bay import signature
from tests.support.cashier import part, ready_order

HX = {"HX-Request": "true"}


@pytest.fixture
def cashier(make_staff, login):
    return login(make_staff("cashier", name="郑收银", badge="CSH-101"))


@pytest.fixture
def order(app, cashier):
    with app.app_context(), connected():
        return ready_order(issue=[(part(), 1, 0)], plate="沪A·P1234")


def form(client, url, **data):
    return client.post(url, data=data, headers=HX)


def test_the_queue_lists_the_ready_order_and_a_scan_opens_its_bill(client, order):
    page = client.get("/cashier/").get_data(as_text=True)
    assert order.number in page and "沪AP1234" in page and "Today's takings" in page
    scanned = form(client, "/cashier/scan", code=order.number, source="wedge")
    assert scanned.headers["HX-Redirect"] == f"/cashier/orders/{order.number}"
    typed = form(client, "/cashier/scan", code="P1234", source="typed")
    assert typed.headers["HX-Redirect"] == f"/cashier/orders/{order.number}"
    unknown = form(client, "/cashier/scan", code="京Z99999", source="typed")
    assert "京Z99999" in unknown.get_data(as_text=True) and unknown.headers["HX-Reswap"] == "none"
    bill = client.get(f"/cashier/orders/{order.number}").get_data(as_text=True)
    assert "机油滤清器" in bill and "更换机油机滤" in bill and "268.00" in bill


def test_settling_with_a_discount_above_the_limit_needs_a_managers_badge_and_pin(client, app, order, make_staff):
    make_staff("manager", name="周经理", badge="MGR-101", pin="9911")
    url = f"/cashier/orders/{order.number}/settle"
    refused = form(client, url, discount="50", reason="老客户", old_parts="returned", repair_type="maintenance")
    assert refused.status_code == 403 and "manager" in refused.get_data(as_text=True)
    wrong_pin = form(client, url, discount="50", reason="老客户", approver_badge="MGR-101", approver_pin="0000")
    assert wrong_pin.status_code in (401, 403, 422)
    done = form(client, url, discount="50", reason="老客户", old_parts="returned", repair_type="maintenance",
                approver_badge="MGR-101", approver_pin="9911")
    assert done.status_code == 200 and "settlement-changed" in done.headers["HX-Trigger"]
    with app.app_context(), connected():
        settled = settlement.current(order)
        assert (settled.discount, settled.old_parts) == (50, "returned")
        assert WorkOrder.get_by_id(order.id).repair_type == "maintenance"
    sheet = client.get(f"/cashier/orders/{order.number}/settlement-list").get_data(as_text=True)
    assert "Vehicle repair settlement list" in sheet and settled.number in sheet
    assert "Level-2 maintenance: 5,000 km or 30 days" in sheet and "Returned to the customer" in sheet


def test_a_deposit_then_the_rest_by_two_methods_and_bad_amounts(client, app, order):
    url = f"/cashier/orders/{order.number}/payments"
    bad = form(client, url, amount="十块", method="cash")
    assert bad.status_code == 422 and "Enter the amount" in bad.get_data(as_text=True)
    assert form(client, url, amount="100", method="cash").status_code == 200
    form(client, f"/cashier/orders/{order.number}/settle", old_parts="none")
    assert form(client, url, amount="100", method="wechat", reference="WX9").status_code == 200
    page = form(client, url, amount="68", method="unionpay").get_data(as_text=True)
    assert "0.00" in page
    with app.app_context(), connected():
        assert sorted(p.method for p in Payment.select()) == ["cash", "unionpay", "wechat"]
    queue = client.get("/cashier/").get_data(as_text=True)
    assert "100.00" in queue  # today's cash


def test_the_invoice_request_and_the_exports(client, app, order):
    form(client, f"/cashier/orders/{order.number}/settle", old_parts="none")
    refused = form(client, f"/cashier/orders/{order.number}/invoice", title="某公司", tax_no="12")
    assert refused.status_code == 422 and "tax number" in refused.get_data(as_text=True)
    assert form(client, f"/cashier/orders/{order.number}/invoice", title="张先生", personal="1").status_code == 200
    with app.app_context(), connected():
        assert InvoiceRequest.select().count() == 1
    rows = list(csv.reader(io.StringIO(client.get("/cashier/exports/invoices.csv").data.decode("utf-8-sig"))))
    assert rows[1][5] == "张先生"
    assert client.get("/cashier/exports/invoices.xlsx").data[:2] == b"PK"
    lines = client.get("/cashier/exports/ehealth.jsonl").data.decode("utf-8").splitlines()
    assert json.loads(lines[0])["parts"][0]["part_no"] == "06L115562B"
    assert client.get("/cashier/exports/ehealth.jsonl?since=2099-01-01").data == b""
    assert client.get("/cashier/exports/invoices.csv?since=someday").status_code == 400


def test_the_day_end_close(client, order):
    form(client, f"/cashier/orders/{order.number}/payments", amount="100", method="cash")
    bad = form(client, "/cashier/close", counted="lots")
    assert bad.status_code == 422
    page = form(client, "/cashier/close", counted="95").get_data(as_text=True)
    assert "95.00" in page and "-5.00" in page


def test_delivery_with_the_checklist_and_signature(client, app, order):
    form(client, f"/cashier/orders/{order.number}/settle", old_parts="left")
    url = f"/delivery/{order.number}"
    assert "268.00" in client.get(url).get_data(as_text=True)  # the balance stops the handover
    form(client, f"/cashier/orders/{order.number}/payments", amount="268", method="alipay")
    with app.app_context(), connected():
        jobs = [j.id.hex for j in order.jobs]
    unsigned = form(client, url, explained=jobs, findings_shown="1", old_parts_shown="1")
    assert unsigned.status_code == 422 and "signature is missing" in unsigned.get_data(as_text=True)
    unexplained = form(client, url, findings_shown="1", old_parts_shown="1", signature=signature())
    assert unexplained.status_code == 422
    done = form(client, url, explained=jobs, findings_shown="1", old_parts_shown="1", signature=signature(),
                next_mileage="36000")
    assert done.status_code == 200 and "Print the gate pass" in done.get_data(as_text=True)
    with app.app_context(), connected():
        handed = Delivery.get(Delivery.work_order == order)
        assert handed.next_service_mileage == 36000 and handed.signature
        assert WorkOrder.get_by_id(order.id).status == "delivered"


def test_who_may_use_the_cashier_and_delivery(client, make_staff, login):
    login(make_staff("technician"))
    assert client.get("/cashier/").status_code == 403
    assert client.get("/delivery/").status_code == 403
    login(make_staff("advisor"))
    assert client.get("/delivery/").status_code == 200
    assert client.get("/cashier/").status_code == 403


def test_the_manager_sets_the_cashier_rules_never_below_the_law(client, app, make_staff, login):
    login(make_staff("manager"))
    assert "guarantee_major_days" in client.get("/cashier/settings").get_data(as_text=True)
    short = client.post("/cashier/settings", data={"guarantee_minor_days": "5"})
    assert short.status_code == 422 and "10" in short.get_data(as_text=True)
    assert client.post("/cashier/settings", data={"vat_percent": "9", "guarantee_minor_days": "15"}).status_code == 200
    with app.app_context(), connected():
        from kiosk.services import cashier_settings
        assert cashier_settings.get("vat_percent") == "9" and cashier_settings.guarantee("minor") == (2000, 15)


def test_a_correction_by_the_manager_reverses_and_settles_a_new_version(client, app, order, make_staff):
    make_staff("manager", name="周经理", badge="MGR-102", pin="9912")
    form(client, f"/cashier/orders/{order.number}/settle", old_parts="none")
    url = f"/cashier/orders/{order.number}/correct"
    assert form(client, url, discount="10", reason="补优惠").status_code == 403
    done = form(client, url, discount="10", reason="补优惠", approver_badge="MGR-102", approver_pin="9912")
    assert done.status_code == 200
    with app.app_context(), connected():
        live = settlement.current(order)
        assert (live.version, live.customer_due) == (2, 258)


def test_an_order_settled_twice_shows_on_the_queue(client, app, order, cashier):
    from kiosk.db import transaction
    from kiosk.models import Settlement
    from sync import changelog

    form(client, f"/cashier/orders/{order.number}/settle", old_parts="none")
    with app.app_context(), connected():
        first = settlement.current(order)
        with transaction():
            changelog.save(Settlement(work_order=order, number="JS-B1-20261202-0009", at=first.at, bill=first.bill,
                                      total=first.total, customer_due=first.customer_due))
    page = client.get("/cashier/").get_data(as_text=True)
    assert "Settled twice offline" in page and order.number in page


def test_a_bad_date_or_mileage_at_delivery_is_refused_with_its_message(client, app, order):
    form(client, f"/cashier/orders/{order.number}/settle", old_parts="none")
    form(client, f"/cashier/orders/{order.number}/payments", amount="268", method="cash")
    with app.app_context(), connected():
        jobs = [j.id.hex for j in order.jobs]
    base = {"explained": jobs, "findings_shown": "1", "old_parts_shown": "1", "signature": signature()}
    bad_day = form(client, f"/delivery/{order.number}", next_date="someday", **base)
    assert bad_day.status_code == 422 and "YYYY-MM-DD" in bad_day.get_data(as_text=True)
    bad_km = form(client, f"/delivery/{order.number}", next_mileage="lots", **base)
    assert bad_km.status_code == 422 and "whole kilometres" in bad_km.get_data(as_text=True)
    with app.app_context(), connected():
        assert WorkOrder.get_by_id(order.id).status == "settled"


def test_a_manager_allows_the_customer_to_pay_on_account(client, app, order, make_staff):
    make_staff("manager", name="周经理", badge="MGR-103", pin="9913")
    url = f"/cashier/orders/{order.number}"
    assert form(client, f"{url}/payments", amount="268", method="account").status_code == 409
    assert form(client, f"{url}/credit", approver_badge="", note="月结").status_code == 403
    allowed = form(client, f"{url}/credit", approver_badge="MGR-103", approver_pin="9913", note="月结")
    assert allowed.status_code == 200 and 'value="account"' in allowed.get_data(as_text=True)
    assert form(client, f"{url}/payments", amount="268", method="account").status_code == 200


def test_the_command_line_writes_the_same_files_as_the_buttons(client, app, order, tmp_path):
    from click.testing import CliRunner

    from kiosk.cli import main

    form(client, f"/cashier/orders/{order.number}/settle", old_parts="none")
    form(client, f"/cashier/orders/{order.number}/invoice", title="张先生", personal="1")
    db = app.config["DATABASE"]
    for what, name, url in (("invoices", "i.csv", "/cashier/exports/invoices.csv"),
                            ("ehealth", "e.jsonl", "/cashier/exports/ehealth.jsonl")):
        done = CliRunner().invoke(main, ["export", what, "--db", db, "--out", str(tmp_path / name)])
        assert done.exit_code == 0, done.output
        assert (tmp_path / name).read_bytes() == client.get(url).data
    wrong = CliRunner().invoke(main, ["export", "ehealth", "--db", db, "--out", str(tmp_path / "e.csv")])
    assert wrong.exit_code != 0 and ".jsonl" in wrong.output
    bad_day = CliRunner().invoke(main, ["export", "invoices", "--db", db, "--out", str(tmp_path / "i.csv"),
                                        "--since", "someday"])
    assert bad_day.exit_code != 0 and "YYYY-MM-DD" in bad_day.output


def test_each_payer_gets_its_own_settlement_document(client, app, cashier):
    with app.app_context(), connected():
        order = ready_order([{"description": "钣金喷漆", "sold_hours": "3", "price": "1500", "pay_type": "insurance"},
                             {"description": "洗车打蜡", "sold_hours": "1", "price": "120"}])
        order.insurer, order.insurance_claim_no = "平安保险", "PA2026-0001"
        order.save()
    form(client, f"/cashier/orders/{order.number}/settle", old_parts="none")
    url = f"/cashier/orders/{order.number}/settlement-list"
    whole = client.get(url).get_data(as_text=True)
    assert "钣金喷漆" in whole and "洗车打蜡" in whole and "?payer=insurance" in whole
    insurer = client.get(f"{url}?payer=insurance").get_data(as_text=True)
    assert "钣金喷漆" in insurer and "洗车打蜡" not in insurer and "PA2026-0001" in insurer
    assert "Customer pays" not in insurer


def test_the_page_refuses_a_warranty_part_returned_and_shows_the_insurers_share(client, app, cashier, make_staff):
    with app.app_context(), connected():
        warranty = ready_order(jobs=({"description": "制动片异响", "sold_hours": "1", "price": "0",
                                      "pay_type": "warranty"},), issue=[(part("5QD615123", "前制动片"), 1, 0)])
        insured = ready_order(jobs=({"description": "前保险杠钣喷", "sold_hours": "6", "price": "3200",
                                     "pay_type": "insurance"},))
        case = insurance.open_case(insured, {"insurer": "平安保险", "report_no": "RPT-9", "excess": "500",
                                             "direct_billing": "1"})
        insurance.add_assessment(case, [{"kind": "replace", "description": "前保险杠", "store_amount": "3200",
                                         "assessed_amount": "2800"}], folder=app.config["BLOB_FOLDER"])
    refused = form(client, f"/cashier/orders/{warranty.number}/settle", old_parts="returned")
    assert refused.status_code == 409 and "5QD615123" in refused.get_data(as_text=True)
    unsigned = form(client, f"/cashier/orders/{insured.number}/settle", old_parts="none")
    assert unsigned.status_code == 409 and "assignment" in unsigned.get_data(as_text=True)
    bill = client.get(f"/cashier/orders/{insured.number}").get_data(as_text=True)
    assert "Insurer and customer shares" in bill and "Excess" in bill and "2,300.00" in bill
    with app.app_context(), connected():
        assert settlement.current(warranty) is None and settlement.current(insured) is None
