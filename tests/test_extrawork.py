"""Extra work (增项): proposed at the bay, locked until the customer answers at
reception (signature or decline), and the order's re-authorization status."""
from __future__ import annotations

import base64
import io
import json
from decimal import Decimal

import pytest
from PIL import Image, ImageDraw

from kiosk.models import ClockEvent, JobDecision, JobLine, PartLine, PartsRequest
from kiosk.services import clock, extrawork, partsrequests
from kiosk.services.errors import ServiceError
from tests.test_clock import fresh, jobs_of, make_order

HX = {"HX-Request": "true"}


def signature(ink: bool = True) -> str:
    image = Image.new("RGBA", (300, 120), (255, 255, 255, 255))
    if ink:
        ImageDraw.Draw(image).line([(20, 60), (120, 20), (200, 100), (280, 40)], fill=(10, 10, 40, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _part(part_no="5QD698151", name="前刹车片", price="560.00"):
    from kiosk.db import transaction
    from kiosk.models import Part
    from sync import changelog

    with transaction():
        part = Part(part_no=part_no, name=name, price=price, barcodes=json.dumps(["6920000000017"]))
        changelog.save(part)
    return part


@pytest.fixture
def tech(db, make_staff):
    return make_staff("technician", name="张伟", badge="TEC-001")


def test_proposal_is_locked_until_the_customer_signs(app, tech):
    order = make_order()
    _part()
    clock.clock_on(tech, jobs_of(order)[0])
    job = extrawork.propose(order, tech, "右前减震器漏油, 建议更换", "1.5",
                            [{"part_no": "6920000000017", "qty": "2"}, {"part_no": "", "qty": ""}])
    assert job.authorization == "pending" and job.proposed_by_id == tech.id and extrawork.is_locked(job)
    assert fresh(order).status == "waiting_authorization"
    [line] = PartLine.select().where(PartLine.job == job)
    assert (line.part_no, line.qty, line.description) == ("5QD698151", 2, "前刹车片")
    with pytest.raises(ServiceError, match="waits for the customer's authorization"):
        clock.clock_on(tech, fresh(job))
    with pytest.raises(ServiceError, match="waits for the customer's authorization"):
        partsrequests.request_parts(fresh(job), tech, "5QD698151")
    assert ClockEvent.select().where(ClockEvent.job == job).count() == 0

    # Seen: approved with an empty labour price (saved as 0.00). Now the price comes first.
    with pytest.raises(ServiceError, match="its hours and labour price"):
        extrawork.approve(fresh(job), signature(), app.config["BLOB_FOLDER"], price="")
    with pytest.raises(ServiceError, match="signature is empty"):
        extrawork.approve(fresh(job), signature(ink=False), "/nonexistent", price="450")
    assert fresh(job).price == 0  # the refused approval wrote nothing
    extrawork.approve(fresh(job), signature(), app.config["BLOB_FOLDER"], price="450")
    job = fresh(job)
    assert job.authorization == "approved" and job.price == 450 and not extrawork.is_locked(job)
    assert fresh(order).status == "in_repair"
    [decision] = JobDecision.select()
    assert decision.decision == "approved" and len(decision.signature) == 64
    assert clock.clock_on(tech, job).switched_from is not None
    with pytest.raises(ServiceError, match="already answered"):
        extrawork.decline(job)


def test_declined_work_stays_on_the_order_and_does_not_hold_up_qc(tech):
    order = make_order(jobs=(("更换前刹车片", "1.0"),))
    [main] = jobs_of(order)
    clock.clock_on(tech, main)
    job = extrawork.propose(order, tech, "空调管路清洗", "0.5")
    clock.clock_off(tech, fresh(main), reason="finish")
    assert fresh(order).status == "waiting_authorization"  # not to QC while the customer has not answered
    extrawork.decline(fresh(job), note="下次再做")
    assert fresh(job).authorization == "declined" and not fresh(job).deleted
    assert fresh(order).status == "in_repair"
    with pytest.raises(ServiceError, match="declined this extra work"):
        clock.clock_on(tech, fresh(job))
    assert JobDecision.get().note == "下次再做"


@pytest.mark.parametrize("description, hours, parts, message", [
    ("", "1", [], "Describe the job"),
    ("换轮胎", "0", [], "Estimate the hours"),
    ("换轮胎", "abc", [], "Enter a number"),
    ("换轮胎", "1", [{"part_no": "NOPE-1", "qty": "1"}], "not in the catalogue"),
    ("换轮胎", "1", [{"part_no": "", "description": "轮胎", "qty": "-1"}], "not negative"),
])
def test_bad_proposals_write_nothing(tech, description, hours, parts, message):
    order = make_order()
    before = JobLine.select().count()
    with pytest.raises(ServiceError, match=message):
        extrawork.propose(order, tech, description, hours, parts)
    assert JobLine.select().count() == before and fresh(order).status == "authorized"
    assert PartLine.select().count() == 0 and PartsRequest.select().count() == 0


def test_estimate_totals_count_extra_work_only_once_agreed(app, tech, tmp_path):
    from kiosk.services import workorders

    order = make_order()
    _part()
    before = workorders.totals(order)
    job = extrawork.propose(order, tech, "右前减震器漏油, 建议更换", "1.5", [{"part_no": "6920000000017", "qty": "2"}])
    assert workorders.totals(order) == before  # pending: not in the estimate
    extrawork.approve(fresh(job), signature(), tmp_path, price="300")
    agreed = workorders.totals(order)
    assert agreed["labour"] == before["labour"] + 300 and agreed["parts"] == before["parts"] + 2 * 560
    assert agreed["hours"] == before["hours"] + Decimal("1.5")


def test_declined_extra_work_stays_out_of_the_totals(app, tech):
    from kiosk.services import workorders

    order = make_order()
    before = workorders.totals(order)
    job = extrawork.propose(order, tech, "空调滤芯脏, 建议更换", "0.3")
    extrawork.decline(fresh(job), note="下次再换")
    assert workorders.totals(order) == before
