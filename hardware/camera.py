"""Cameras: frames from a USB device, an RTSP/HTTP stream, a video file or a
folder of image files, each captured in its own thread.

The capture thread puts frames in a small queue; when the consumer (the scan
loop, the installer's preview) is slower than the camera, the oldest frames
are dropped and counted, so the web app is never blocked and never reads a
stale picture.  When a source cannot be opened or stops delivering (a camera
unplugged, a stream dropped, a file deleted or cut short, a folder emptied)
the camera says ``lost`` and keeps reopening it with a growing pause until
frames arrive again.  Nothing is ever raised into the consumer.

States: ``starting`` (started, no frame yet), ``live``, ``lost``
(reconnecting), ``ended`` (a file played through without ``loop``; a folder
whose images have all been read -- it is still watched and goes back to
``live`` when files are added), ``stopped``.

No Flask and no database here: stations and commands own cameras.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass


from hardware.camera_sources import FolderSource, SourceEnded, SourceLost, VideoSource, source_kind
from hardware.lazy import lazy

np = lazy("numpy")

log = logging.getLogger(__name__)

FOLDER_FPS = 15.0  # a folder of frames has no rate of its own
_BACKOFF_FACTOR = 4  # reconnect pauses grow up to this many times reconnect_seconds
_FPS_WINDOW = 30  # frames the measured rate is averaged over

# Every started camera of this process, so the installer's page can show the
# cameras the scan loop opened without the two knowing each other.
_running: dict[int, Camera] = {}
_running_lock = threading.Lock()
_uids = itertools.count(1)


def running() -> list[Camera]:
    """The cameras started (and not yet stopped) in this process, oldest first."""
    with _running_lock:
        return list(_running.values())


def find(uid: int) -> Camera | None:
    """A running camera by its ``uid``."""
    with _running_lock:
        return _running.get(uid)


def parse_source(spec: str) -> int | str:
    """A camera source from its text form: ``"0"`` is USB device 0; a stream
    URL, a video file or a folder path stays as it is."""
    text = str(spec).strip()
    if not text:
        raise ValueError("empty camera source")
    return int(text) if text.isdigit() else text


@dataclass(frozen=True)
class Frame:
    """One captured picture: a BGR ``image``, its number since the camera
    started, and the wall-clock time (``time.time()``) it was grabbed."""

    image: np.ndarray
    seq: int
    captured_at: float


class Camera:
    """One camera, read in a daemon thread.  ``start()``, then ``read()``
    frames; ``stop()`` when done.  Also a context manager."""

    def __init__(self, source, name: str = "camera", *, queue_size: int = 2, fps: float | None = None,
                 reconnect_seconds: float = 2.0, loop: bool = False):
        self.source = parse_source(source) if isinstance(source, str) else source
        self.name = name
        self.kind = source_kind(self.source)
        self.fps = fps  # pacing for files and folders; devices and streams deliver at their own rate
        self.reconnect_seconds = max(0.01, float(reconnect_seconds))
        self.loop = loop
        self.uid = next(_uids)  # unique in this process, for pages that address one camera
        self._queue: deque[Frame] = deque(maxlen=max(1, int(queue_size)))
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = "stopped"
        self._finished = False  # the thread has exited: read() must not wait for more
        self._error: str | None = None
        self._latest: Frame | None = None
        self._seq = 0
        self._dropped = 0
        self._reconnects = 0
        self._times: deque[float] = deque(maxlen=_FPS_WINDOW)

    # -- the consumer's side -------------------------------------------------

    def start(self) -> Camera:
        """Start the capture thread (once); returns the camera."""
        if self._thread is None:
            self._state = "starting"
            self._thread = threading.Thread(target=self._run, name=f"camera-{self.name}", daemon=True)
            self._thread.start()
            with _running_lock:
                _running[self.uid] = self
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop capturing, wait up to ``timeout`` seconds for the thread; the
        thread releases the device itself (a stream read returns within
        ``camera_sources.STREAM_TIMEOUT_MS`` at worst)."""
        self._stopping.set()
        with _running_lock:
            _running.pop(self.uid, None)
        with self._cond:
            self._state = "stopped"
            self._finished = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def __enter__(self) -> Camera:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def read(self, timeout: float | None = None) -> Frame | None:
        """The newest queued frame, waiting up to ``timeout`` seconds (None:
        until one comes or the camera stops/ends).  Older queued frames are
        dropped; a frame is handed out once."""
        with self._cond:
            self._cond.wait_for(lambda: self._queue or self._finished, timeout)
            if not self._queue:
                return None
            frame = self._queue.pop()
            self._dropped += len(self._queue)
            self._queue.clear()
            return frame

    def latest(self) -> Frame | None:
        """The last frame captured, without taking it from the queue (for previews)."""
        return self._latest

    @property
    def state(self) -> str:
        """``starting``, ``live``, ``lost``, ``ended`` or ``stopped``."""
        return self._state

    @property
    def status(self) -> dict:
        """What an installer or a status page wants to know, as plain values."""
        with self._cond:
            latest = self._latest
            now = time.monotonic()
            fps = 0.0
            if len(self._times) >= 2 and now - self._times[-1] < 2.0:
                fps = (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-6)
            return {
                "name": self.name, "source": str(self.source), "kind": self.kind, "state": self._state,
                "fps": round(fps, 1), "frames": self._seq, "dropped": self._dropped,
                "last_frame_at": latest.captured_at if latest else None, "error": self._error,
                "width": int(latest.image.shape[1]) if latest else None,
                "height": int(latest.image.shape[0]) if latest else None,
                "reconnects": self._reconnects,
            }

    # -- the capture thread --------------------------------------------------

    def _set(self, state: str, error: str | None = None) -> None:
        with self._cond:
            if self._stopping.is_set():
                return  # stop() has the last word
            if state != self._state:
                log.log(logging.WARNING if state == "lost" else logging.INFO,
                        "camera %s (%s): %s%s", self.name, self.source, state, f" ({error})" if error else "")
            self._state, self._error = state, error
            if state == "lost":
                self._times.clear()  # the rate after a reconnect should not count the gap

    def _publish(self, image: np.ndarray) -> None:
        with self._cond:
            if self._state == "lost":
                self._reconnects += 1
            self._seq += 1
            frame = Frame(image=image, seq=self._seq, captured_at=time.time())
            if len(self._queue) == self._queue.maxlen:
                self._dropped += 1  # the consumer is behind: the oldest frame goes
            self._queue.append(frame)
            self._latest = frame
            self._times.append(time.monotonic())
            self._cond.notify_all()
        self._set("live")

    def _run(self) -> None:
        source = FolderSource(self.source) if self.kind == "folder" else VideoSource(self.source, self.kind)
        pause = self.reconnect_seconds
        try:
            while not self._stopping.is_set():
                try:
                    source.open()
                except SourceLost as lost:
                    self._set("lost", str(lost))
                except Exception as exc:  # an OpenCV or OS error must not kill the thread
                    self._set("lost", f"{type(exc).__name__}: {exc}")
                else:
                    try:
                        outcome = self._pump(source)
                    finally:
                        source.close()
                    if outcome == "ended" or self._stopping.is_set():
                        break
                    if outcome == "live":
                        pause = self.reconnect_seconds  # it worked for a while: retry soon
                self._stopping.wait(pause)
                pause = min(pause * 2, self.reconnect_seconds * _BACKOFF_FACTOR)
        finally:
            with self._cond:
                self._finished = True
                self._cond.notify_all()

    def _interval(self, source) -> float | None:
        if self.kind in ("device", "url"):
            return None
        fps = self.fps or source.native_fps or FOLDER_FPS
        return 1.0 / fps

    def _pump(self, source) -> str:
        """Read until the source is lost (``"lost"`` or ``"live"`` if frames
        came first), a file ends (``"ended"``) or the camera stops."""
        interval = self._interval(source)
        due = time.monotonic()
        got = reopen = False
        while not self._stopping.is_set():
            try:
                if reopen:  # a looping file plays again from the start
                    reopen = False
                    source.close()
                    source.open()
                image = source.read()
            except SourceEnded:
                if isinstance(source, FolderSource):
                    if self.loop:
                        source.rewind()
                    elif got or self._state != "lost":
                        self._set("ended")
                    # A folder stays watched: look again after one frame's time
                    # (a higher fps means new files are seen sooner).
                    self._stopping.wait(max(interval or 0, 0.02))
                    continue
                if self.loop:
                    reopen = True
                    continue
                self._set("ended")
                return "ended"
            except SourceLost as lost:
                self._set("lost", str(lost))
                return "live" if got else "lost"
            except Exception as exc:
                self._set("lost", f"{type(exc).__name__}: {exc}")
                return "live" if got else "lost"
            got = True
            self._publish(image)
            if interval is not None:
                # Sleep to the next frame's time; if we fell behind, do not burst to catch up.
                due = max(due + interval, time.monotonic())
                self._stopping.wait(due - time.monotonic())
        return "live"
