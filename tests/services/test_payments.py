"""Payments as facts: several per order, the balance computed, refunds need a manager and
queue a red-letter invoice, paying on account only with credit; invoices exported; the day's close."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.models import InvoiceRequest
from kiosk.services import dayclose, invoices, payments, settlement
from tests.support.cashier import ready_order


@pytest.fixture
def cashier(make_staff):
    return make_staff("cashier", name="郑收银")


@pytest.fixture
def manager(make_staff):
    return make_staff("manager", name="周经理")


@pytest.mark.postgres  # a hub on PostgreSQL settles and takes money the same way
def test_a_deposit_and_the_rest_by_two_methods(db, cashier):
    order = ready_order([{"description": "保养", "sold_hours": "1", "price": "500"}])
    payments.pay(order, cashier, "100", "cash")  # the deposit, before settling
    assert payments.account(order)["balance"] == Decimal("400")
    settlement.settle(order, cashier)
    payments.pay(order, cashier, "250", "wechat", reference="WX123")
    payments.pay(order, cashier, "150.00", "unionpay")
    money = payments.account(order)
    assert (money["paid"], money["balance"]) == (Decimal("500"), Decimal("0"))
    assert payments.overpaid() == []


@pytest.mark.parametrize("amount", ["abc", "0", "1.234", "NaN", "Infinity", ""])
def test_a_bad_amount_is_refused_and_nothing_is_written(db, cashier, amount):
    order = ready_order()
    with pytest.raises(ServiceError) as refused:
        payments.pay(order, cashier, amount, "cash")
    assert refused.value.field == "amount" and payments.payments_of(order) == []


def test_an_unknown_method_is_refused(db, cashier):
    with pytest.raises(ServiceError) as refused:
        payments.pay(ready_order(), cashier, "10", "bitcoin")
    assert refused.value.field == "method"


def test_a_refund_needs_a_manager_and_queues_a_red_letter_invoice(db, cashier, manager):
    order = ready_order([{"description": "保养", "sold_hours": "1", "price": "500"}])
    settlement.settle(order, cashier)
    payments.pay(order, cashier, "600", "alipay")
    assert payments.overpaid() == [(order, Decimal("100"))]
    invoices.request(order, cashier, title="上海某物流有限公司", tax_no="91310000MA1FL0AB3K")
    with pytest.raises(ServiceError) as refused:
        payments.pay(order, cashier, "-100", "alipay")
    assert refused.value.status == 403
    payments.pay(order, cashier, "-100", "alipay", approver=manager)
    assert payments.account(order)["balance"] == 0 and payments.overpaid() == []
    red = InvoiceRequest.get(InvoiceRequest.kind == "red")
    assert red.amount == Decimal("-100") and red.title == "上海某物流有限公司"


def test_paying_on_account_only_for_customers_with_credit(db, cashier, manager):
    order = ready_order()
    settlement.settle(order, cashier)
    with pytest.raises(ServiceError) as refused:
        payments.pay(order, cashier, "200", "account")
    assert refused.value.status == 409
    with pytest.raises(ServiceError):
        payments.allow_credit(order.customer, cashier)
    payments.allow_credit(order.customer, manager, note="车队月结")
    payments.pay(order, cashier, "200", "account")
    assert payments.account(order)["balance"] == 0


def test_invoice_requests_check_the_buyer_and_export_in_one_format(db, cashier):
    order = ready_order()
    with pytest.raises(ServiceError):
        invoices.request(order, cashier, title="张先生", personal=True)  # not settled yet
    settled = settlement.settle(order, cashier)
    with pytest.raises(ServiceError) as bad_tax:
        invoices.request(order, cashier, title="某公司", tax_no="123")
    assert bad_tax.value.field == "tax_no"
    with pytest.raises(ServiceError):
        invoices.request(order, cashier, title="张先生", personal=True, amount="1000")
    invoices.request(order, cashier, title="张先生", personal=True)
    rows = list(csv.reader(io.StringIO(invoices.export_csv().decode("utf-8-sig"))))
    assert rows[0] == list(invoices.COLUMNS)
    assert rows[1][1:] == [order.number, settled.number, "blue", "1", "张先生", "", "customer", "200.00"]
    sheet = load_workbook(io.BytesIO(invoices.export_xlsx())).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(invoices.COLUMNS) and values[1][5] == "张先生" and values[1][8] == 200.0


@pytest.mark.postgres
def test_the_day_close_counts_cash_against_cash_payments(db, cashier, manager):
    order = ready_order([{"description": "保养", "sold_hours": "1", "price": "500"}])
    settlement.settle(order, cashier)
    payments.pay(order, cashier, "300", "cash")
    payments.pay(order, cashier, "200", "wechat")
    payments.pay(order, cashier, "-20", "cash", approver=manager)
    today = times.today()
    totals = dayclose.takings(today)
    assert (totals["cash"], totals["wechat"], totals["alipay"]) == (Decimal("280"), Decimal("200"), Decimal("0"))
    closed = dayclose.close(cashier, today, "275.50", note="少5.5元")
    assert (closed.cash_expected, closed.cash_counted) == (Decimal("280"), Decimal("275.50"))
    with pytest.raises(ServiceError):
        dayclose.close(cashier, today, "abc")
    assert dayclose.closes(today)[0].id == closed.id


def test_the_insurer_pays_its_share_directly_while_the_customer_pays_the_rest(db, cashier):
    order = ready_order([{"description": "钣金喷漆", "sold_hours": "3", "price": "1500", "pay_type": "insurance"},
                         {"description": "洗车打蜡", "sold_hours": "1", "price": "120"}])
    settlement.settle(order, cashier)
    payments.pay(order, cashier, "120", "wechat")
    payments.pay(order, cashier, "1500", "transfer", reference="平安直赔 PA-0001", payer="insurance")
    assert payments.account(order)["balance"] == 0
    insurer = payments.payer_account(order, "insurance")
    assert (insurer["due"], insurer["paid"], insurer["balance"]) == (Decimal("1500"), Decimal("1500"), Decimal("0"))
    assert payments.payer_account(order, "warranty")["due"] == 0
