"""Where a camera's frames come from: a USB device, a network stream, a video
file or a folder of image files.

Each source is opened, read and closed by the one capture thread that owns it
(OpenCV capture objects are not shared between threads).  ``read`` returns the
next image, raises ``SourceLost`` when the source went away (unplugged,
stream dropped, file deleted or cut short, folder emptied) and ``SourceEnded``
when a file or folder has been played through.  Nothing here sleeps for
pacing or retries: the camera thread decides that.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from hardware.lazy import lazy

cv2 = lazy("cv2")  # OpenCV loads at its first use (hardware.lazy)
np = lazy("numpy")


IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"})
# How long a stream may stay silent before OpenCV's FFmpeg backend gives up; without it
# a camera that stops answering without closing the connection would block forever.
STREAM_TIMEOUT_MS = 5000
# A folder image this young that does not decode may still be being written.
_FRESH_SECONDS = 1.0


class SourceLost(Exception):
    """The source cannot be read now; the camera retries later."""


class SourceEnded(Exception):
    """A file or folder has been played through."""


def source_kind(source: int | str) -> str:
    """``device``, ``url``, ``folder`` or ``file`` for a parsed source."""
    if isinstance(source, int) or str(source).startswith("/dev/video"):
        return "device"
    if "://" in source:
        return "url"
    path = Path(source)
    if path.is_dir() or (not path.exists() and not path.suffix):
        return "folder"
    return "file"


class VideoSource:
    """A device, stream URL or video file read through ``cv2.VideoCapture``."""

    def __init__(self, source: int | str, kind: str):
        self.source = source
        self.kind = kind
        self.capture: cv2.VideoCapture | None = None
        self.native_fps: float | None = None
        self._expected = 0  # frames a file says it holds (0: unknown)
        self._read = 0
        self._stat: tuple[int, int] | None = None

    def open(self) -> None:
        """Open the source; ``SourceLost`` with the reason if it cannot be opened."""
        if self.kind == "file":
            if not os.path.isfile(self.source):
                raise SourceLost(f"no such file: {self.source}")
            self._stat = _file_stat(self.source)
        if self.kind == "device":
            # The platform's own backend (V4L2, Media Foundation) for devices.
            capture = cv2.VideoCapture(self.source)
        else:
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, STREAM_TIMEOUT_MS,
                      cv2.CAP_PROP_READ_TIMEOUT_MSEC, STREAM_TIMEOUT_MS]
            capture = cv2.VideoCapture(self.source, cv2.CAP_FFMPEG, params)
        if not capture.isOpened():
            capture.release()
            raise SourceLost(f"cannot open {self.kind} {self.source}")
        self.capture = capture
        fps = capture.get(cv2.CAP_PROP_FPS)
        # Some containers and streams report 0 or absurd rates; those mean "unknown".
        self.native_fps = fps if 0 < fps <= 240 else None
        self._expected = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if self.kind == "file" else 0
        self._read = 0

    def read(self) -> np.ndarray:
        """The next frame (blocks on devices and streams until one arrives)."""
        assert self.capture is not None
        ok, image = self.capture.read()
        if ok and image is not None and image.size:
            self._read += 1
            return image
        if self.kind != "file":
            raise SourceLost(f"{self.kind} {self.source} stopped sending frames")
        if not os.path.isfile(self.source):
            raise SourceLost(f"file {self.source} was removed")
        if _file_stat(self.source) != self._stat:
            raise SourceLost(f"file {self.source} changed while it was read")
        if 0 < self._expected and self._read < self._expected:
            # A cut-short file keeps its header's frame count: a broken file, not its end.
            raise SourceLost(f"file {self.source} ended after {self._read} of {self._expected} frames")
        raise SourceEnded(f"end of {self.source}")

    def close(self) -> None:
        if self.capture is not None:
            self.capture.release()
            self.capture = None


class FolderSource:
    """Image files of a folder in name order; files added later are read too.

    Writers should add frames atomically (write ``x.tmp``, then rename to
    ``x.jpg``); a fresh file that does not decode yet is retried.
    """

    kind = "folder"
    native_fps = None

    def __init__(self, folder: str):
        self.folder = Path(folder)
        self._seen: set[str] = set()
        self._pending: list[str] = []

    def open(self) -> None:
        """Ready when the folder holds at least one image; ``SourceLost`` otherwise."""
        if not self._images():
            self._seen.clear()  # emptied: the same names dropped in again are new frames
            raise SourceLost(f"no images in folder {self.folder}")

    def _images(self) -> list[str]:
        try:
            with os.scandir(self.folder) as entries:
                return sorted(e.name for e in entries
                              if e.is_file() and Path(e.name).suffix.lower() in IMAGE_SUFFIXES)
        except OSError:
            return []

    def rewind(self) -> None:
        """Play the folder again from its first file (looping)."""
        self._seen.clear()
        self._pending = []

    def read(self) -> np.ndarray:
        """The next unread image; ``SourceEnded`` when caught up, ``SourceLost`` when emptied."""
        while True:
            if not self._pending:
                names = self._images()
                if not names:
                    self._seen.clear()
                    raise SourceLost(f"no images in folder {self.folder}")
                self._pending = [n for n in names if n not in self._seen]
                if not self._pending:
                    raise SourceEnded(f"all images of {self.folder} read")
            name = self._pending.pop(0)
            image, fresh = _read_image(self.folder / name)
            if image is None and fresh:
                self._pending = []  # try this one again on the next look at the folder
                raise SourceEnded(f"{name} is still being written")
            self._seen.add(name)
            if image is not None:
                return image

    def close(self) -> None:
        self._pending = []


def _file_stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _read_image(path: Path) -> tuple[np.ndarray | None, bool]:
    """(the decoded image or None, whether the file is young enough to be half-written)."""
    try:
        # fromfile + imdecode: imread cannot open non-ASCII paths on Windows.
        data = np.fromfile(str(path), dtype=np.uint8)
        fresh = time.time() - path.stat().st_mtime < _FRESH_SECONDS
    except OSError:
        return None, False
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    return image, fresh
