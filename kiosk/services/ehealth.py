"""The repair record for the national vehicle maintenance e-health archive (汽车维修电子健康档案).

``record(order, settled)`` is called by the settlement (inside its transaction) and
queues one ``EhealthRecord`` fact; ``export_jsonl(since=None)`` writes the queue as
JSON Lines, one record a line, UTF-8, keys as documented in the README ("Export
files"): store_name, vin, plate, date_in (YYYY-MM-DD), mileage_in, settled_on,
settlement_number, fault, items [{name, hours}], labour_hours, parts
[{name, part_no, qty}]. Sending it to a province's endpoint is a later step.
"""
from __future__ import annotations

import datetime as dt
import json

from flask import current_app

from kiosk.core import times
from kiosk.models import EhealthRecord, Settlement, WorkOrder
from kiosk.services import billing
from sync import changelog


def payload(order: WorkOrder, settled: Settlement) -> dict:
    """The archive's fields for one settled order (from its frozen bill)."""
    bill = json.loads(settled.bill)
    labour = [x for x in bill["lines"] if x["kind"] == "labour"]
    parts = [x for x in bill["lines"] if x["kind"] in ("part", "other")]
    return {
        # The store's name as configured: the archive names the store, in no reader's language.
        "store_name": current_app.config["STORE_NAME"], "vin": order.vehicle.vin, "plate": order.vehicle.plate,
        "date_in": times.local_date(order.opened_at).isoformat(), "mileage_in": order.mileage,
        "settled_on": times.local_date(settled.at).isoformat(), "settlement_number": settled.number,
        "fault": order.complaint,
        "items": [{"name": x["description"], "hours": x["qty"]} for x in labour],
        "labour_hours": billing.text(sum((billing.money(x["qty"]) for x in labour), billing.ZERO)),
        "parts": [{"name": x["description"], "part_no": x["code"], "qty": x["qty"]} for x in parts],
    }


def record(order: WorkOrder, settled: Settlement) -> EhealthRecord:
    """Queue the archive record of a settlement (call inside the settlement's transaction)."""
    row = EhealthRecord(work_order=order, settlement_number=settled.number, at=settled.at,
                        payload=json.dumps(payload(order, settled), ensure_ascii=False, sort_keys=True))
    changelog.save(row)
    return row


def queued(since: dt.datetime | None = None) -> list[EhealthRecord]:
    """The records produced (since ``since``, UTC), oldest first."""
    query = EhealthRecord.select().order_by(EhealthRecord.at)
    if since is not None:
        query = query.where(EhealthRecord.at >= since)
    return list(query)


def export_jsonl(since: dt.datetime | None = None) -> str:
    """The queue as JSON Lines text (one record a line, ``\\n`` ended)."""
    return "".join(json.dumps(json.loads(r.payload), ensure_ascii=False, sort_keys=True) + "\n"
                   for r in queued(since))
