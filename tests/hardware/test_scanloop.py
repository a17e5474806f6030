"""The camera half of the scan path with real parts: video files written by
OpenCV and folders of JPEG frames, read by hardware.camera.Camera, decoded by
hardware.decode, debounced by hardware.scanloop, published by kiosk.cameras."""
from __future__ import annotations

import json
import queue
import shutil
import threading
import time

import numpy as np
import pytest

from hardware.camera import Camera, Frame
from hardware.scanloop import ScanLoop
from kiosk import cameras
from kiosk.core import events
from tests.support.cameras import blank, code_frame, put_image, write_video

TAG = "R1-20261127-0042"
JOB = "R1-20261127-0042/2"


class Recorder:
    """Collects what a scan loop reports, in order, thread-safely."""

    def __init__(self):
        self.codes: list[tuple[str, str, float]] = []
        self.states: list[str] = []
        self._lock = threading.Lock()

    def code(self, text, fmt, at):
        with self._lock:
            self.codes.append((text, fmt, at))

    def state(self, state):
        with self._lock:
            self.states.append(state)

    def texts(self) -> list[str]:
        with self._lock:
            return [c[0] for c in self.codes]


def wait_for(condition, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_recorded_video_reports_each_appearance_of_a_tag_once(tmp_path):
    tag, job, empty = code_frame(TAG), code_frame(JOB, "qr"), blank(150)
    frames = ([empty] * 8 + [tag] * 12            # the tag comes into view and is held there
              + [empty] * 15 + [tag] * 6 + [empty] + [tag] * 6  # again, with a frame the decoder misses
              + [empty] * 15 + [job] * 12 + [empty] * 5)
    video = write_video(tmp_path / "counter.avi", frames, fps=25)
    seen = Recorder()
    with Camera(str(video), "counter", queue_size=2) as camera:
        loop = ScanLoop(camera, seen.code, on_state=seen.state, gone_seconds=0.3).start()
        assert wait_for(lambda: camera.state == "ended", 15)
        # The frames still queued are decoded after the end: wait for what they show, not a time.
        wait_for(lambda: seen.texts() == [TAG, TAG, JOB] and seen.states[-1:] == ["ended"], 15)
        loop.stop()
    assert seen.texts() == [TAG, TAG, JOB]
    assert [c[1] for c in seen.codes] == ["Code128", "Code128", "QRCode"]
    assert seen.codes[1][2] - seen.codes[0][2] > 0.5  # reported when it came back, with the frame's time
    assert "live" in seen.states and seen.states[-1] == "ended"
    assert loop.stats["frames"] > 20 and loop.stats["errors"] == 0


def test_a_slow_decoder_skips_frames_instead_of_falling_behind(tmp_path):
    video = write_video(tmp_path / "held.avi", [code_frame(TAG)] * 50, fps=50)
    seen, decoded = Recorder(), []

    def slow_decode(image):
        from hardware.decode import decode

        time.sleep(0.1)  # five camera frames' time
        decoded.append(time.monotonic())
        return decode(image)

    with Camera(str(video), "slow", queue_size=2) as camera:
        loop = ScanLoop(camera, seen.code, decode=slow_decode, gone_seconds=0.3).start()
        assert wait_for(lambda: camera.state == "ended", 10)
        time.sleep(0.3)
        loop.stop()
        dropped = camera.status["dropped"]
    assert seen.texts() == [TAG]  # held in view the whole time: one scan
    assert len(decoded) < 20 and dropped > 20  # most frames were skipped, none queued up


def test_a_frame_the_decoder_cannot_take_is_skipped(tmp_path):
    seen = Recorder()
    loop = ScanLoop(camera=None, on_code=seen.code)
    assert loop.handle(Frame(np.zeros((4, 4, 3), np.float32), 1, time.time())) == []
    assert loop.stats["errors"] == 1
    assert loop.handle(Frame(code_frame(TAG), 2, time.time())) == [TAG]


def test_a_folder_camera_that_is_deleted_is_lost_and_comes_back(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    put_image(folder, "0001.jpg", code_frame(TAG))
    seen = Recorder()
    camera = Camera(str(folder), "folder", fps=50, reconnect_seconds=0.05).start()
    loop = ScanLoop(camera, seen.code, on_state=seen.state, gone_seconds=0.2).start()
    try:
        assert wait_for(lambda: seen.texts() == [TAG])
        shutil.rmtree(folder)  # the camera is unplugged
        assert wait_for(lambda: camera.state == "lost")
        assert wait_for(lambda: "lost" in seen.states)
        folder.mkdir()
        put_image(folder, "0002.jpg", code_frame(JOB, "qr"))  # plugged in again
        assert wait_for(lambda: seen.texts() == [TAG, JOB])
        assert loop._thread.is_alive()
    finally:
        loop.stop()
        camera.stop()
    assert seen.states[-1] == "stopped" or camera.state == "stopped"


@pytest.mark.parametrize("source", ["missing.avi", "42"])
def test_a_camera_that_is_not_there_is_lost_not_a_crash(tmp_path, source):
    spec = str(tmp_path / source) if source.endswith(".avi") else source
    seen = Recorder()
    camera = Camera(spec, "gone", reconnect_seconds=0.05).start()
    loop = ScanLoop(camera, seen.code, on_state=seen.state).start()
    try:
        assert wait_for(lambda: "lost" in seen.states)
        time.sleep(0.3)
        assert loop._thread.is_alive() and seen.codes == []
    finally:
        loop.stop()
        camera.stop()


def next_event(q: queue.Queue, name: str, seconds: float = 10.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            got, data = q.get(timeout=0.1)
        except queue.Empty:
            continue
        if got == name:
            return json.loads(data)
    raise AssertionError(f"no {name} event")


def test_the_node_publishes_camera_codes_and_states_to_the_pages(app, tmp_path):
    folder = tmp_path / "cam"
    folder.mkdir()
    q = events.subscribe()
    try:
        config = {**app.config, "CAMERAS": [str(folder)], "CAMERA_RECONNECT_SECONDS": 0.05}
        started = cameras.start(config)
        assert len(started) == 1 and started[0].fps == cameras.FOLDER_FPS
        assert next_event(q, "camera-state")["state"] in ("starting", "lost")
        assert cameras.summary() == "reconnecting"  # an empty folder is no picture yet
        put_image(folder, "0001.jpg", code_frame(TAG))
        scan = next_event(q, "camera-scan")
        assert scan["code"] == TAG and scan["format"] == "Code128" and scan["camera"] == "camera-1"
        assert scan["decoded_at"] >= scan["captured_at"]
        assert wait_for(lambda: cameras.summary() == "live")
        app.config["CAMERAS"] = config["CAMERAS"]
        with app.test_client() as client:
            assert "Camera: live" in client.get("/scan/camera-state").data.decode()
            assert 'data-camera="on"' in client.get("/login").data.decode()
            assert 'id="camera-state"' in client.get("/login").data.decode()
    finally:
        cameras.stop()
        events.unsubscribe(q)
    assert cameras.summary() == "none"
    with app.test_client() as client:
        assert "No camera" in client.get("/scan/camera-state").data.decode()
