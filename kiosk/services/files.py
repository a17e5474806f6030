"""Photos and signatures: files named by the SHA-256 of their content.

Content addressing means the same file made on two kiosks is one file, and a
sync can ship files like facts (union, never conflicting).
"""
from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import re
import secrets
from contextlib import contextmanager
from pathlib import Path

from PIL import UnidentifiedImageError

from kiosk.i18n import lazy_gettext as _l

from kiosk.core.errors import ServiceError
from hardware.lazy import lazy

# Pillow loads at its first use (hardware.lazy): most server processes never draw or read an image.
Image = lazy("PIL.Image")

_DATA_URL = re.compile(r"^data:image/png;base64,(?P<data>[A-Za-z0-9+/=\s]+)$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 2 * 1024 * 1024
# A signature pad is a few hundred pixels high on a kiosk or tablet screen. The
# size is read from the PNG's header before anything is decoded; a larger one is
# refused, and one wider than SIGNATURE_SIDE is kept scaled down.
SIGNATURE_MAX_PIXELS = 4_000_000
SIGNATURE_SIDE = 1600


# What the system says when there is no room left: the disk (or the user's quota) is full.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class DiskFull(ServiceError):
    """No room left on this computer's disk: nothing was saved (status 507, Insufficient Storage)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("status", 507)
        super().__init__(_l("The disk of this computer is full: nothing was saved. Ask IT to free space, "
                            "then try again."), **kwargs)


def is_disk_full(error: BaseException | None) -> bool:
    """Whether ``error`` — or what it happened while handling (a failed COMMIT is followed
    by a failed ROLLBACK) — says the disk is full: ENOSPC, or SQLite's "database or disk is full"."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DiskFull) or (isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS):
            return True
        if "database or disk is full" in str(error):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def store(folder: Path, content: bytes) -> str:
    """Keep ``content`` under its hash and return the hash (``DiskFull`` when there is no room)."""
    return _store(folder, content)[0]


def _store(folder: Path, content: bytes) -> tuple[str, bool]:
    """(hash, whether this call wrote the file)."""
    digest = hashlib.sha256(content).hexdigest()
    path = Path(folder) / digest[:2] / digest
    if path.exists():
        return digest, False
    # A name of this write's own: two requests storing the same photo at once (two sessions
    # uploading one picture) must not rename each other's half-written file away.
    tmp = path.with_suffix(f".{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())  # the bytes are on the disk before the name is
        tmp.replace(path)  # atomic: a kiosk killed mid-write leaves no half file under the name
    except OSError as error:
        tmp.unlink(missing_ok=True)  # a disk that filled up half-way leaves no partial file
        if error.errno in DISK_FULL_ERRNOS:
            raise DiskFull() from error
        raise
    return digest, True


@contextmanager
def stored(folder: Path, content: bytes):
    """Keep ``content`` for the row written in the ``with`` block; when the block fails
    (the database refused: say, the disk filled up), the file this call wrote goes again."""
    digest, written = _store(folder, content)
    try:
        yield digest
    except BaseException:
        if written:
            path_of(folder, digest).unlink(missing_ok=True)
        raise


def path_of(folder: Path, digest: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", digest or ""):
        raise ServiceError(_l("Unknown file."), status=404)
    return Path(folder) / digest[:2] / digest


def png_from_data_url(data_url: str) -> bytes:
    """Decode the signature pad's ``data:image/png;base64,…`` into checked PNG bytes."""
    match = _DATA_URL.match((data_url or "").strip())
    if not match:
        raise ServiceError(_l("The signature is missing. Ask the customer to sign."), field="signature")
    try:
        content = base64.b64decode(match["data"], validate=False)
    except ValueError:
        raise ServiceError(_l("The signature could not be read. Please sign again."), field="signature")
    if not content.startswith(PNG_MAGIC) or len(content) > MAX_BYTES:
        raise ServiceError(_l("The signature could not be read. Please sign again."), field="signature")
    return _bounded_signature(content)


def _bounded_signature(content: bytes) -> bytes:
    """The PNG as it came when it is small enough; scaled down when it is wide; refused when its
    header claims more pixels than a signature pad has (an image bomb), before decoding it."""
    try:
        with Image.open(io.BytesIO(content)) as image:  # the header only
            if image.format != "PNG" or image.width * image.height > SIGNATURE_MAX_PIXELS:
                raise ServiceError(_l("The signature could not be read. Please sign again."), field="signature")
            if max(image.size) <= SIGNATURE_SIDE:
                image.verify()  # the chunks' checksums, without keeping the pixels
                return content
            image.load()
            image.thumbnail((SIGNATURE_SIDE, SIGNATURE_SIDE))
            out = io.BytesIO()
            image.save(out, "PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ServiceError(_l("The signature could not be read. Please sign again."), field="signature")
