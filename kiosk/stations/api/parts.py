"""Parts over the API: add a part, receive stock, look a part up, issue parts
to a work order — the same services as a scan at the parts counter."""
from __future__ import annotations

import uuid

from flask import jsonify
from flask_babel import gettext as _

from kiosk.models import JobLine
from kiosk.roles import allowed
from kiosk.services import handover, parts, stock, workorders
from kiosk.services import staff as staff_service
from kiosk.services.catalogue import find_part
from kiosk.core.errors import Forbidden, NotFound, ServiceError
from kiosk.stations.api import BadRequest, amount, as_number, bp, json_object, member, text


def part_json(part) -> dict:
    return {"part_no": part.part_no, "name": part.name, "name_en": part.name_en, "unit": part.unit,
            "price": as_number(part.price), "bin": part.bin, "on_hand": as_number(stock.on_hand(part)),
            "bins": {b: as_number(q) for b, q in stock.on_hand_by_bin(part)},
            "barcodes": [{"code": c.code, "symbology": c.symbology} for c in parts.barcodes(part)],
            "manufacturer_no": part.manufacturer_no, "supplier_no": part.supplier_no,
            "superseded_by": part.superseded_by or None}


def _staff(badge: str, permission: str, where: str):
    """The active staff member with this badge, allowed ``permission`` (the badge's role decides)."""
    person = staff_service.find_by_badge(badge) if badge else None
    if person is None or not person.active:
        raise NotFound(_("No active staff member with this badge."), field=where)
    if not allowed(person.role_list, permission):
        raise Forbidden(_("%(name)s may not do this at the parts counter.", name=person.name), field=where)
    return person


@bp.post("/parts")
def create_part():
    """A new catalogue part → 201 with the part."""
    body = json_object()
    codes = member(body, "barcodes", list, "barcodes", required=False, default=[])
    if not all(isinstance(c, (str, dict)) for c in codes):
        raise BadRequest(_("%(field)s has the wrong type.", field="barcodes"), field="barcodes")
    extra = {k: text(body, k, k, required=False) for k in ("name_en", "manufacturer_no", "supplier_no", "unit", "bin")
             if k in body}
    part = parts.create_part(text(body, "part_no", "part_no"), text(body, "name", "name"), barcodes_=codes,
                             price=amount(body, "price", "price"), cost=amount(body, "cost", "cost"), **extra)
    return jsonify(part_json(part)), 201


@bp.post("/parts/<part_no>/receipts")
def receive(part_no: str):
    """Stock received: ``{"qty": n}`` (and optionally the receiving clerk's ``badge``)."""
    body = json_object()
    part = find_part(part_no)
    if part is None:
        raise NotFound(_("No part with this number."), detail={"part_no": part_no})
    badge = text(body, "badge", "badge", required=False)
    clerk = _staff(badge, "parts", "badge") if badge else None
    value = member(body, "qty", (int, float, str), "qty")
    move = stock.receive(part, value, staff=clerk, bin=text(body, "bin", "bin", required=False) or None)
    return jsonify({**part_json(part), "received": as_number(move.qty)}), 201


@bp.get("/parts/<path:code>")
def get_part(code: str):
    """A part by barcode or any of its numbers, with its stock."""
    part = find_part(code)
    if part is None:
        raise NotFound(_("No part with this code."), detail={"code": code})
    return jsonify(part_json(part))


@bp.post("/work-orders/<number>/parts")
def issue(number: str):
    """Issue ``qty`` of the part ``code`` to the order, by the clerk ``badge`` (to ``receiver``)."""
    body = json_object()
    order = workorders.get_by_number(number)
    clerk = _staff(text(body, "badge", "badge"), "parts", "badge")
    code = text(body, "code", "code")
    part = find_part(code)
    if part is None:
        raise NotFound(_("No part with this code."), field="code", detail={"code": code})
    receiver_badge = text(body, "receiver", "receiver", required=False)
    receiver = staff_service.find_by_badge(receiver_badge) if receiver_badge else None
    if receiver_badge and receiver is None:
        raise NotFound(_("No active staff member with this badge."), field="receiver")
    job = None
    job_id = text(body, "job", "job", required=False)
    if job_id:
        try:
            job = JobLine.get_or_none(JobLine.id == uuid.UUID(job_id))
        except ValueError:
            job = None
        if job is None or job.work_order_id != order.id:
            raise ServiceError(_("This job is not on work order %(number)s.", number=order.number), field="job")
    qty = member(body, "qty", (int, float, str), "qty", required=False, default=1)
    slip = handover.issue_now(order, part, qty, staff=clerk, receiver=receiver, job=job)
    return jsonify({"slip": slip, "number": order.number,
                    "parts": [{"part_no": p["part_no"], "qty": as_number(p["qty"])} for p in stock.issued_lines(order)],
                    "on_hand": as_number(stock.on_hand(part))}), 201
