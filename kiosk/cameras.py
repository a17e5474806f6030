"""The node's scanning cameras: started with the server, each read by a scan loop
whose codes go to the pages over the live stream.

``CAMERAS`` in the config (``bayflow serve --camera SOURCE``, repeatable) lists
the sources: a USB device number, a stream URL, a video file or a folder of
images. Each code a camera reads is published as a ``camera-scan`` event (JSON:
code, format, camera, captured_at, decoded_at); the page that takes scans posts
it to its station like a handheld scanner's code (static/scanner.js), so a
station needs nothing camera-specific. State changes go out as ``camera-state``.
"""
from __future__ import annotations

import itertools
import json
import threading
import time


from hardware.camera import Camera, parse_source, running
from hardware.camera_sources import source_kind
from hardware.scanloop import ScanLoop
from kiosk.core import events
from hardware.lazy import lazy

cv2 = lazy("cv2")  # OpenCV loads at its first use (hardware.lazy)

_lock = threading.Lock()
_running: list[tuple[Camera, ScanLoop]] = []
_ids = itertools.count(1)

FOLDER_FPS = 50.0


def configured(config) -> bool:
    """Whether this node was given cameras (pages then listen for camera scans)."""
    return bool(config["CAMERAS"])


def _publish_code(camera_name: str):
    def on_code(text: str, fmt: str, captured_at: float) -> None:
        events.publish("camera-scan", json.dumps({
            "id": next(_ids), "code": text, "format": fmt, "camera": camera_name,
            "captured_at": captured_at, "decoded_at": time.time()}, ensure_ascii=False))
    return on_code


def _publish_state(camera_name: str):
    def on_state(state: str) -> None:
        events.publish("camera-state", json.dumps({"camera": camera_name, "state": state}))
    return on_state


def camera_photo_possible() -> bool:
    """Whether this kiosk runs a camera whose latest picture can be taken as a photo."""
    return bool(running())


def camera_frame_jpeg() -> bytes | None:
    """The newest picture of a camera this kiosk runs, as JPEG; None without a camera or a frame."""
    for camera in running():
        frame = camera.latest()
        if frame is not None:
            ok, encoded = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
            if ok:
                return encoded.tobytes()
    return None


def start(config) -> list[Camera]:
    """Start a camera and its scan loop for each source in ``config["CAMERAS"]``.

    ``CAMERA_FPS`` paces files and folders (a folder is looked at that often for
    new frames); a source that cannot be opened is started anyway and reported
    ``lost`` while it keeps being retried, so an unplugged camera never stops the server.
    """
    started = []
    for index, spec in enumerate(config["CAMERAS"]):
        name = f"camera-{index + 1}"
        source = parse_source(spec) if isinstance(spec, str) else spec
        # A folder has no rate of its own: it is looked at FOLDER_FPS times a second,
        # so a frame dropped in waits at most 1/FOLDER_FPS before it is read.
        fps = config["CAMERA_FPS"] or (FOLDER_FPS if source_kind(source) == "folder" else None)
        camera = Camera(source, name, queue_size=2, fps=fps,
                        reconnect_seconds=config["CAMERA_RECONNECT_SECONDS"]).start()
        loop = ScanLoop(camera, _publish_code(name), on_state=_publish_state(name),
                        gone_seconds=config["CAMERA_GONE_SECONDS"]).start()
        with _lock:
            _running.append((camera, loop))
        started.append(camera)
    return started


def stop() -> None:
    """Stop every camera this module started (server shutdown, tests)."""
    with _lock:
        running, _running[:] = list(_running), []
    for camera, loop in running:
        loop.stop()
        camera.stop()


def states() -> list[dict]:
    """Each camera's name, source and state (starting, live, lost, ended, stopped) for the pages."""
    with _lock:
        running = list(_running)
    return [{"name": camera.name, "source": str(camera.source), "kind": camera.kind, "state": camera.state,
             "error": camera.status.get("error")} for camera, _ in running]


def summary() -> str:
    """One word for a page's camera indicator: ``live`` when every camera delivers,
    ``reconnecting`` when one is lost or still starting, ``ended`` when a video
    file has played through, ``none`` without cameras."""
    found = states()
    if not found:
        return "none"
    # A folder that is caught up ("ended") is still watched for new frames.
    if all(c["state"] == "live" or (c["state"] == "ended" and c["kind"] == "folder") for c in found):
        return "live"
    if any(c["state"] == "ended" and c["kind"] != "folder" for c in found):
        return "ended"
    return "reconnecting"
