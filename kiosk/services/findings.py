"""What a technician found on a job line: a text and/or a photo (Finding facts).

Photos come from the kiosk's camera (a file input with ``capture`` on a
tablet, or the latest frame of a camera the kiosk runs). They are decoded for
real, turned upright, scaled down to a size that syncs quickly and kept as JPEG
under their content hash (kiosk.services.files), like signatures.
"""
from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l
from peewee import JOIN
from PIL import Image, ImageOps, UnidentifiedImageError

from kiosk import times
from kiosk.db import transaction
from kiosk.models import Finding, JobLine, Staff
from kiosk.services import files
from kiosk.services.errors import ServiceError
from sync import changelog

MAX_SIDE = 1600  # pixels: enough to read a part number, small enough to sync
MAX_UPLOAD = 8 * 1024 * 1024
MAX_PIXELS = 50_000_000
MAX_TEXT = 2000


def photo_jpeg(content: bytes) -> bytes:
    """The uploaded picture as an upright JPEG at most MAX_SIDE wide, or a clear refusal."""
    if not content:
        raise ServiceError(_l("The photo is empty. Take it again."), field="photo")
    if len(content) > MAX_UPLOAD:
        raise ServiceError(_l("The photo is too large. Take it again."), field="photo")
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ServiceError(_l("The photo is too large. Take it again."), field="photo")
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ServiceError(_l("This file is not a photo the kiosk can read."), field="photo")
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=85)
    return out.getvalue()


def add_finding(job: JobLine, technician: Staff | None, text: str = "", photo: bytes | None = None,
                folder=None) -> Finding:
    """Record a finding on ``job``: text, a photo, or both (nothing is written for neither)."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text and not photo:
        raise ServiceError(_l("Write what you found or take a photo."), field="text")
    digest = files.store(folder, photo_jpeg(photo)) if photo else ""
    with transaction():
        row = Finding(job=job, work_order=job.work_order_id, technician=technician, text=text, photo=digest,
                      at=times.utcnow().replace(microsecond=0))
        changelog.save(row)
    return row


def of_order(order) -> dict:
    """The order's findings by job line id, oldest first, with who found them (one query)."""
    found: dict = {}
    rows = (Finding.select(Finding, Staff).join(Staff, JOIN.LEFT_OUTER, on=(Finding.technician == Staff.id))
            .where(Finding.work_order == order).order_by(Finding.hlc))
    for row in rows:
        found.setdefault(row.job_id, []).append(row)
    return found


def of_job(job: JobLine) -> list[Finding]:
    """The job's findings, oldest first."""
    return list(Finding.select().where(Finding.job == job).order_by(Finding.hlc))
