"""Check a camera source the way an installer would: open it, watch it for a
few seconds, decode what it sees, and say plainly whether frames arrived.

Used by ``bayflow camera-check``; no Flask, no database.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


from hardware.camera import Camera, Frame, parse_source
from hardware.decode import Decoded, decode
from hardware.lazy import lazy

cv2 = lazy("cv2")  # OpenCV loads at its first use (hardware.lazy)


@dataclass
class CheckResult:
    """What a check saw.  ``ok`` is True when at least one frame arrived."""

    source: str
    kind: str
    ok: bool
    state: str
    frames: int
    dropped: int
    seconds: float
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    codes: list[Decoded] = field(default_factory=list)
    error: str | None = None
    reason: str = ""
    saved: str | None = None

    def as_dict(self) -> dict:
        """Plain values for JSON."""
        data = asdict(self)
        data["codes"] = [{"format": c.format, "text": c.text} for c in self.codes]
        return data


def save_jpeg(frame: Frame, path: str | Path) -> Path:
    """Write ``frame`` as a JPEG; OSError/ValueError when it cannot be written."""
    path = Path(path)
    ok, data = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise ValueError("OpenCV could not encode the frame as JPEG")
    # tofile rather than imwrite: imwrite cannot open non-ASCII paths on Windows.
    data.tofile(str(path))
    return path


def _rate(first: Frame | None, last: Frame | None) -> float | None:
    """Frames per second the source delivered between two frames we were handed."""
    if first is None or last is None or last.captured_at <= first.captured_at:
        return None
    return round((last.seq - first.seq) / (last.captured_at - first.captured_at), 1)


def check(spec: str, seconds: float = 5.0, *, save: str | Path | None = None) -> CheckResult:
    """Watch the source ``spec`` (as ``parse_source`` reads it) for up to
    ``seconds``; a file or folder that ends sooner ends the check sooner.
    With ``save``, the last frame is written there as a JPEG."""
    source = parse_source(spec)
    started = time.monotonic()
    deadline = started + seconds
    codes: dict[Decoded, None] = {}  # insertion-ordered set: first seen first
    first = last = None
    with Camera(source, "camera-check", reconnect_seconds=0.5) as camera:
        while (left := deadline - time.monotonic()) > 0:
            frame = camera.read(timeout=min(0.5, left))
            if frame is None:
                if camera.state == "ended":
                    break
                continue
            first = first or frame
            last = frame
            codes.update(dict.fromkeys(decode(frame.image)))
        status = camera.status
    result = CheckResult(
        source=str(source), kind=status["kind"], ok=status["frames"] > 0, state=status["state"],
        frames=status["frames"], dropped=status["dropped"], seconds=round(time.monotonic() - started, 1),
        width=status["width"], height=status["height"], fps=_rate(first, last), codes=list(codes),
        error=status["error"],
    )
    if not result.ok:
        why = status["error"] or "the source sent nothing"
        result.reason = f"no frames from {source} within {seconds:g} s: {why}"
    if save is not None and last is not None:
        save_jpeg(last, save)
        result.saved = str(save)
    return result
