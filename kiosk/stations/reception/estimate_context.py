"""What the work-order page shows of the estimate besides its lines: the signed versions and
the pending changes (kiosk.services.estimate), the service packages for the car's model, stock
on hand of the estimated parts, the words for changes and job states; and of the check-in
record: its photos and the customer's signature on it."""
from __future__ import annotations

from decimal import Decimal

from flask import request
from flask_babel import gettext as _
from kiosk.i18n import lazy_gettext as _l

from kiosk.models import QcCheck
from kiosk.services import checkin_record, estimate, packages, stock
from kiosk.services.catalogue import find_part
from kiosk.services.clock import JOB_STATUS_LABELS
from kiosk.stations.reception import bp

CHANGE_LABELS = {"added": _l("Added"), "removed": _l("Removed"), "changed": _l("Changed")}


def _pay_label(payer: str) -> str:
    return {"customer": _("Customer"), "warranty": _("Warranty"), "insurance": _("Insurance"),
            "internal": _("Internal")}.get(payer, payer)


def change_detail(change: dict) -> str:
    """What changed in a changed line, in words: hours, quantity, price, payer, old → new."""
    old, new, parts = change["old"], change["new"], []
    if old.get("hours") != new.get("hours") and "hours" in old:
        parts.append(_("hours %(a)s → %(b)s", a=old["hours"], b=new["hours"]))
    if old.get("qty") != new.get("qty") and "qty" in old:
        parts.append(_("qty %(a)s → %(b)s", a=old["qty"], b=new["qty"]))
    if old.get("unit_price") != new.get("unit_price") and "unit_price" in old:
        parts.append(_("unit price ¥ %(a)s → ¥ %(b)s", a=old["unit_price"], b=new["unit_price"]))
    if old["payer"] != new["payer"]:
        parts.append(_("paid by %(a)s → %(b)s", a=_pay_label(old["payer"]), b=_pay_label(new["payer"])))
    if old["code"] != new["code"]:
        parts.append(f"{old['code']} → {new['code']}")
    return " · ".join(parts)


@bp.app_context_processor
def _estimate_helpers() -> dict:
    return {"change_labels": CHANGE_LABELS, "change_detail": change_detail}


def stock_of(parts) -> dict:
    """Sellable stock of each estimated catalogue part (a sum over that part's moves only)."""
    found = {}
    for line in parts:
        part = find_part(line.part_no, follow_supersession=False) if line.part_no and not line.non_catalogue else None
        if part is not None and line.part_no not in found:
            found[line.part_no] = stock.on_hand(part)
    return found


def camera_photo_possible() -> bool:
    """Whether this kiosk runs a camera whose latest picture can be taken as a photo."""
    from hardware.camera import running

    return bool(running())


def estimate_context(order, jobs, parts, editable: bool) -> dict:
    """The estimate's and the check-in record's part of the page context."""
    current = estimate.state(order, jobs, parts)
    return {
        "estimate": current,
        "payers_now": {k: Decimal(v) for k, v in current.current["totals"]["by_payer"].items()},
        "packages": packages.offers(order.vehicle.model) if editable else [],
        "on_hand": stock_of(parts),
        "declined_jobs": {j.id for j in jobs if j.authorization == "declined"},
        "job_status_labels": JOB_STATUS_LABELS,
        "photos": checkin_record.photos(order), "photos_editable": checkin_record.photos_editable(order),
        "checkin_signed": checkin_record.last_signature(order),
        "sign_checkin_again": request.args.get("sign_checkin") == "1",
        "camera_photo": camera_photo_possible(),
        "last_qc": QcCheck.select().where(QcCheck.work_order == order).order_by(QcCheck.at.desc()).first(),
    }
