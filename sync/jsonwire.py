"""JSON for what travels between nodes: orjson where it gives the same answer, the
standard library where it would not.

A pull of 2,000 events is a few megabytes of JSON on each side, and the events'
payloads are parsed once more each; orjson does both five to ten times faster
than ``json``. It is stricter in a few corners (integers beyond 64 bits, NaN,
dictionary keys that are not text), so whatever it refuses goes through
``json`` exactly as before: the result never differs, only the time.
"""
from __future__ import annotations

import json

import orjson


def dumps(value) -> bytes:
    """Compact UTF-8 JSON (non-ASCII as it is), as
    ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` writes it."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: a value only ``json`` writes
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str):
    """Parse JSON text (bytes in UTF-8, or str); ``ValueError`` if it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        # NaN, huge integers … that ``json`` reads; anything else fails there too.
        if isinstance(data, (bytes, bytearray)):
            data = data.decode("utf-8")  # UnicodeDecodeError is a ValueError
        return json.loads(data)
