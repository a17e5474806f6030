"""Human numbers that two offline kiosks never duplicate.

A number carries the node's own prefix, so uniqueness needs no coordination:
``R1-20261127-0042`` is the 42nd order opened on node R1 that day.
"""
from __future__ import annotations

import datetime as dt

from kiosk.core import times
from kiosk.models import NumberCounter
from sync.node import current_node


def next_number(kind: str = "WO", day: dt.date | None = None) -> str:
    """Hand out the next number; call inside the write's transaction."""
    day = day or times.today()  # the store's date, whatever the PC's zone
    prefix = current_node().prefix
    key = f"{kind}:{prefix}:{day:%Y%m%d}"
    counter, _ = NumberCounter.get_or_create(key=key)
    counter.last += 1
    counter.save()
    return f"{prefix}-{day:%Y%m%d}-{counter.last:04d}"
