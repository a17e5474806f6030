"""The chain after the workshop over the API alone: a fresh order from authorization to
delivery (finish, QC, washed, bill, settlement, payments, delivery), and the refusals."""
from __future__ import annotations

import pytest

from tests.support import cashier, chain


@pytest.fixture
def call(api):
    def do(method, path, body=None, expect=200):
        answer = api(method.lower(), path, json=body) if body is not None else api(method.lower(), path)
        assert answer.status_code == expect, answer.get_data(as_text=True)
        return answer.json

    chain.make_staff(do)
    return do


def test_a_fresh_order_goes_from_authorization_to_delivery_through_the_api(call):
    number = chain.to_ready(call)
    bill = call("GET", f"/work-orders/{number}/bill")
    assert bill["lines"] == [{"kind": "labour", "code": "", "description": "更换机油机滤", "qty": 1, "unit_price": 240,
                              "amount": 240, "tax": 27.61, "payer": "customer"}]
    assert bill["by_payer"] == {"customer": 240, "warranty": 0, "insurance": 0, "internal": 0}
    assert (bill["customer_due"], bill["paid"], bill["balance"], bill["settlement"]) == (240, 0, 240, None)

    call("POST", f"/work-orders/{number}/payments", {"badge": "CSH-001", "amount": 100, "method": "cash"}, 201)
    refused = call("POST", f"/work-orders/{number}/delivery", {"badge": "CSH-001"}, 409)
    assert "settle" in refused["detail"]["message"]
    settled = call("POST", f"/work-orders/{number}/settlement",
                   {"badge": "CSH-001", "discount": 20, "reason": "会员"}, 201)
    assert settled["number"].startswith("JS-R1-") and settled["customer_due"] == 220 and settled["balance"] == 120
    assert settled["settlement"]["number"] == settled["number"]
    call("POST", f"/work-orders/{number}/settlement", {"badge": "CSH-001"}, 409)  # settled once

    assert call("POST", f"/work-orders/{number}/delivery", {"badge": "CSH-001"}, 409)["error"] == "conflict"
    paid = call("POST", f"/work-orders/{number}/payments",
                {"badge": "CSH-001", "amount": "120.00", "method": "wechat", "reference": "WX1"}, 201)
    assert paid == {"paid": 220, "balance": 0}
    done = call("POST", f"/work-orders/{number}/delivery",
                {"badge": "ADV-001", "next_service": {"mileage": 36000}}, 201)
    assert done["on_time"] is True and done["next_service"]["mileage"] == 36000
    assert call("GET", f"/work-orders/{number}")["status"] == "delivered"


def test_settling_before_qc_is_refused_and_a_refund_needs_a_manager(call):
    number = call("POST", "/work-orders", chain.order_body(5), 201)["number"]
    call("POST", f"/work-orders/{number}/qc", {"badge": "QC-001", "result": "pass"}, 409)
    call("POST", f"/work-orders/{number}/washed", {"badge": "QC-001"}, 409)
    call("POST", f"/work-orders/{number}/settlement", {"badge": "CSH-001"}, 409)
    call("POST", f"/work-orders/{number}/payments", {"badge": "CSH-001", "amount": 50, "method": "cash"}, 201)
    refund = {"badge": "CSH-001", "amount": -50, "method": "cash"}
    assert call("POST", f"/work-orders/{number}/payments", refund, 403)["detail"]["field"] == "approver"
    assert call("POST", f"/work-orders/{number}/payments", {**refund, "approver": "MGR-001"}, 201)["paid"] == 0


def test_a_discount_above_the_limit_needs_the_approver(call):
    number = chain.to_ready(call, 2)
    body = {"badge": "CSH-001", "discount": 48, "reason": "老客户"}
    call("POST", f"/work-orders/{number}/settlement", body, 403)
    assert call("POST", f"/work-orders/{number}/settlement", {**body, "approver": "MGR-001"}, 201)["customer_due"] == 192


def test_a_comeback_names_an_earlier_order_of_the_same_vehicle(call):
    first = call("POST", "/work-orders", chain.order_body(3), 201)["number"]
    again = call("POST", "/work-orders", {**chain.order_body(3), "comeback_of": first}, 201)["number"]
    assert again != first
    wrong = call("POST", "/work-orders", {**chain.order_body(4), "comeback_of": first}, 400)
    assert wrong["detail"]["field"] == "comeback_of"


@pytest.mark.parametrize("path, body", [
    ("payments", {"badge": "CSH-001", "amount": "abc", "method": "cash"}),
    ("payments", {"badge": "CSH-001", "amount": 10, "method": "bitcoin"}),
    ("payments", {"badge": "CSH-001", "amount": True, "method": "cash"}),
    ("payments", {"amount": 10, "method": "cash"}),
    ("settlement", {"badge": "CSH-001", "discount": "lots"}),
    ("settlement", {"badge": "CSH-001", "old_parts": "sold"}),
    ("delivery", {"badge": "CSH-001", "next_service": {"date": "tomorrow"}}),
    ("delivery", {"badge": "CSH-001", "next_service": "soon"}),
    ("qc", {"badge": "QC-001", "result": "maybe"}),
    ("qc", {"badge": "QC-001", "result": "fail", "jobs": [1]}),
])
def test_a_malformed_body_is_a_400_never_a_500(call, path, body):
    number = chain.to_ready(call, 9)
    answer = call("POST", f"/work-orders/{number}/{path}", body, 400)
    assert answer["error"] in ("invalid", "invalid_json") and answer["detail"]


def test_the_wrong_badge_is_refused(call):
    number = chain.to_ready(call, 8)
    call("POST", f"/work-orders/{number}/settlement", {"badge": "TEC-001"}, 403)
    call("POST", f"/work-orders/{number}/settlement", {"badge": "NOBODY"}, 404)
    call("POST", f"/work-orders/{number}/qc", {"badge": "CSH-001", "result": "pass"}, 403)


def test_an_unknown_order_and_a_bad_promise(call):
    assert call("GET", "/work-orders/R1-20260101-9999/bill", expect=404)["error"] == "not_found"
    bad = call("POST", "/work-orders", {**chain.order_body(6), "promised_at": "next tuesday"}, 400)
    assert bad["detail"]["field"] == "promised_at"


def test_a_managers_correction_and_an_invoice_request_over_the_api(call):
    number = chain.to_ready(call, 7)
    call("POST", f"/work-orders/{number}/invoice-requests", {"badge": "CSH-001", "title": "张先生",
                                                             "personal": True}, 409)  # not settled yet
    first = call("POST", f"/work-orders/{number}/settlement", {"badge": "CSH-001"}, 201)
    body = {"badge": "CSH-001", "discount": 40, "reason": "补优惠"}
    call("POST", f"/work-orders/{number}/settlement/corrections", body, 400)  # no approver
    call("POST", f"/work-orders/{number}/settlement/corrections", {**body, "approver": "CSH-001"}, 403)
    fixed = call("POST", f"/work-orders/{number}/settlement/corrections", {**body, "approver": "MGR-001"}, 201)
    assert (fixed["number"], fixed["version"], fixed["customer_due"]) == (first["number"], 2, 200)
    call("POST", f"/work-orders/{number}/invoice-requests", {"badge": "CSH-001", "title": "某公司", "tax_no": "1"}, 400)
    asked = call("POST", f"/work-orders/{number}/invoice-requests",
                 {"badge": "CSH-001", "title": "上海某物流有限公司", "tax_no": "91310000MA1FL0AB3K"}, 201)
    assert (asked["kind"], asked["amount"], asked["settlement_number"]) == ("blue", 200, first["number"])


def test_a_warranty_part_returned_to_the_customer_is_refused(app, call):
    seal = cashier.part("5QD615123", "前制动片", price="380.00")
    order = cashier.ready_order(jobs=({"description": "制动片异响", "sold_hours": "1", "price": "0",
                                       "pay_type": "warranty"},), issue=[(seal, 1, 0)])
    path = f"/work-orders/{order.number}/settlement"
    refused = call("POST", path, {"badge": "CSH-001", "old_parts": "returned"}, 409)
    assert refused["error"] == "conflict" and "5QD615123" in refused["detail"]["message"]
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_Hans_CN"  # the store's default language (the tests' is English)
    again = call("POST", path, {"badge": "CSH-001", "old_parts": "returned"}, 409)["detail"]["message"]
    assert again == "保修旧件须留店交厂家，不能交给客户：5QD615123。"
    assert call("POST", path, {"badge": "CSH-001", "old_parts": "left"}, 201)["number"].startswith("JS-")
