"""The hub's kiosk list (each kiosk's sync state and red flags), pairing codes,
revoking a kiosk, and the conflict list a manager reviews."""
from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.i18n import lazy_gettext as _l
from kiosk.access import current_staff, requires
from kiosk.core.errors import ServiceError
from kiosk.services import store_health
from kiosk.services.customers import mask_phone
from kiosk.stations.home import overdue_complaints
from kiosk.stations.hub import bp
from sync import conflicts, pairing
from sync.keys import fingerprint

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
def conflict_value(text: str, field: str = "") -> str:
    """A conflict's kept or lost value (JSON) as the page shows it: text as written, nothing as "—",
    a phone number masked (a shared screen: which of two numbers is told apart by its ends)."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        value = text
    if value is None or value == "":
        return "—"
    if field == "phone":
        return mask_phone(str(value))
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@bp.app_template_filter("field_label")
def field_label(name: str):
    return FIELD_LABELS.get(name, name)


def index_page(**extra):
    """The kiosk list (kiosk.services.store_health) with ``extra`` (a fresh code, a kiosk being replaced)."""
    return render_template("hub/index.html", kiosks=store_health.kiosk_rows(), fingerprint=fingerprint(),
                           conflict_count=len(conflicts.open_conflicts()), thresholds=store_health.threshold_texts(),
                           **overdue_complaints(), **extra)


@bp.get("/")
@requires("reports")
def index():
    return index_page()


@bp.post("/pairing-code")
@requires("reports")
def pairing_code():
    """Show a fresh one-time code to type into `bayflow pair` on the new kiosk."""
    code = pairing.create_pairing_code()
    return index_page(code=code, code_minutes=pairing.DEFAULT_TTL_SECONDS // 60)


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

