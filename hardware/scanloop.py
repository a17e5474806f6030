"""The camera half of the scan path: a thread per camera that decodes its frames
and reports each code once per appearance.

Latency over completeness: the loop always takes the newest frame
(``Camera.read`` drops the ones that queued up while the last frame was being
decoded), so a slow decode never lets the loop fall behind the camera.

"Held in view": a tag held in front of the camera is in dozens of frames but
is one scan. A code is reported when it is seen and was not seen in the last
``gone_seconds`` (by the frames' capture times); while it stays in view, or is
missed by the decoder in a frame or two, it is not reported again.

No Flask and no database: ``on_code(text, format, captured_at)`` is the caller's
(kiosk.cameras publishes it to the pages).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from hardware import decode as decoder

log = logging.getLogger(__name__)

READ_TIMEOUT = 0.25  # seconds a read waits, so stop() and state changes are noticed


class ScanLoop:
    """Decode ``camera``'s frames in a daemon thread; ``start()``, ``stop()``.

    ``on_state(state)`` is called when the camera's state changes (starting,
    live, lost, ended, stopped). ``stats`` holds counts and the last decode time.
    """

    def __init__(self, camera, on_code: Callable[[str, str, float], None], *,
                 on_state: Callable[[str], None] | None = None, gone_seconds: float = 0.6,
                 decode: Callable = decoder.decode, name: str | None = None):
        self.camera = camera
        self.on_code = on_code
        self.on_state = on_state
        self.gone_seconds = gone_seconds
        self.decode = decode
        self.name = name or getattr(camera, "name", "camera")
        self._seen: dict[str, float] = {}  # code text -> capture time of its last sighting
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._state: str | None = None
        self.stats = {"frames": 0, "reported": 0, "errors": 0, "last_decode_ms": None}

    def start(self) -> ScanLoop:
        """Start the decoding thread (once); returns the loop."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"scanloop-{self.name}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop after the frame being decoded (the camera is the caller's to stop)."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _watch_state(self) -> None:
        state = self.camera.state
        if state != self._state:
            self._state = state
            if self.on_state is not None:
                try:
                    self.on_state(state)
                except Exception:  # a listener's bug must not end the loop
                    log.exception("scan loop %s: on_state failed", self.name)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._watch_state()
            asked = time.monotonic()
            frame = self.camera.read(timeout=READ_TIMEOUT)
            if frame is None:
                if time.monotonic() - asked < READ_TIMEOUT / 2:
                    self._stopping.wait(READ_TIMEOUT)  # a stopped or ended camera answers at once: do not spin
                continue
            self.handle(frame)
        self._watch_state()

    def handle(self, frame) -> list[str]:
        """Decode one frame and report the codes that just came into view (also for tests)."""
        started = time.perf_counter()
        try:
            found = self.decode(frame.image)
        except Exception as exc:  # a bad frame (wrong size, corrupt data) is skipped, not fatal
            self.stats["errors"] += 1
            log.warning("scan loop %s: frame %s not decoded: %s", self.name, frame.seq, exc)
            return []
        self.stats["frames"] += 1
        self.stats["last_decode_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return self._report(found, frame.captured_at)

    def _report(self, found, at: float) -> list[str]:
        reported = []
        for code in found:
            last = self._seen.get(code.text)
            self._seen[code.text] = at
            if last is None or at - last > self.gone_seconds:
                reported.append(code.text)
                self.stats["reported"] += 1
                try:
                    self.on_code(code.text, code.format, at)
                except Exception:
                    log.exception("scan loop %s: on_code failed for %r", self.name, code.text)
        # Forget codes long out of view, so the table stays small.
        for text in [t for t, seen in self._seen.items() if at - seen > self.gone_seconds * 4]:
            del self._seen[text]
        return reported
