"""Warranty claims: built from the order in one step, each check before submission with
its code, the states as facts, the manufacturer's files out and back."""
from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.models import JobLine, WorkOrder
from kiosk.models.claims import ClaimEvent
from kiosk.services import claim_checks, claim_codes, claim_files, claim_settings, claims, claims_list, findings
from kiosk.services import old_parts
from tests.support.aftersales import deliver_for_test
from tests.support.claims import clock_hours, photo, sold_car, warranty_order


def codes_of(claim):
    return [c["code"] for c in claim_checks.run(claim)]


@pytest.fixture
def clerk(make_staff):
    return make_staff("claims", name="索赔员")


@pytest.fixture
def tech(make_staff):
    return make_staff("technician", name="李师傅")


def ready_claim(app, clerk, tech, vehicle=None, mileage=5000):
    """A claim that passes every check: photo, tag, hours within the standard."""
    order, job = warranty_order(vehicle, mileage=mileage, technician=tech)
    clock_hours(tech, job, 1)
    findings.add_finding(job, tech, "卡钳漏油", photo(), app.config["BLOB_FOLDER"])
    claim = claims.build(order, job, clerk)
    old_parts.tag(claim, "5QD615123", clerk)
    return claim


def test_a_claim_is_built_from_the_order_in_one_step(db, clerk, tech):
    order, job = warranty_order(mileage=8200, technician=tech)
    claim = claims.build(order, job, clerk)
    assert claim.number.startswith("CL-") and claim.vin == order.vehicle.vin and claim.mileage == 8200
    assert claim.operation == "BR0101" and claim.standard_hours == Decimal("1.50")
    assert claim.causal_part_no == "5QD615123" and claim.parts_amount == Decimal("880.00")
    assert claim.labour_amount == Decimal("300.00") and claim.technician_id == tech.id
    assert claim.symptom_text == "刹车异响" and claims.state(claim) == "draft"
    with pytest.raises(ServiceError) as twice:
        claims.build(order, job, clerk)
    assert twice.value.status == 409


def test_only_a_warranty_job_is_claimed(db, clerk):
    order, job = warranty_order()
    with db.atomic():
        JobLine.update(pay_type="customer").where(JobLine.id == job.id).execute()
    with pytest.raises(ServiceError) as refused:
        claims.build(order, JobLine.get_by_id(job.id), clerk)
    assert refused.value.status == 409


def test_photo_missing_until_the_bay_adds_one(app, db, clerk, tech):
    order, job = warranty_order(technician=tech)
    claim = claims.build(order, job, clerk)
    assert "photo_missing" in codes_of(claim)
    findings.add_finding(job, tech, "", photo(), app.config["BLOB_FOLDER"])
    assert "photo_missing" not in codes_of(claim)


def test_the_photo_rule_is_a_store_setting(db, clerk):
    order, job = warranty_order()
    claim = claims.build(order, job, clerk)
    claim_settings.save({"claim_photo_required": "0"})
    assert "photo_missing" not in codes_of(claim)
    with pytest.raises(ServiceError):
        claim_settings.save({"claim_deadline_days": "zero"})


def test_old_part_untagged_until_tagged(db, clerk):
    order, job = warranty_order()
    claim = claims.build(order, job, clerk)
    assert "old_part_untagged" in codes_of(claim)
    old_parts.tag(claim, "5QD615123", clerk)
    assert "old_part_untagged" not in codes_of(claim)


def test_hours_over_standard(db, clerk, tech):
    order, job = warranty_order(technician=tech)
    claim = claims.build(order, job, clerk)
    clock_hours(tech, job, 1)
    assert "hours_over_standard" not in codes_of(claim)
    clock_hours(tech, job, 1, start=times.utcnow() - dt.timedelta(hours=5))
    assert "hours_over_standard" in codes_of(claim)


def test_causal_part_not_issued(db, clerk):
    order, job = warranty_order()
    claim = claims.build(order, job, clerk)
    assert "causal_part_not_issued" not in codes_of(claim)
    claims.update(claim, {"causal_part_no": "XX999"}, clerk)
    assert "causal_part_not_issued" in codes_of(claim)
    claims.update(claim, {"causal_part_no": ""}, clerk)
    assert "causal_part_not_issued" in codes_of(claim)


def test_mileage_lower_than_an_earlier_visit(db, clerk):
    car = sold_car()
    warranty_order(car, mileage=9000, opened_at=times.utcnow() - dt.timedelta(days=20), issue=False,
                   code="EN0101")
    order, job = warranty_order(car, mileage=8000)
    claim = claims.build(order, job, clerk)
    assert "mileage_lower" in codes_of(claim)
    claims.update(claim, {"mileage": "9100"}, clerk)
    assert "mileage_lower" not in codes_of(claim)


def test_deadline_passed_after_the_manufacturers_days(db, clerk):
    order, job = warranty_order()
    deliver_for_test(order, at=times.utcnow() - dt.timedelta(days=40))
    claim = claims.build(order, job, clerk)
    assert "deadline_passed" in codes_of(claim)
    claim_settings.save({"claim_deadline_days": "60"})
    assert "deadline_passed" not in codes_of(claim)


def test_duplicate_vin_and_operation(db, clerk):
    car = sold_car()
    first_order, first_job = warranty_order(car)
    claims.build(first_order, first_job, clerk)
    order, job = warranty_order(car)
    second = claims.build(order, job, clerk)
    assert "duplicate" in codes_of(second)


def test_a_failing_claim_cannot_be_submitted(db, clerk):
    order, job = warranty_order()
    claim = claims.build(order, job, clerk)
    with pytest.raises(ServiceError) as refused:
        claims.submit(claim, clerk)
    assert refused.value.status == 409
    assert set(refused.value.detail["checks"]) >= {"photo_missing", "old_part_untagged"}
    assert claims.state(claim) == "draft"


def test_the_states_as_facts(app, db, clerk, tech):
    claim = ready_claim(app, clerk, tech)
    assert claims.submit(claim, clerk) == "submitted"
    with pytest.raises(ServiceError):
        claims.record(claim, "partly_approved", amount="5000", staff=clerk)  # more than claimed
    claims.record(claim, "rejected", reason_code="R12", staff=clerk)
    assert claims.state(claim) == "rejected" and claims.approved_amount(claim) == 0
    assert claims.submit(claim, clerk) == "resubmitted"
    claims.record(claim, "partly_approved", amount="900.50", staff=clerk)
    assert claims.approved_amount(claim) == Decimal("900.50")
    claims.record(claim, "credited", staff=clerk)
    assert claims.credited_amount(claim) == Decimal("900.50")
    claims.record(claim, "closed", staff=clerk)
    assert [e.state for e in claims.events(claim)] == ["draft", "submitted", "rejected", "resubmitted",
                                                       "partly_approved", "credited", "closed"]
    assert ClaimEvent.select().where(ClaimEvent.claim == claim).count() == 7
    with pytest.raises(ServiceError) as closed:
        claims.submit(claim, clerk)
    assert closed.value.status == 409


def test_a_rejection_needs_a_known_reason_code(app, db, clerk, tech):
    claim = ready_claim(app, clerk, tech)
    claims.submit(claim, clerk)
    with pytest.raises(ServiceError):
        claims.record(claim, "rejected", reason_code="", staff=clerk)
    claim_codes.import_codes("codes.csv", "kind,code,text\nreason,R01,照片不清\nsymptom,S10,异响\n".encode())
    with pytest.raises(ServiceError):
        claims.record(claim, "rejected", reason_code="R99", staff=clerk)
    claims.record(claim, "rejected", reason_code="r01", staff=clerk)
    assert claims.events(claim)[-1].reason_code == "R01"


def test_codes_must_come_from_the_imported_lists(db, clerk):
    claim_codes.import_codes("codes.csv", "kind,code,text\nsymptom,S10,异响\ndiagnosis,D20,卡钳漏油\n".encode())
    order, job = warranty_order()
    claim = claims.build(order, job, clerk)
    with pytest.raises(ServiceError) as unknown:
        claims.update(claim, {"symptom_code": "S99"}, clerk)
    assert unknown.value.field == "symptom_code"
    claims.update(claim, {"symptom_code": "s10", "diagnosis_code": "D20"}, clerk)
    assert WorkOrder.get_by_id(order.id) and claims.get_by_number(claim.number).symptom_code == "S10"
    with pytest.raises(ServiceError):
        claim_codes.import_codes("codes.csv", b"kind,code\nsymptom,S1\n")


def test_export_a_batch_and_import_the_answer(app, db, clerk, tech):
    first = ready_claim(app, clerk, tech)
    second = ready_claim(app, clerk, tech)
    claims.submit(first, clerk)
    claims.submit(second, clerk)
    batch, rows = claim_files.export_batch(clerk)
    assert {r["claim_no"] for r in rows} == {first.number, second.number}
    sheet = load_workbook(io.BytesIO(claim_files.as_xlsx(batch, rows))).active
    assert [c.value for c in sheet[1]] == list(claim_files.COLUMNS) and sheet.max_row == 3
    assert json.loads(claim_files.as_json(batch, rows))["claims"][0]["vin"]
    with pytest.raises(ServiceError):
        claim_files.export_batch(clerk)  # nothing new waiting
    bad = f"claim_no,result,approved_amount,reason_code\n{first.number},approved,,\nCL-NOPE,approved,,\n"
    with pytest.raises(ServiceError):
        claim_files.import_answer("answer.csv", bad.encode(), clerk)
    assert claims.state(claims.get_by_number(first.number)) == "submitted"  # nothing recorded
    answer = (f"claim_no,result,approved_amount,reason_code\n{first.number},approved,,\n"
              f"{second.number},partly_approved,500,\n")
    assert claim_files.import_answer("answer.csv", answer.encode(), clerk) == 2
    assert claims.state(first) == "approved" and claims.approved_amount(second) == Decimal("500.00")


def test_the_list_shows_owed_credited_and_ageing(app, db, clerk, tech):
    claim = ready_claim(app, clerk, tech)
    claims.submit(claim, clerk)
    entries = claims_list.listing()
    totals = claims_list.totals(entries)
    assert totals["owed"] == claims.claimed(claim) and totals["ageing"]["0–30"] == claims.claimed(claim)
    claims.record(claim, "approved", staff=clerk)
    claims.record(claim, "credited", amount="1000", staff=clerk)
    totals = claims_list.totals(claims_list.listing())
    assert totals["owed"] == 0 and totals["credited"] == Decimal("1000.00")
