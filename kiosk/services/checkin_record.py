"""The check-in record (接车单) beyond the walk-around fields: photos taken at the
walk-around, editable until the car leaves, and the customer's signature on the record.

Photos go the way findings' photos go (kiosk.services.findings.photo_jpeg: decoded,
turned upright, scaled, kept under their hash) and are ``CheckInPhoto`` records, so
removing one is a tombstone every kiosk sees. The signature is a ``CheckInSignature``
fact bound to a snapshot of the record as it was signed (mileage, fuel or battery,
damage, warning lights, belongings, photos) and its hash.
"""
from __future__ import annotations

import hashlib
import json
import uuid

from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.core.prepared import Prepared
from kiosk.db import transaction
from kiosk.models import CheckInPhoto, CheckInSignature, WorkOrder
from kiosk.services import files, signatures
from kiosk.core import status as states
from kiosk.core.errors import NotFound, ServiceError
from kiosk.services.findings import photo_jpeg
from sync import changelog

MAX_PHOTOS = 24


def photos_editable(order: WorkOrder) -> bool:
    """Photos may be added and removed until the car leaves (delivered) or the order is cancelled."""
    return order.status != "cancelled" and states.rank(order.status) < states.rank("delivered")


def _check_photos_editable(order: WorkOrder) -> None:
    if not photos_editable(order):
        raise ServiceError(_l("The car has left: the check-in photos can no longer be changed."), status=409)


# Read on every work-order page: their SQL is built once (kiosk.core.prepared).
_PHOTOS = Prepared(lambda slot: CheckInPhoto.select().where(
    (CheckInPhoto.work_order == slot(CheckInPhoto.work_order)) & (CheckInPhoto.deleted == False))  # noqa: E712
    .order_by(CheckInPhoto.at, CheckInPhoto.id))
_LAST_SIGNATURE = Prepared(lambda slot: CheckInSignature.select().where(
    CheckInSignature.work_order == slot(CheckInSignature.work_order)).order_by(CheckInSignature.at.desc()).limit(1))


def photos(order: WorkOrder) -> list[CheckInPhoto]:
    return _PHOTOS.rows(order)


def add_photo(order: WorkOrder, content: bytes | None, folder, *, staff=None, note: str = "") -> CheckInPhoto:
    """Keep a walk-around photo (a tablet's camera upload or the kiosk camera's picture)."""
    _check_photos_editable(order)
    if not content:
        raise ServiceError(_l("Take a photo first."), field="photo")
    if len(photos(order)) >= MAX_PHOTOS:
        raise ServiceError(_l("A check-in keeps at most %(n)s photos.", n=MAX_PHOTOS), field="photo")
    with files.stored(folder, photo_jpeg(content)) as digest, transaction():  # the file goes if the row cannot
        row = CheckInPhoto(work_order=order, photo=digest, note=(note or "").strip()[:200], staff=staff,
                           at=times.utcnow().replace(microsecond=0))
        changelog.save(row)
    return row


def remove_photo(order: WorkOrder, photo_id) -> CheckInPhoto:
    """Take a photo off the check-in record (a tombstone)."""
    _check_photos_editable(order)
    try:
        key = uuid.UUID(str(photo_id))
    except ValueError:
        key = None
    row = key and CheckInPhoto.get_or_none((CheckInPhoto.id == key) & (CheckInPhoto.work_order == order)
                                           & (CheckInPhoto.deleted == False))  # noqa: E712
    if not row:
        raise NotFound(_l("This photo is no longer on the check-in record."), field="photo")
    with transaction():
        row.deleted = True
        changelog.save(row, fields=["deleted"])
    return row


def snapshot(order: WorkOrder) -> dict:
    """The check-in record as the customer signs it."""
    return {"mileage": order.mileage, "fuel_eighths": None if order.battery_percent is not None else order.fuel_eighths,
            "battery_percent": order.battery_percent, "damage": json.loads(order.damage or "[]"),
            "warning_lights": json.loads(order.warning_lights or "[]"), "belongings": order.belongings,
            "complaint": order.complaint, "photos": [p.photo for p in photos(order)]}


def sign(order: WorkOrder, data_url: str, folder, *, staff=None, signer: str = "") -> CheckInSignature:
    """The customer signed the check-in record on the pad."""
    if order.status == "cancelled" or states.is_locked(order.status):
        raise ServiceError(_l("This work order is settled or cancelled and can no longer be changed."), status=409)
    content = signatures.checked_png(data_url)
    snap = snapshot(order)
    text = json.dumps(snap, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with signatures.stored(folder, content) as digest, transaction():
        row = CheckInSignature(work_order=order, snapshot=text, content_hash=hashlib.sha256(text.encode()).hexdigest(),
                               signature=digest,
                               signer=signatures.signer_name(signer, order.customer.name), staff=staff,
                               at=times.utcnow())
        changelog.save(row)
    return row


def last_signature(order: WorkOrder) -> CheckInSignature | None:
    return _LAST_SIGNATURE.first(order)
