"""The seams between the cashier (#12) and the claims desk (#14): a direct-billed insurance
repair settled by the one rule (the insurer's share, the customer's rest, the assignment
signed first, the insurer's payment clearing its receivable), and a warranty part that
never goes home with the customer through the settlement."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.core.errors import ServiceError
from kiosk.models import WorkOrder
from kiosk.services import billing, direct_billing, insurance, insurer_accounts, payments, settlement
from tests.support.aftersales import deliver_for_test
from tests.support.bay import signature
from tests.support.cashier import part, ready_order

REPAIR = ({"description": "前保险杠钣喷", "sold_hours": "6", "price": "3200", "pay_type": "insurance"},)


@pytest.fixture
def cashier(make_staff):
    return make_staff("cashier", name="郑收银")


@pytest.fixture
def clerk(make_staff):
    return make_staff("claims", name="索赔员")


def insured(app, clerk, *, direct=True, sign=True, jobs=REPAIR):
    """A ready accident repair billed at ¥3,200 with its assessment: ¥2,800 assessed, ¥500 excess,
    ¥200 depreciation: the insurer pays ¥2,100."""
    order = ready_order(jobs=jobs)
    case = insurance.open_case(order, {"insurer": "平安保险", "report_no": "RPT-88", "liability": "full",
                                       "excess": "500", "depreciation": "200",
                                       "direct_billing": "1" if direct else ""}, clerk)
    insurance.add_assessment(case, [
        {"kind": "replace", "description": "前保险杠", "store_amount": "2400", "assessed_amount": "2000"},
        {"kind": "paint", "description": "前杠喷漆", "store_amount": "800", "assessed_amount": "800"},
    ], staff=clerk, folder=app.config["BLOB_FOLDER"])
    if sign:
        insurance.sign_assignment(case, signature(), app.config["BLOB_FOLDER"], clerk)
    return WorkOrder.get_by_id(order.id), case


def test_the_insurers_share_and_the_customers_rest_add_up_to_the_bill(app, db, cashier, clerk):
    order, _case = insured(app, clerk)
    settled = settlement.settle(order, cashier)
    bill = settlement.frozen_bill(settled)
    assert bill["total"] == "3200.00"
    assert bill["by_payer"]["insurance"] == "2100.00" == str(insurance.insurer_share(order)["insurer"])
    assert bill["by_payer"]["customer"] == "1100.00" and settled.customer_due == Decimal("1100.00")
    assert Decimal(bill["by_payer"]["insurance"]) + Decimal(bill["by_payer"]["customer"]) == Decimal(bill["total"])
    rest = {line["code"]: line["amount"] for line in billing.lines_of(bill, "customer")}
    assert rest == {"INS-EXCESS": "500.00", "INS-DEPRECIATION": "200.00", "INS-REST": "400.00"}
    assert Decimal(bill["tax"]) == sum(Decimal(x["tax"]) for x in bill["lines"])
    assert payments.payer_account(order, "insurance")["due"] == Decimal("2100.00")


def test_refused_before_the_assignment_is_signed(app, db, cashier, clerk):
    order, case = insured(app, clerk, sign=False)
    with pytest.raises(ServiceError) as refused:
        settlement.settle(order, cashier)
    assert refused.value.status == 409 and settlement.current(order) is None
    assert WorkOrder.get_by_id(order.id).status == "ready"
    insurance.sign_assignment(case, signature(), app.config["BLOB_FOLDER"], clerk)
    assert settlement.settle(order, cashier).customer_due == Decimal("1100.00")


def test_the_insurers_payment_clears_its_receivable(app, db, cashier, clerk):
    order, case = insured(app, clerk)
    deliver_for_test(order)  # settled, the customer's ¥1,100 paid, handed back
    owed = insurer_accounts.receivables()
    assert [(r["insurer"], r["due"]) for r in owed] == [("平安保险", Decimal("2100.00"))]
    insurer_accounts.record_payment(case, "1000", "BANK-1", clerk)
    assert insurer_accounts.receivables()[0]["due"] == Decimal("1100.00")
    payments.pay(order, cashier, "1100", "transfer", reference="BANK-2", payer="insurance")  # the cashier's door
    assert insurer_accounts.receivables() == []
    assert payments.payer_account(order, "insurance")["balance"] == 0
    assert payments.account(order)["balance"] == 0  # the insurer's money never counts as the customer's


def test_without_direct_billing_the_customer_pays_everything(app, db, cashier, clerk):
    order, _case = insured(app, clerk, direct=False, sign=False)
    bill = settlement.frozen_bill(settlement.settle(order, cashier))
    assert (bill["by_payer"]["insurance"], bill["by_payer"]["customer"]) == ("0.00", "3200.00")


def test_the_assessment_beyond_the_insurance_lines_is_taken_from_the_customers_share(app, db, cashier, clerk):
    jobs = ({"description": "前保险杠钣喷", "sold_hours": "3", "price": "1000", "pay_type": "insurance"},
            {"description": "拆装水箱框架", "sold_hours": "2", "price": "2200"})
    order, _case = insured(app, clerk, jobs=jobs)
    bill = settlement.frozen_bill(settlement.settle(order, cashier))
    assert (bill["by_payer"]["insurance"], bill["by_payer"]["customer"]) == ("2100.00", "1100.00")


def test_an_order_without_a_case_is_billed_as_before(db, cashier):
    order = ready_order(jobs=REPAIR)
    bill = settlement.frozen_bill(settlement.settle(order, cashier))
    assert bill["by_payer"]["insurance"] == "3200.00" and len(bill["lines"]) == 1


def test_a_warranty_part_is_never_returned_to_the_customer_through_settle(db, cashier, make_staff):
    seal = part("5QD615123", "前制动片", price="380.00")
    order = ready_order(jobs=({"description": "制动片异响", "sold_hours": "1", "price": "0", "pay_type": "warranty"},),
                        issue=[(seal, 1, 0)])
    with pytest.raises(ServiceError) as refused:
        settlement.settle(order, cashier, old_parts="returned")
    assert refused.value.status == 409 and "5QD615123" in str(refused.value.message)
    settled = settlement.settle(order, cashier, old_parts="left")
    manager = make_staff("manager", name="周经理")
    with pytest.raises(ServiceError):
        settlement.correct(order, manager, old_parts="returned")
    assert settlement.current(order).id == settled.id


def test_customer_parts_may_go_home(db, cashier):
    order = ready_order(issue=[(part(), 1, 0)])
    assert settlement.settle(order, cashier, old_parts="returned").old_parts == "returned"


def test_the_share_lines_texts_are_their_translations_msgids(app):
    with app.test_request_context():
        assert {code: str(label) for code, label in direct_billing.LABELS.items()} == direct_billing.TEXTS
