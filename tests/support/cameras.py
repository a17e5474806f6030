"""Camera test media made at test time: video files written by OpenCV, folders
of frames, pictures of our own codes, and a real MJPEG-over-HTTP camera on
loopback that can be stopped and started again like an unplugged IP camera."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np

from hardware.symbols import make_symbol, symbol_array

SIZE = (640, 480)  # width, height of the frames the tests write


def blank(value: int = 128, size: tuple[int, int] = SIZE) -> np.ndarray:
    """A plain grey BGR frame."""
    return np.full((size[1], size[0], 3), value, np.uint8)


def code_frame(text: str, symbology: str = "code128", size: tuple[int, int] = SIZE) -> np.ndarray:
    """A BGR frame showing ``text`` as a printed code on a grey desk, the way a
    camera above the counter sees a tag (a margin of desk around it)."""
    frame = blank(150, size)
    symbol = make_symbol(text, symbology)
    module = max(1, int(size[0] * 0.8) // symbol.width) if symbol.is_linear else 6
    pixels = symbol_array(symbol, module, size[1] // 4 if symbol.is_linear else None)
    h, w = pixels.shape
    y, x = (size[1] - h) // 2, (size[0] - w) // 2
    frame[y:y + h, x:x + w] = cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
    return frame


def write_video(path: Path, frames: list[np.ndarray], fps: float = 25.0) -> Path:
    """Write ``frames`` (same size, BGR) as Motion-JPEG in an .avi, which the
    headless OpenCV wheel both writes and reads."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened(), f"OpenCV cannot write {path}"
    writer.set(cv2.VIDEOWRITER_PROP_QUALITY, 95)
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def numbered(count: int, size: tuple[int, int] = SIZE) -> list[np.ndarray]:
    """Frames whose brightness tells them apart: frame i has grey value 10 + 20 * i (mod 240)."""
    return [blank(10 + (20 * i) % 240, size) for i in range(count)]


def index_of(image: np.ndarray) -> int:
    """Which ``numbered`` frame this is (0-11), despite JPEG's rounding of the grey."""
    return int(round((float(image.mean()) - 10) / 20))


def put_image(folder: Path, name: str, image: np.ndarray) -> Path:
    """Drop a frame into a watched folder the safe way: write, then rename."""
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    tmp = folder / f"{name}.part"
    tmp.write_bytes(data.tobytes())
    return tmp.replace(folder / name)


class MjpegCamera:
    """An IP camera on loopback: ``multipart/x-mixed-replace`` JPEG frames over
    HTTP at ``fps``.  ``stop()`` cuts every connection and closes the port;
    ``start()`` serves again on the same port."""

    def __init__(self, frames: list[np.ndarray], fps: float = 20.0):
        self.jpegs = [cv2.imencode(".jpg", f)[1].tobytes() for f in frames]
        self.fps = fps
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self._running = threading.Event()
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/video.mjpg"

    def start(self) -> None:
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                i = 0
                try:
                    while camera._running.is_set():
                        jpeg = camera.jpegs[i % len(camera.jpegs)]
                        self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\n"
                                         + f"Content-Length: {len(jpeg)}\r\n\r\n".encode() + jpeg + b"\r\n")
                        self.wfile.flush()
                        i += 1
                        time.sleep(1.0 / camera.fps)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._running.set()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._running.clear()  # handlers leave their loops and close their connections
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        time.sleep(0.1)
