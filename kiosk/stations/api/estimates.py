"""The estimate over the API: the customer's signature on the current version, the labour
catalogue, service packages, catalogue parts on the estimate, recalls for a VIN.

``POST /api/v1/work-orders/NUMBER/authorizations`` is the contract's signing call
(kiosk.services.authorization, the same service as the pad at reception); the
rest are extensions for integrations.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.models import AuthorizationVersion
from kiosk.roles import allowed
from kiosk.services import authorization, campaigns, estimate, labour, packages, workorders
from kiosk.services import staff as staff_service
from kiosk.core.errors import Forbidden, NotFound
from kiosk.stations.api import BadRequest, amount, as_number, bp, json_object, member, text


def _advisor(badge: str):
    """The active staff member with this badge who may work at reception."""
    person = staff_service.find_by_badge(badge) if badge else None
    if person is None or not person.active:
        raise NotFound(_("No active staff member with this badge."), field="badge")
    if not allowed(person.role_list, "reception"):
        raise Forbidden(_("%(name)s may not take the customer's signature.", name=person.name), field="badge")
    return person


def _iso(value):
    return times.isoformat(value)  # ISO 8601 with the store's offset, like every time the API gives


def version_json(version: AuthorizationVersion) -> dict:
    """A signed version as the work order's answer lists it."""
    return {"version": version.version, "total": as_number(version.total), "at": _iso(version.at),
            "hash": version.content_hash, "signer": version.signer,
            "by_payer": {k: as_number(_decimal(v)) for k, v in json.loads(version.by_payer or "{}").items()},
            "promised_at": _iso(version.promised_at)}


def _decimal(value):
    return Decimal(str(value))


def change_json(change: dict) -> dict:
    """One pending change: added, removed or changed, with the old and new amounts."""
    return {"change": change["change"], "kind": change["kind"], "line": change["id"], "job": change["job"],
            "code": change["code"], "description": change["description"],
            "old_amount": as_number(_decimal(change["old_amount"])) if change["old_amount"] is not None else None,
            "new_amount": as_number(_decimal(change["new_amount"])) if change["new_amount"] is not None else None}


def estimate_fields(order) -> dict:
    """What the work order's answer says about the customer's signatures."""
    current = estimate.state(order)
    return {"authorizations": [version_json(v) for v in current.versions],
            "pending_changes": [change_json(c) for c in current.changes],
            "estimate": {"hash": current.current_hash, "total": as_number(_decimal(current.new_total)),
                         "by_payer": {k: as_number(_decimal(v))
                                      for k, v in current.current["totals"]["by_payer"].items()}}}


@bp.post("/work-orders/<number>/authorizations")
def sign_estimate(number: str):
    """``{"badge", "signature": data URL, "signer"?, "hash"?}`` → 201 ``{"version", "total", "hash"}``."""
    body = json_object()
    badge = text(body, "badge", "badge")
    data_url = text(body, "signature", "signature")
    signer = text(body, "signer", "signer", required=False)
    expected = text(body, "hash", "hash", required=False)
    order = workorders.get_by_number(number)
    version = authorization.sign(order, data_url, current_app.config["BLOB_FOLDER"], staff=_advisor(badge),
                                 signer=signer, expected_hash=expected)
    return jsonify({"version": version.version, "total": as_number(version.total), "hash": version.content_hash,
                    "at": _iso(version.at), "signer": version.signer}), 201


@bp.get("/labour-operations")
def labour_operations():
    """``?q=`` code, name, pinyin initials (``byjy``) or full pinyin → matching operations."""
    found = labour.search(request.args.get("q", ""), limit=50)
    return jsonify([{**labour.as_dict(op), "hours": as_number(op.hours),
                     "rates": {p: as_number(r) for p, r in labour.as_dict(op)["rates"].items()}} for op in found])


@bp.post("/labour-operations")
def save_labour_operation():
    """``{"code", "name", "name_en"?, "hours", "rates": {pay type: ¥ an hour}}`` → 201 (or 200 when changed)."""
    body = json_object()
    rates = member(body, "rates", dict, "rates", required=False, default={})
    values = {"code": text(body, "code", "code"), "name": text(body, "name", "name"),
              "name_en": text(body, "name_en", "name_en", required=False),
              "hours": amount(body, "hours", "hours", required=True)}
    for pay_type, field in labour.RATE_FIELDS.items():
        values[field] = amount(rates, pay_type, f"rates.{pay_type}")
    existed = labour.find_operation(values["code"]) is not None
    operation = labour.save_operation(values)
    return jsonify({"code": operation.code, "name": operation.name}), 200 if existed else 201


@bp.get("/packages")
def list_packages():
    """``?model=`` the service packages for a model (all without it)."""
    return jsonify([packages.as_dict(p) for p in packages.for_model(request.args.get("model", ""))])


@bp.post("/work-orders/<number>/packages")
def add_package(number: str):
    """``{"package": code, "pay_type"?}`` — every job and part of the package onto the estimate → 201."""
    body = json_object()
    order = workorders.get_by_number(number)
    package = packages.get(text(body, "package", "package"))
    jobs, parts = packages.add_to_order(order, package, pay_type=text(body, "pay_type", "pay_type", required=False)
                                        or "customer")
    return jsonify({"jobs": [j.id.hex for j in jobs], "parts": [p.id.hex for p in parts]}), 201


@bp.post("/work-orders/<number>/estimate-parts")
def add_estimate_part(number: str):
    """``{"code": part number or barcode, "qty"?, "pay_type"?, "job"?}`` from the catalogue, or
    ``{"non_catalogue": true, "name", "price", "qty"?}`` → 201 ``{"id", "part_no", "to_order"}``."""
    body = json_object()
    order = workorders.get_by_number(number)
    odd = member(body, "non_catalogue", bool, "non_catalogue", required=False, default=False)
    job_id = text(body, "job", "job", required=False)
    price = body.get("price")
    if price is not None:
        price = amount(body, "price", "price")
    line = workorders.add_part_line(
        order, description=text(body, "name", "name", required=odd), qty=amount(body, "qty", "qty") or 1,
        unit_price=price, part_no=text(body, "code", "code", required=not odd),
        pay_type=text(body, "pay_type", "pay_type", required=False) or "customer",
        job=workorders.get_job(order, job_id) if job_id else None, non_catalogue=odd)
    return jsonify({"id": line.id.hex, "part_no": line.part_no, "description": line.description,
                    "unit_price": as_number(line.unit_price), "to_order": line.to_order}), 201


@bp.post("/campaigns")
def record_campaign():
    """``{"vin", "code", "title", "kind": "recall"|"campaign", "announced"?: YYYY-MM-DD}`` → 201."""
    body = json_object()
    announced = text(body, "announced", "announced", required=False)
    try:
        day = dt.date.fromisoformat(announced) if announced else None
    except ValueError:
        raise BadRequest(_("Enter the date as YYYY-MM-DD."), field="announced")
    row = campaigns.record(text(body, "vin", "vin"), text(body, "code", "code"), text(body, "title", "title"),
                           kind=text(body, "kind", "kind", required=False) or "recall", announced=day)
    return jsonify({"vin": row.vin, "code": row.code}), 201
