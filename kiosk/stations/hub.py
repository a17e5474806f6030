"""The head-office node's own pages: its kiosks and their sync state, pairing
codes, revoking a kiosk, and the conflict list a manager reviews.

Registered only on a node whose role is hub.
"""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from kiosk.i18n import lazy_gettext as _l

from kiosk import times
from kiosk.access import current_staff, requires
from kiosk.services.errors import ServiceError
from kiosk.services import store_health
from sync import conflicts, pairing
from sync.keys import fingerprint

bp = Blueprint("hub", __name__, url_prefix="/hub")

ONLINE_SECONDS = 90  # a kiosk with a waiting pull checks in at least this often

# What a manager reads in the conflict list instead of table and column names.
ENTITY_LABELS = {"work_order": _l("Work order"), "job_line": _l("Job line"), "part_line": _l("Estimated part"),
                 "customer": _l("Customer"), "vehicle": _l("Vehicle"), "appointment": _l("Appointment"),
                 "staff": _l("Staff"), "part": _l("Part")}
FIELD_LABELS = {"notes": _l("Notes"), "belongings": _l("Belongings"), "complaint": _l("Complaint"),
                "status": _l("Status"), "mileage": _l("Mileage"), "promised_at": _l("Promised time"),
                "price": _l("Price"), "description": _l("Description"), "phone": _l("Phone"),
                "name": _l("Name"), "plate": _l("Plate"), "deleted": _l("Removed"), "*": _l("Whole line")}


@bp.app_template_filter("entity_label")
def entity_label(name: str):
    return ENTITY_LABELS.get(name, name)


@bp.app_template_filter("conflict_value")
def conflict_value(text: str) -> str:
    """A conflict's kept or lost value (JSON) as the page shows it: text as written, nothing as "—"."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return text
    if value is None or value == "":
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@bp.app_template_filter("field_label")
def field_label(name: str):
    return FIELD_LABELS.get(name, name)


def _kiosk_rows() -> list[dict]:
    """Every kiosk with its last report and red flags (kiosk.services.store_health)."""
    now = times.utcnow()
    rows = store_health.kiosk_rows(now)
    for row in rows:
        peer = row["peer"]
        hello = json.loads(peer.last_hello or "{}")
        seen = peer.last_seen_at
        report = row["report"]
        row["outbox"] = report.outbox if report is not None and report.outbox is not None else hello.get("outbox")
        row["online"] = bool(seen and not peer.revoked_at and (now - seen).total_seconds() < ONLINE_SECONDS)
    return rows


@bp.get("/")
@requires("reports")
def index():
    return render_template("hub/index.html", kiosks=_kiosk_rows(), fingerprint=fingerprint(),
                           conflict_count=len(conflicts.open_conflicts()), thresholds=store_health.threshold_texts())


@bp.post("/pairing-code")
@requires("reports")
def pairing_code():
    """Show a fresh one-time code to type into `bayflow pair` on the new kiosk."""
    code = pairing.create_pairing_code()
    return render_template("hub/index.html", kiosks=_kiosk_rows(), fingerprint=fingerprint(),
                           conflict_count=len(conflicts.open_conflicts()), code=code,
                           code_minutes=pairing.DEFAULT_TTL_SECONDS // 60, thresholds=store_health.threshold_texts())


@bp.post("/kiosks/<node_id>/revoke")
@requires("reports")
def revoke(node_id: str):
    try:
        peer = pairing.revoke(node_id)
    except LookupError:
        flash(_("This kiosk is not paired with this hub."), "error")
    else:
        flash(_("Kiosk %(prefix)s can no longer sync. Pair it again to let it back.", prefix=peer.prefix),
              "success")
    return redirect(url_for("hub.index"))


@bp.get("/conflicts")
@requires("reports")
def conflict_list():
    return render_template("hub/conflicts.html", conflicts=conflicts.open_conflicts(limit=500))


@bp.post("/conflicts/<int:conflict_id>")
@requires("reports")
def resolve(conflict_id: int):
    try:
        conflicts.resolve_conflict(conflict_id, current_staff(), keep=request.form.get("keep", ""))
    except ServiceError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Conflict resolved."), "success")
    return redirect(url_for("hub.conflict_list"))


from kiosk.stations import hub_ops  # noqa: E402,F401  (replacing a kiosk, the store's health, backups)
from kiosk.stations import hub_tokens  # noqa: E402,F401  (the API tokens page, on this blueprint)
