"""What a technician found on a job line: a text and/or a photo (Finding facts).

Photos come from the kiosk's camera (a file input with ``capture`` on a
tablet, or the latest frame of a camera the kiosk runs). They are decoded for
real, turned upright, scaled down to a size that syncs quickly and kept as JPEG
under their content hash (kiosk.services.files), like signatures.
"""
from __future__ import annotations

import io
import math
import threading

from peewee import JOIN

from kiosk.i18n import lazy_gettext as _l
from PIL import UnidentifiedImageError

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Finding, JobLine, Staff
from kiosk.core.errors import ServiceError
from kiosk.core import limits
from kiosk.services import files
from sync import changelog
from hardware.lazy import lazy

# Pillow loads at its first use (hardware.lazy): most server processes never draw or read an image.
Image = lazy("PIL.Image")
ImageOps = lazy("PIL.ImageOps")

MAX_SIDE = 1600  # pixels: enough to read a part number, small enough to sync
MAX_UPLOAD = 8 * 1024 * 1024
# A few kilobytes of PNG can claim 50 megapixels and cost 150 MB and more once
# decoded. The size is read from the file's header, before any decoding: a JPEG
# (what cameras and phones send) may be as large as a 50 MP phone's picture,
# since it is decoded already scaled down (``draft``); any other kind is decoded
# whole and so may not be larger than a 12 MP phone's picture.
MAX_PIXELS = 50_000_000
MAX_FULL_DECODE_PIXELS = 13_000_000
DECODING_AT_ONCE = 2  # photos decoded side by side per server process; the others wait their turn
DECODE_WAIT_SECONDS = 30
MAX_TEXT = 2000

_decoding = threading.BoundedSemaphore(DECODING_AT_ONCE)


def _too_large():
    return ServiceError(_l("The photo is too large (more than %(megapixels)s megapixels). Take it again.",
                           megapixels=MAX_PIXELS // 1_000_000), field="photo", status=413)


def photo_jpeg(content: bytes) -> bytes:
    """The uploaded picture as an upright JPEG at most MAX_SIDE wide, or a clear refusal.

    Its size is checked on the header before decoding; a JPEG is decoded at the
    smallest scale that still gives MAX_SIDE, and only ``DECODING_AT_ONCE`` photos
    are decoded at a time, so a burst of large pictures cannot take the PC's memory.
    """
    if not content:
        raise ServiceError(_l("The photo is empty. Take it again."), field="photo")
    if len(content) > MAX_UPLOAD:
        raise _too_large()
    if not _decoding.acquire(timeout=DECODE_WAIT_SECONDS):
        raise ServiceError(_l("The kiosk is busy with other photos. Try again in a moment."), field="photo",
                           status=503)
    try:
        with Image.open(io.BytesIO(content)) as image:  # reads the header only
            pixels = image.width * image.height
            if pixels > MAX_PIXELS or (image.format != "JPEG" and pixels > MAX_FULL_DECODE_PIXELS):
                raise _too_large()
            if image.format == "JPEG":
                # DCT scaling (1/2 … 1/8) while decoding, down to the longest side still >= MAX_SIDE.
                k = MAX_SIDE / max(image.size)
                image.draft(None, (math.ceil(image.width * k), math.ceil(image.height * k)))
            image.load()
            image.thumbnail((MAX_SIDE, MAX_SIDE))  # small first: the copies below are small too
            upright = ImageOps.exif_transpose(image).convert("RGB")
        out = io.BytesIO()
        upright.save(out, "JPEG", quality=85)
        return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ServiceError(_l("This file is not a photo the kiosk can read."), field="photo")
    finally:
        _decoding.release()


def add_finding(job: JobLine, technician: Staff | None, text: str = "", photo: bytes | None = None,
                folder=None) -> Finding:
    """Record a finding on ``job``: text, a photo, or both (nothing is written for neither)."""
    text = limits.check_text("text", (text or "").strip(), MAX_TEXT)
    if not text and not photo:
        raise ServiceError(_l("Write what you found or take a photo."), field="text")
    if not photo:
        return _save_finding(job, technician, text, "")
    with files.stored(folder, photo_jpeg(photo)) as digest:  # gone again if the row cannot be saved
        return _save_finding(job, technician, text, digest)


def _save_finding(job: JobLine, technician: Staff | None, text: str, digest: str) -> Finding:
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
