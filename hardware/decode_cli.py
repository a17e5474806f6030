"""What `bayflow decode` prints for each file (kiosk/cli.py holds the command).

Kept apart from the click command so the output format (part of the outside
contract, see CONTRACT.md) is one small function.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from hardware.decode import decode, read_image

# Files a folder is searched for; a file named on the command line is tried
# whatever its ending.
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".pbm"}


def image_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Each named file, and the image files under each named folder (sorted, recursively)."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                        yield Path(root) / name
        else:
            yield path


def decode_one(path: Path, as_json: bool) -> tuple[str, bool]:
    """(the line to print, whether the file was an image) for one file.

    JSON: ``{"path", "codes": [{"format", "text"}], "ms"}``, or
    ``{"path", "error"}`` when the file is not an image.  ``ms`` is the
    pipeline's time on the decoded pixels, not counting reading the file.
    """
    try:
        image = read_image(path)
    except (OSError, ValueError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else f"cannot read {path}: {exc.strerror or exc}"
        if as_json:
            return json.dumps({"path": str(path), "error": reason}, ensure_ascii=False), False
        return f"{path}: error: {reason}", False
    began = time.perf_counter()
    codes = decode(image)
    ms = round(1000 * (time.perf_counter() - began), 1)
    if as_json:
        found = [{"format": code.format, "text": code.text} for code in codes]
        return json.dumps({"path": str(path), "codes": found, "ms": ms}, ensure_ascii=False), True
    if not codes:
        return f"{path}: no code ({ms} ms)", True
    # repr-like quoting would hide Chinese; a newline inside a QR text would
    # break the one-line-per-file promise, so it is shown as \n.
    listed = "; ".join(f"{code.format} {code.text}".replace("\r", "\\r").replace("\n", "\\n") for code in codes)
    return f"{path}: {listed} ({ms} ms)", True
