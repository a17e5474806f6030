"""Old parts' chain of custody (tag, store, ship, scrap), the insurance case with its
assessment and supplement, the insurer's share and the receivables."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services import claim_settings, claims, insurance, insurer_accounts, old_parts, workorders
from tests.support.aftersales import deliver_for_test
from tests.support.bay import signature
from tests.support.claims import photo, warranty_order


@pytest.fixture
def clerk(make_staff):
    return make_staff("claims", name="索赔员")


def test_tag_store_ship_and_the_packing_list(db, clerk):
    order, job = warranty_order()
    claim = claims.build(order, job, clerk)
    with pytest.raises(ServiceError):
        old_parts.tag(claim, "NOT-ISSUED", clerk)
    tag = old_parts.tag(claim, "5QD615123", clerk)
    assert tag.number.startswith("OPR1-") and tag.vin == claim.vin
    assert old_parts.place(tag)["where"] == "tagged"
    with pytest.raises(ServiceError):
        old_parts.scan(tag.number, "ship", shipment="RS-X", staff=clerk)  # not in the store yet
    with pytest.raises(ServiceError):
        old_parts.scan(tag.number, "store", bin="", staff=clerk)
    old_parts.scan(tag.number.lower(), "store", bin="BIN:j-01", staff=clerk)  # the bin's label scanned
    assert old_parts.place(tag) | {"at": None} == {"where": "store", "bin": "J-01", "shipment": "", "at": None}
    shipment = old_parts.new_shipment()
    old_parts.scan(tag.number, "ship", shipment=shipment, staff=clerk)
    assert [r["tag"] for r in old_parts.packing_list(shipment)] == [tag.number]
    with pytest.raises(ServiceError) as gone:
        old_parts.scan(tag.number, "store", bin="J-02", staff=clerk)
    assert gone.value.status == 409


def test_scrap_only_after_the_retention_period(db, clerk):
    order, job = warranty_order()
    claim = claims.build(order, job, clerk)
    tag = old_parts.tag(claim, "5QD615123", clerk)
    old_parts.scan(tag.number, "store", bin="J-01", staff=clerk)
    with pytest.raises(ServiceError):
        old_parts.scan(tag.number, "scrap", staff=clerk)
    later = times.utcnow() + dt.timedelta(days=claim_settings.get("old_part_retention_days") + 1)
    old_parts.scan(tag.number, "scrap", staff=clerk, now=later)
    assert old_parts.place(tag)["where"] == "scrap"


def test_a_part_not_back_in_time_is_flagged(db, clerk):
    order, job = warranty_order()
    claim = claims.build(order, job, clerk)
    tag = old_parts.tag(claim, "5QD615123", clerk)
    late = times.today() + dt.timedelta(days=claim_settings.get("old_part_return_days") + 1)
    assert not old_parts.overdue(tag) and old_parts.overdue(tag, late)
    old_parts.scan(tag.number, "store", bin="J-01", staff=clerk)
    assert not old_parts.overdue(tag, late)


def test_a_warranty_part_never_goes_home(db):
    order, _job = warranty_order()
    with pytest.raises(ServiceError) as kept:
        old_parts.check_customer_return(order, ["5QD615123"])
    assert kept.value.status == 409
    old_parts.check_customer_return(order, ["OTHER"])


def assessed_case(app, clerk):
    order, _job = warranty_order(issue=False)
    case = insurance.open_case(order, {"insurer": "平安保险", "policy_no": "P123", "report_no": "RPT-88",
                                       "accident_date": "2026-11-20", "liability": "full", "assessor": "赵定损",
                                       "excess": "500", "depreciation": "200"}, clerk)
    insurance.add_assessment(case, [
        {"kind": "replace", "description": "前保险杠", "store_amount": "2400", "assessed_amount": "2000"},
        {"kind": "paint", "description": "前杠喷漆", "store_amount": "800", "assessed_amount": "800"},
    ], staff=clerk, folder=app.config["BLOB_FOLDER"])
    return order, case


def test_assessment_supplement_and_the_insurers_share(app, db, clerk):
    order, case = assessed_case(app, clerk)
    assert order.insurer == "平安保险" or insurance.case_of(order).report_no == "RPT-88"
    share = insurance.insurer_share(order)
    assert share["insurer"] == Decimal("2100.00") and share["refused"] == Decimal("400.00")
    insurance.add_assessment(case, [{"kind": "labour", "description": "拆装水箱框架", "store_amount": "300",
                                     "assessed_amount": "300"}], staff=clerk, photos=[photo()],
                             folder=app.config["BLOB_FOLDER"])
    shown = insurance.assessments(case)
    assert [a["assessment"].seq for a in shown] == [0, 1] and len(shown[1]["photos"]) == 1
    share = insurance.insurer_share(order)
    assert share["insurer"] == Decimal("2400.00") and share["customer"] == Decimal("1100.00")
    with pytest.raises(ServiceError):
        insurance.add_assessment(case, [{"kind": "wash", "description": "x"}], staff=clerk)


def test_direct_billing_needs_the_signed_assignment_and_ages_the_receivable(app, db, clerk):
    order, case = assessed_case(app, clerk)
    workorders.add_job(order, "前保险杠钣喷", "6", "3200", pay_type="insurance")  # the bill's insurance share
    insurance.open_case(order, {"direct_billing": "1"}, clerk)
    with pytest.raises(ServiceError):
        insurance.check_direct_billing(order)
    insurance.sign_assignment(case, signature(), app.config["BLOB_FOLDER"], clerk)
    insurance.check_direct_billing(order)
    assert insurer_accounts.receivables() == []  # not delivered yet
    deliver_for_test(order, at=times.utcnow() - dt.timedelta(days=12))
    owed = insurer_accounts.receivables()
    assert owed[0]["insurer"] == "平安保险" and owed[0]["due"] == Decimal("2100.00")
    assert owed[0]["cases"][0]["age_days"] in (12, 13)
    insurer_accounts.record_payment(case, "2100", "BANK-1", clerk)
    assert insurer_accounts.receivables() == []


def test_no_case_no_share(db):
    order, _job = warranty_order(issue=False)
    assert insurance.insurer_share(order) is None
    with pytest.raises(ServiceError):
        insurance.open_case(order, {"insurer": "", "report_no": ""})


def test_tagged_at_the_bay_before_the_claim_is_built(db, clerk):
    order, job = warranty_order()
    assert old_parts.job_parts_to_tag(job) == [("5QD615123", None)]
    tag = old_parts.tag_job(job, "5qd615123", clerk)
    assert old_parts.claim_of(tag) is None and old_parts.label_data(tag)["name"].startswith(order.number)
    claim = claims.build(order, job, clerk)
    assert old_parts.claim_of(tag) == claim and old_parts.tags_of(claim) == [tag]
    assert old_parts.label_data(tag)["barcode"] == tag.number and claim.number in old_parts.label_data(tag)["name"]
    customer_job = workorders.add_job(order, "洗车", "0.3", "30")
    with pytest.raises(ServiceError):
        old_parts.tag_job(customer_job, "5QD615123", clerk)
