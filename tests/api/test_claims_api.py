"""The claims calls of the contract: build, read, submit (409 with the failing codes),
bad bodies answered 4xx, never a 500."""
from __future__ import annotations

from kiosk.db import connected
from kiosk.services import findings, old_parts
from kiosk.services import claims as claim_service
from tests.support.claims import clock_hours, photo, warranty_order


def test_build_read_and_submit_a_claim(app, api, make_staff):
    clerk = make_staff("claims", name="索赔员")
    tech = make_staff("technician")
    with app.app_context(), connected():
        order, job = warranty_order(technician=tech)
        clock_hours(tech, job, 1)
    created = api("post", "/claims", json={"badge": clerk.badge, "work_order": order.number, "job": job.id.hex})
    assert created.status_code == 201, created.json
    number = created.json["number"]
    assert number.startswith("CL-") and created.json["state"] == "draft"
    assert {c["code"] for c in created.json["checks"]} == {"photo_missing", "old_part_untagged"}
    refused = api("post", f"/claims/{number}/submit", json={"badge": clerk.badge})
    assert refused.status_code == 409
    assert set(refused.json["detail"]["checks"]) == {"photo_missing", "old_part_untagged"}
    with app.app_context(), connected():
        findings.add_finding(job, tech, "", photo(), app.config["BLOB_FOLDER"])
        old_parts.tag(claim_service.get_by_number(number), "5QD615123", clerk)
    assert api("get", f"/claims/{number}").json["checks"] == []
    submitted = api("post", f"/claims/{number}/submit", json={"badge": clerk.badge})
    assert submitted.status_code == 200 and submitted.json["state"] == "submitted"
    assert api("get", f"/claims/{number}").json["old_parts"][0]["where"] == "tagged"


def test_bad_requests_are_4xx(app, api, make_staff):
    clerk = make_staff("claims")
    advisor = make_staff("advisor")
    with app.app_context(), connected():
        order, job = warranty_order()
    assert api("post", "/claims", data="{not json").status_code == 400
    assert api("post", "/claims", json={"badge": clerk.badge}).status_code == 400
    assert api("post", "/claims", json={"badge": "NOPE", "work_order": order.number,
                                        "job": job.id.hex}).status_code == 404
    assert api("post", "/claims", json={"badge": advisor.badge, "work_order": order.number,
                                        "job": job.id.hex}).status_code == 403
    assert api("post", "/claims", json={"badge": clerk.badge, "work_order": order.number,
                                        "job": "zz"}).status_code == 404
    assert api("get", "/claims/CL-NOPE").status_code == 404
    assert api("post", "/claims/CL-NOPE/submit", json={"badge": clerk.badge}).status_code == 404
