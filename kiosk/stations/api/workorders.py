"""Work orders over the API: open one (customer, vehicle, complaint, jobs) and read one back."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.db import transaction
from kiosk.services import comebacks, customers, figures, workorders
from kiosk.core import status as states
from kiosk.services import stock
from kiosk.stations.api import (BadRequest, amount, as_number, bp, confirmations, fields_under, json_object, member,
                                text, warnings_json, whole)
from kiosk.stations.api.estimates import estimate_fields

# Service field names → the names in the API body.
_FIELD_NAMES = {"sold_hours": "hours"}


def _read_order_body(body: dict) -> dict:
    """Check the whole body's shape before anything is written."""
    customer = member(body, "customer", dict, "customer")
    vehicle = member(body, "vehicle", dict, "vehicle")
    jobs = member(body, "jobs", list, "jobs", required=False, default=[])
    clean = {
        "customer": {"name": text(customer, "name", "customer.name"),
                     "phone": text(customer, "phone", "customer.phone")},
        "vehicle": {"plate": text(vehicle, "plate", "vehicle.plate", required=False),
                    "vin": text(vehicle, "vin", "vehicle.vin", required=False),
                    "model": text(vehicle, "model", "vehicle.model", required=False),
                    "mileage": whole(vehicle, "mileage", "vehicle.mileage")},
        "confirm": confirmations(customer, vehicle),
        "complaint": text(body, "complaint", "complaint"),
        "promised_at": text(body, "promised_at", "promised_at", required=False),
        "comeback_of": text(body, "comeback_of", "comeback_of", required=False),
        "jobs": [],
    }
    for i, job in enumerate(jobs):
        where = f"jobs[{i}]"
        if not isinstance(job, dict):
            raise BadRequest(_("%(field)s has the wrong type.", field=where), field=where)
        pay_type = text(job, "pay_type", f"{where}.pay_type", required=False) or "customer"
        clean["jobs"].append({"description": text(job, "description", f"{where}.description"),
                              "sold_hours": amount(job, "hours", f"{where}.hours"),
                              "price": amount(job, "price", f"{where}.price"),
                              "pay_type": pay_type,
                              "operation": text(job, "operation", f"{where}.operation", required=False)})
    return clean


@bp.post("/work-orders")
def create_work_order():
    """Open a work order; one transaction, so a bad job line leaves no customer behind."""
    body = _read_order_body(json_object())
    car = body["vehicle"]
    with transaction():
        with fields_under("vehicle.", customer_fields="customer."):
            found = customers.find_or_create(**body["customer"], plate=car["plate"], vin=car["vin"],
                                             model=car["model"], mileage=car["mileage"] or 0, confirm=body["confirm"])
        customer, vehicle = found
        walk = {"mileage": car["mileage"]} if car["mileage"] is not None else {}
        if body["promised_at"]:
            walk["promised_at"] = body["promised_at"]
        with fields_under(""):
            order = workorders.open_work_order(customer, vehicle, complaint=body["complaint"], walkaround=walk or None)
            if body["comeback_of"]:
                comebacks.mark(order, body["comeback_of"])
        for i, job in enumerate(body["jobs"]):
            with fields_under(f"jobs[{i}].", names=_FIELD_NAMES):
                workorders.add_job(order, **job)
    return jsonify({"number": order.number, "id": order.id.hex,
                    # The identifier doubts let through (a VIN's check digit nobody confirmed).
                    "warnings": warnings_json(found)}), 201


def _iso(value):
    return times.isoformat(value)  # ISO 8601 with the store's offset (the contract)


def _job(job, minutes: dict) -> dict:
    return {"id": job.id.hex, "position": job.position, "operation": job.operation,
            "description": job.description, "hours": as_number(job.sold_hours), "price": as_number(job.price),
            "pay_type": job.pay_type, "status": job.status,
            "technician": job.technician.badge if job.technician_id else None,
            # From the clock facts (kiosk.services.figures), running clocks up to now.
            "clocked_minutes": minutes.get(job.id, 0), "authorization": job.authorization or None}


def _estimated_part(line) -> dict:
    return {"id": line.id.hex, "part_no": line.part_no, "description": line.description,
            "qty": as_number(line.qty), "unit_price": as_number(line.unit_price), "pay_type": line.pay_type,
            "job": line.job_id.hex if line.job_id else None, "non_catalogue": line.non_catalogue,
            "to_order": line.to_order}


@bp.get("/work-orders/<number>")
def get_work_order(number: str):
    """The whole work order: header, customer (phone masked), vehicle, jobs, parts, totals."""
    order = workorders.get_by_number(number)
    customer, vehicle, advisor = order.customer, order.vehicle, order.advisor  # loaded with the order
    jobs, parts = workorders.live_jobs(order, technicians=True), workorders.live_part_lines(order)
    sums = workorders.totals(order, jobs, parts)
    minutes = figures.clocked_minutes_by_job(order)
    return jsonify({
        "id": order.id.hex,
        "number": order.number,
        "status": order.status,
        "status_label": str(states.label(order.status)),
        "opened_at": _iso(order.opened_at),
        "promised_at": _iso(order.promised_at),
        "authorized_at": _iso(order.authorized_at),
        "complaint": order.complaint,
        "belongings": order.belongings,
        "notes": order.notes,
        "mileage": order.mileage,
        "customer": {"id": customer.id.hex, "name": customer.name, "phone": customers.mask_phone(customer.phone)},
        "vehicle": {"id": vehicle.id.hex, "plate": vehicle.plate, "vin": vehicle.vin, "model": vehicle.model,
                    "mileage": vehicle.mileage},
        "advisor": {"name": advisor.name, "badge": advisor.badge} if advisor else None,
        "jobs": [_job(j, minutes) for j in jobs],
        # Issued parts come from stock-move facts (issues net of returns).
        "parts": [{"part_no": p["part_no"], "qty": as_number(p["qty"])} for p in stock.issued_lines(order)],
        "estimated_parts": [_estimated_part(p) for p in parts],
        "totals": {"labour": as_number(sums["labour"]), "parts": as_number(sums["parts"]),
                   "total": as_number(sums["total"]), "hours": as_number(sums["hours"]),
                   "by_payer": {k: as_number(v) for k, v in sums["by_payer"].items()}},
        # The versions the customer signed and what changed since the last one (issue #11).
        **estimate_fields(order),
    })
