"""The manufacturer's files: a batch of submitted claims exported for its dealer system
(XLSX and JSON, the same columns; the README documents them), and its answer
imported back (approved amounts, rejection codes) from CSV, XLSX or JSON.
"""
from __future__ import annotations

import io
import json

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models.claims import WarrantyClaim
from kiosk.services import claim_checks, claims, old_parts
from kiosk.services.labour_import import read_rows
from kiosk.services.numbers import next_number
from sync import changelog

COLUMNS = ("claim_no", "work_order", "vin", "mileage", "failure_date", "repair_date", "symptom_code", "symptom_text",
           "diagnosis_code", "diagnosis_text", "causal_part_no", "operation", "standard_hours", "clocked_hours",
           "technician", "campaign", "labour_amount", "parts_amount", "claimed_amount", "parts", "old_part_tags",
           "photos", "state")
ANSWER_STATES = {"approved": "approved", "partly_approved": "partly_approved", "partly": "partly_approved",
                 "rejected": "rejected", "批准": "approved", "部分批准": "partly_approved", "拒赔": "rejected"}


def row_of(claim: WarrantyClaim) -> dict:
    """One claim as the manufacturer's file carries it."""
    parts = old_parts.issued_part_nos(claim.work_order, {claim.job_id})
    return {
        "claim_no": claim.number, "work_order": claim.work_order.number, "vin": claim.vin, "mileage": claim.mileage,
        "failure_date": claim.failure_date.isoformat() if claim.failure_date else "",
        "repair_date": claim.repair_date.isoformat() if claim.repair_date else "",
        "symptom_code": claim.symptom_code, "symptom_text": claim.symptom_text,
        "diagnosis_code": claim.diagnosis_code, "diagnosis_text": claim.diagnosis_text,
        "causal_part_no": claim.causal_part_no, "operation": claim.operation,
        "standard_hours": str(claim.standard_hours), "clocked_hours": str(claim_checks.clocked_hours(claim)),
        "technician": claim.technician.name if claim.technician_id else "", "campaign": claim.campaign,
        "labour_amount": str(claim.labour_amount), "parts_amount": str(claim.parts_amount),
        "claimed_amount": str(claims.claimed(claim)),
        "parts": ";".join(f"{n}x{q.normalize()}" for n, q in sorted(parts.items())),
        "old_part_tags": ";".join(t.number for t in old_parts.tags_of(claim)),
        "photos": ";".join(f.photo for f in claim_checks.photos(claim)), "state": claims.state(claim),
    }


def export_batch(staff=None) -> tuple[str, list[dict]]:
    """Put every submitted claim not yet exported into a new batch; its number and rows."""
    waiting = [c for c in WarrantyClaim.select().where((WarrantyClaim.deleted == False)  # noqa: E712
                                                        & (WarrantyClaim.batch == "")).order_by(WarrantyClaim.number)
               if claims.state(c) in ("submitted", "resubmitted")]
    if not waiting:
        raise ServiceError(_l("No submitted claim is waiting to be exported."), status=409)
    with transaction():
        batch = f"EX-{next_number('EX')}"
        for claim in waiting:
            changelog.save_changes(claim, {"batch": batch})
    return batch, [row_of(c) for c in waiting]


def batch_rows(batch: str) -> list[dict]:
    """The rows of an earlier batch (to download it again)."""
    found = WarrantyClaim.select().where((WarrantyClaim.batch == batch) & (WarrantyClaim.deleted == False))  # noqa: E712
    return [row_of(c) for c in found.order_by(WarrantyClaim.number)]


def as_json(batch: str, rows: list[dict]) -> bytes:
    return json.dumps({"batch": batch, "exported_at": times.isoformat(times.utcnow()), "claims": rows},
                      ensure_ascii=False, indent=2).encode("utf-8")


def as_xlsx(batch: str, rows: list[dict]) -> bytes:
    # Lazily: openpyxl is only needed when a batch is exported.
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    sheet.title = batch[:31]
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _answer_rows(filename: str, content: bytes) -> list[tuple[int, dict]]:
    if (filename or "").lower().endswith(".json"):
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise ServiceError(_l("The file is not valid JSON."), field="file")
        items = data.get("claims") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ServiceError(_l("The JSON file must hold a list of claims."), field="file")
        return [(n, {k: str(v if v is not None else "") for k, v in i.items()}) for n, i in enumerate(items, 1)]
    rows = read_rows(filename, content)
    if not rows:
        raise ServiceError(_l("The file is empty."), field="file")
    header = [str(c).strip().lower() for c in rows[0][1]]
    return [(line, {header[i]: str(c).strip() for i, c in enumerate(cells) if i < len(header)})
            for line, cells in rows[1:] if any(str(c).strip() for c in cells)]


def import_answer(filename: str, content: bytes, staff=None) -> int:
    """Record the manufacturer's answer (claim_no, result, approved_amount, reason_code) for
    every line; any wrong line refuses the whole file (nothing recorded) with its reasons."""
    errors, done = [], 0
    rows = _answer_rows(filename, content)
    with transaction():
        for line, row in rows:
            try:
                claim = claims.get_by_number(row.get("claim_no", ""))
                result = ANSWER_STATES.get(row.get("result", "").strip().lower())
                if result is None:
                    raise ServiceError(_l("the result must be approved, partly_approved or rejected"))
                claims.record(claim, result, amount=row.get("approved_amount") or None,
                              reason_code=row.get("reason_code", ""), note=row.get("note", ""), staff=staff)
                done += 1
            except ServiceError as refused:
                errors.append(f"{line}: {refused.message}")
        if errors:
            raise ServiceError(_l("Nothing was imported. Lines %(lines)s", lines="; ".join(errors[:10])),
                               field="file", status=400)
    return done
