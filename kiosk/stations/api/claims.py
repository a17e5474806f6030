"""The claims calls of the contract: build a warranty claim from an order's job, read
it with its checks, submit it (refused while a check fails), and the clerk's other
steps (the manufacturer's answer, old-part scans), through the same services as the
claims desk (kiosk.services.claims, claim_checks, old_parts)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.core.errors import Forbidden, NotFound
from kiosk.roles import allowed
from kiosk.services import claim_checks, claims, old_parts, workorders
from kiosk.services import staff as staff_service
from kiosk.stations.api import BadRequest, as_number, bp, json_object, text


def _clerk(body: dict):
    badge = text(body, "badge", "badge")
    person = staff_service.find_by_badge(badge) if badge else None
    if person is None or not person.active:
        raise NotFound(_("No active staff member with this badge."), field="badge")
    if not allowed(person.role_list, "claims"):
        raise Forbidden(_("%(name)s may not handle warranty claims.", name=person.name), field="badge")
    return person


def claim_json(claim) -> dict:
    """A claim as the API answers it: its fields, state, checks and old parts."""
    return {
        "number": claim.number, "state": claims.state(claim), "work_order": claim.work_order.number,
        "job": claim.job_id.hex, "vin": claim.vin, "mileage": claim.mileage,
        "failure_date": claim.failure_date.isoformat() if claim.failure_date else None,
        "symptom_code": claim.symptom_code, "symptom_text": claim.symptom_text,
        "diagnosis_code": claim.diagnosis_code, "diagnosis_text": claim.diagnosis_text,
        "causal_part_no": claim.causal_part_no, "operation": claim.operation,
        "standard_hours": as_number(claim.standard_hours),
        "clocked_hours": as_number(claim_checks.clocked_hours(claim)),
        "campaign": claim.campaign, "claimed": as_number(claims.claimed(claim)),
        "approved": as_number(claims.approved_amount(claim)),
        "checks": [{"code": c["code"], "message": str(c["message"])} for c in claim_checks.run(claim)],
        "old_parts": [{"tag": t.number, "part_no": t.part_no, "where": p["where"], "bin": p["bin"],
                       "shipment": p["shipment"], "at": times.isoformat(p["at"])}
                      for t in old_parts.tags_of(claim) for p in [old_parts.place(t)]],
    }


@bp.post("/claims")
def create_claim():
    """Build a warranty claim from a work order's warranty job → 201."""
    body = json_object()
    clerk = _clerk(body)
    order = workorders.get_by_number(text(body, "work_order", "work_order"))
    job = workorders.get_job(order, text(body, "job", "job"))
    claim = claims.build(order, job, clerk)
    return jsonify(claim_json(claim)), 201


@bp.get("/claims/<number>")
def get_claim(number: str):
    return jsonify(claim_json(claims.get_by_number(number)))


@bp.post("/claims/<number>/submit")
def submit_claim(number: str):
    """Submit (or resubmit) the claim; 409 with the failing check codes while any fails."""
    body = json_object()
    clerk = _clerk(body)
    claim = claims.get_by_number(number)
    claims.submit(claim, clerk)
    return jsonify(claim_json(claim))


def _place_json(tag) -> dict:
    place = old_parts.place(tag)
    claim = old_parts.claim_of(tag)
    return {"tag": tag.number, "claim": claim.number if claim else None, "work_order": tag.work_order.number,
            "part_no": tag.part_no, "where": place["where"],
            "bin": place["bin"], "shipment": place["shipment"], "at": times.isoformat(place["at"])}


@bp.post("/claims/<number>/old-parts")
def tag_old_part(number: str):
    """Tag a part issued to the claim's job (its barcode is the answer's ``tag``) → 201."""
    body = json_object()
    clerk = _clerk(body)
    tag = old_parts.tag(claims.get_by_number(number), text(body, "part_no", "part_no"), clerk)
    return jsonify(_place_json(tag)), 201


@bp.get("/old-parts/<code>")
def get_old_part(code: str):
    """Where a tagged old part is."""
    return jsonify(_place_json(old_parts.get_tag(code)))


@bp.post("/old-parts/<code>/scans")
def scan_old_part(code: str):
    """A scan of an old-part tag: ``{"badge", "action": "store"|"ship"|"scrap", "bin", "shipment"}`` → 201."""
    body = json_object()
    clerk = _clerk(body)
    action = text(body, "action", "action")
    if action not in old_parts.ACTIONS:
        raise BadRequest(_("%(field)s must be “store”, “ship” or “scrap”.", field="action"), field="action")
    scan = old_parts.scan(code, action, bin=text(body, "bin", "bin", required=False),
                          shipment=text(body, "shipment", "shipment", required=False), staff=clerk, terminal="api")
    return jsonify(_place_json(scan.tag)), 201


@bp.post("/old-parts/shipments")
def start_shipment():
    """A new return shipment's number → 201 ``{"number"}``."""
    _clerk(json_object())
    return jsonify({"number": old_parts.new_shipment()}), 201


@bp.get("/old-parts/shipments/<number>")
def shipment_list(number: str):
    """The shipment's packing list."""
    return jsonify({"number": number, "parts": old_parts.packing_list(number)})
