"""One path for every scan: a camera read, a handheld scanner's keystrokes, a
typed code and an API call all come through ``scan(station, code)``.

``scan`` debounces (a code held in front of the camera, or a scanner that
double-fires, is one scan) and classifies the code (kiosk.services.codes);
the station then acts on the answer. Nothing here knows Flask.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from kiosk.core import events
from kiosk.services.codes import Code, classify, normalize

COOLDOWN_SECONDS = 3.0
SOURCES = ("wedge", "camera", "typed", "api")
# Where the same code again is the same thing again: at the parts counter ten identical
# boxes are ten scans of one barcode, each counted (with a visible count and an undo).
# The cool-down still holds there for tags and badges, and for a camera, whose view
# of a box held still must count once.
EVERY_SCAN_COUNTS = {"parts": frozenset({"part"})}


@dataclass(frozen=True)
class Scan:
    station: str
    code: Code
    source: str
    terminal: str
    at: float
    repeat: bool = False  # the same code again within the cool-down: ignored

    @property
    def kind(self) -> str:
        return self.code.kind


class Debouncer:
    """Remembers the last code each terminal (a kiosk screen) scanned, and when.

    A server with several processes tells the others each code it saw (a
    double-fire can land on two of them); ``time.monotonic`` is the same clock
    in every process of one machine.
    """

    def __init__(self, cooldown: float = COOLDOWN_SECONDS):
        self.cooldown = cooldown
        self._last: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def is_repeat(self, terminal: str, text: str, now: float) -> bool:
        """True when ``terminal`` saw ``text`` less than the cool-down ago (the clock
        restarts with every repeat, so a code held in view stays one scan)."""
        last = self.remember(terminal, text, now)
        events.share("scan-seen", terminal, text, now)
        return last is not None and last[0] == text and 0 <= now - last[1] < self.cooldown

    def remember(self, terminal: str, text: str, now: float) -> tuple[str, float] | None:
        """Note ``text`` as ``terminal``'s last code; return the one before it."""
        with self._lock:
            last = self._last.get(terminal)
            self._last[terminal] = (text, now)
            if len(self._last) > 1000:  # many short-lived sessions: forget the oldest
                for key, _ in sorted(self._last.items(), key=lambda kv: kv[1][1])[:500]:
                    del self._last[key]
        return last

    def forget(self, terminal: str) -> None:
        with self._lock:
            self._last.pop(terminal, None)


debouncer = Debouncer()
events.on_shared("scan-seen", debouncer.remember)


def scan(station: str, raw: str, *, terminal: str = "", source: str = "wedge",
         now: float | None = None) -> Scan:
    """Classify one scan at ``station``; a repeat within the cool-down comes back with
    ``repeat=True`` and is not classified again (the station tells the person and does nothing),
    except where each scan counts (``EVERY_SCAN_COUNTS``)."""
    now = time.monotonic() if now is None else now
    text = normalize(raw)
    if text and debouncer.is_repeat(f"{station}:{terminal}", text.upper(), now):
        counted = EVERY_SCAN_COUNTS.get(station, frozenset()) if source != "camera" else frozenset()
        code = classify(raw) if counted else None
        if code is None or code.kind not in counted:
            return Scan(station, Code("unknown", text), source, terminal, now, repeat=True)
        return Scan(station, code, source, terminal, now)
    return Scan(station, classify(raw), source, terminal, now)
