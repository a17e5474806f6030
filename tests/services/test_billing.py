"""The bill from facts: agreed jobs, parts issued net of returns at their issue price,
the payer split, VAT per line adding up, estimated-but-not-issued as a warning."""
from __future__ import annotations

from decimal import Decimal

from kiosk.models import Part
from kiosk.services import billing, cashier_settings, extrawork, stock, workorders
from tests.support.cashier import part, ready_order, technician


def test_the_bill_takes_agreed_jobs_and_issued_parts_net_of_returns_at_their_issue_price(db):
    filt = part()
    pads = part("5QD698151", "前刹车片", price="560.00")
    order = ready_order(
        [{"description": "更换机油机滤", "sold_hours": "1", "price": "200"},
         {"description": "更换前刹车片", "sold_hours": "1.5", "price": "300", "pay_type": "warranty"}],
        issue=[(filt, 2, 0), (pads, 1, 1)], status="in_repair")
    jobs = workorders.live_jobs(order)
    stock.hand_over(order, [(filt, 1, jobs[0])], kind="return", receiver=technician())
    Part.update(price=Decimal("999")).where(Part.id == filt.id).execute()  # a later catalogue price
    bill = billing.bill_of(order)
    parts_ = {x["code"]: x for x in bill["lines"] if x["kind"] == "part"}
    assert parts_["06L115562B"]["qty"] == "1.00" and parts_["06L115562B"]["unit_price"] == "68.00"
    assert parts_["5QD698151"]["payer"] == "warranty"  # the pay type of the job it was issued to
    assert bill["by_payer"] == {"customer": "268.00", "warranty": "860.00", "insurance": "0.00", "internal": "0.00"}
    assert bill["total"] == "1128.00"


def test_declined_and_pending_extra_work_is_left_out(db):
    order = ready_order(status="in_repair")
    tech = technician()
    pending = extrawork.propose(order, tech, "更换空调滤芯", "0.5")
    declined = extrawork.propose(order, tech, "四轮定位", "1")
    extrawork.reprice(pending, price="80")
    extrawork.reprice(declined, price="150")
    extrawork.decline(declined)
    descriptions = [x["description"] for x in billing.bill_of(order)["lines"]]
    assert descriptions == ["更换机油机滤"]


def test_estimated_parts_never_issued_are_a_warning_not_billed(db):
    part()
    order = ready_order(estimated=[("06L115562B", 2, 0)], status="in_repair")
    bill = billing.bill_of(order)
    assert [x["kind"] for x in bill["lines"]] == ["labour"]
    assert bill["warnings"] == [{"code": "06L115562B", "description": "机油滤清器", "estimated": "2.00",
                                 "issued": "0.00"}]


def test_vat_is_per_line_to_the_fen_and_the_totals_add_up_exactly(db):
    cashier_settings.save({"vat_percent": "13"})
    jobs = [{"description": f"工时{i}", "sold_hours": "1", "price": price}
            for i, price in enumerate(["100.01", "33.33", "0.07", "999.99"])]
    bill = billing.bill_of(ready_order(jobs, status="in_repair"))
    taxes = [Decimal(x["tax"]) for x in bill["lines"]]
    assert taxes == [Decimal("11.51"), Decimal("3.83"), Decimal("0.01"), Decimal("115.04")]
    assert Decimal(bill["tax"]) == sum(taxes) == Decimal(bill["tax_by_payer"]["customer"])
    assert Decimal(bill["total"]) == sum(Decimal(x["amount"]) for x in bill["lines"])


def test_an_insurance_share_names_the_insurer_and_claim(db):
    order = ready_order([{"description": "钣金喷漆", "sold_hours": "3", "price": "1500", "pay_type": "insurance"}],
                        status="in_repair")
    order.insurer, order.insurance_claim_no = "平安保险", "PA2026-0001"
    order.save()
    bill = billing.bill_of(order)
    assert (bill["insurer"], bill["claim_no"], bill["by_payer"]["insurance"]) == ("平安保险", "PA2026-0001", "1500.00")
    assert billing.payers_of(bill) == ["insurance"]
