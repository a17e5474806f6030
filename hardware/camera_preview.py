"""What the installer's preview shows of a camera: a small JPEG of its latest
frame and the codes decoded lately.  No Flask, no database.

The preview never takes frames from the camera's queue (``Camera.latest``),
so the scan loop reading the same camera misses nothing.  It decodes at most
once per new frame, however many screens are watching.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass


from hardware.camera import Camera
from hardware.decode import Decoded, decode
from hardware.lazy import lazy

cv2 = lazy("cv2")  # OpenCV loads at its first use (hardware.lazy)

PREVIEW_WIDTH = 640  # enough to aim a camera; smaller JPEGs keep the LAN and the kiosk idle
KEEP_CODES = 8


@dataclass
class Seen:
    """A code and the last time (``time.time()``) the preview read it."""

    code: Decoded
    at: float


class Preview:
    """The preview state of one camera."""

    def __init__(self, camera: Camera):
        self.camera = camera
        self._lock = threading.Lock()
        self._seq = 0
        self._codes: deque[Seen] = deque(maxlen=KEEP_CODES)
        self._jpeg: tuple[int, bytes] | None = None

    def update(self) -> None:
        """Decode the camera's latest frame if it is new."""
        frame = self.camera.latest()
        with self._lock:
            if frame is None or frame.seq == self._seq:
                return
            self._seq = frame.seq
            for code in decode(frame.image):
                # A code held in view stays one line, moved to the top with its latest time.
                for seen in list(self._codes):
                    if seen.code == code:
                        self._codes.remove(seen)
                self._codes.appendleft(Seen(code, frame.captured_at))

    def codes(self) -> list[Seen]:
        """Codes decoded lately, the most recent first."""
        with self._lock:
            return list(self._codes)

    def jpeg(self) -> tuple[int, bytes] | None:
        """(frame number, JPEG bytes) of the latest frame scaled for a screen; None before the first."""
        frame = self.camera.latest()
        if frame is None:
            return None
        with self._lock:
            if self._jpeg is not None and self._jpeg[0] == frame.seq:
                return self._jpeg
        image = frame.image
        if image.shape[1] > PREVIEW_WIDTH:
            scale = PREVIEW_WIDTH / image.shape[1]
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if not ok:
            return None
        with self._lock:
            self._jpeg = (frame.seq, data.tobytes())
            return self._jpeg


class Previews:
    """Previews of the running cameras, and at most one camera an installer is
    trying out; the trial stops by itself when nobody has looked for a while."""

    def __init__(self, idle_seconds: float = 60.0):
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._previews: dict[int, Preview] = {}
        self.trial: Camera | None = None
        self._looked_at = 0.0
        self._trial_ended = threading.Event()  # wakes the trial's watcher when the trial stops

    def of(self, camera: Camera) -> Preview:
        """The preview of ``camera`` (made on first use)."""
        with self._lock:
            preview = self._previews.get(camera.uid)
            if preview is None or preview.camera is not camera:
                preview = self._previews[camera.uid] = Preview(camera)
            return preview

    def looked_at(self) -> None:
        """Someone is watching: keep the trial camera running."""
        self._looked_at = time.monotonic()

    def try_source(self, source: int | str) -> Camera:
        """Start a trial camera on ``source`` (files and folders loop), replacing the last one."""
        self.stop_trial()
        camera = Camera(source, "trial", loop=True, reconnect_seconds=1.0).start()
        with self._lock:
            self.trial = camera
            self._trial_ended = ended = threading.Event()
        self.looked_at()
        threading.Thread(target=self._watch, args=(camera, ended), name="camera-trial-watch", daemon=True).start()
        return camera

    def stop_trial(self) -> None:
        with self._lock:
            camera, self.trial = self.trial, None
            if camera is not None:
                self._previews.pop(camera.uid, None)
            self._trial_ended.set()
        if camera is not None:
            camera.stop()

    def _watch(self, camera: Camera, ended: threading.Event) -> None:
        # Waits, not polls fast: a forgotten trial may cost a few seconds more, never CPU;
        # a trial stopped by hand ends its watcher at once.
        while self.trial is camera:
            if time.monotonic() - self._looked_at > self.idle_seconds:
                if self.trial is camera:
                    self.stop_trial()
                return
            if ended.wait(min(5.0, self.idle_seconds / 4)):
                return
