"""The customer's signature from the pad: checked for ink, kept under its hash.

The estimate (kiosk.services.estimate) and the check-in record
(kiosk.services.checkin_record) both take signatures through ``from_pad``.
"""
from __future__ import annotations

import io

from kiosk.i18n import lazy_gettext as _l

from kiosk.services import files
from kiosk.core.errors import ServiceError
from hardware.lazy import lazy

# Pillow loads at its first use (hardware.lazy): most server processes never draw or read an image.
Image = lazy("PIL.Image")


def has_ink(content: bytes) -> bool:
    """True when the PNG shows any stroke (an untouched pad still makes a valid, blank PNG)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > 16_000_000:
                return False
            paper = Image.new("RGBA", image.size, "white")
            paper.alpha_composite(image.convert("RGBA"))
    except (OSError, ValueError):
        raise ServiceError(_l("The signature could not be read. Please sign again."), field="signature")
    return paper.convert("L").point(lambda v: 255 if v < 200 else 0).getbbox() is not None


def checked_png(data_url: str) -> bytes:
    """The pad's PNG, refused with a clear message when missing, unreadable or blank."""
    content = files.png_from_data_url(data_url)
    if not has_ink(content):
        raise ServiceError(_l("The signature is empty. Ask the customer to sign in the box."), field="signature")
    return content


def stored(folder, content: bytes):
    """Keep a checked signature under its content hash for the rows written in the ``with``
    block (``with stored(folder, png) as digest:``); the file goes again if they cannot be saved."""
    return files.stored(folder, content)


def signer_name(value, default: str) -> str:
    """Who signed: the name typed on the pad's form, else ``default`` (the customer on file)."""
    name = " ".join(str(value or "").split())[:60]
    return name or (default or "").strip()
