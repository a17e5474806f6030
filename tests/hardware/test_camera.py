"""Cameras through the real capture path: video files, folders and an MJPEG
stream opened by OpenCV, frames into the real decoders, and sources that go
away and come back."""
from __future__ import annotations

import csv
import dataclasses
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.camera import Camera, Frame, parse_source
from hardware.decode import Decoded, decode
from tests.support.cameras import (MjpegCamera, blank, code_frame, index_of, numbered, put_image,
                                write_video)
from tests.support import BARCODES as SHARED_BARCODES

BARCODES = SHARED_BARCODES
ORDER = "R1-20261127-0042"


def wait_for(camera: Camera, state: str, timeout: float = 10.0) -> None:
    """Wait until the camera reports ``state``; fail with its status otherwise."""
    deadline = time.monotonic() + timeout
    while camera.state != state:
        if time.monotonic() > deadline:
            pytest.fail(f"camera never became {state!r}: {camera.status}")
        time.sleep(0.02)


def drain(camera: Camera, idle: float = 2.0) -> list[Frame]:
    """Every frame the camera hands out until none comes for ``idle`` seconds."""
    frames = []
    while (frame := camera.read(timeout=idle)) is not None:
        frames.append(frame)
    return frames


@pytest.mark.parametrize("spec, expected", [
    ("0", 0), (" 2 ", 2), ("rtsp://10.0.0.7:554/stream1", "rtsp://10.0.0.7:554/stream1"),
    ("http://cam.local/video.mjpg", "http://cam.local/video.mjpg"), ("frames/run1", "frames/run1"),
    ("C:\\录像\\前台.avi", "C:\\录像\\前台.avi"), ("/dev/video0", "/dev/video0"),
])
def test_parse_source(spec, expected):
    assert parse_source(spec) == expected


def test_parse_source_refuses_nothing():
    with pytest.raises(ValueError):
        parse_source("  ")


def test_recorded_codes_reach_the_decoder(tmp_path):
    codes = [(ORDER, "code128"), ("ADV-001", "code128"), ("JL-7Q2K9", "qr")]
    frames = [code_frame(text, kind) for text, kind in codes for _ in range(4)]
    video = write_video(tmp_path / "counter.avi", frames, fps=25)
    with Camera(str(video), "counter", queue_size=16) as camera:
        got = drain(camera)
        assert camera.state == "ended"
        status = camera.status
    read = {code for frame in got for code in decode(frame.image)}
    assert read == {Decoded("Code128", ORDER), Decoded("Code128", "ADV-001"), Decoded("QRCode", "JL-7Q2K9")}
    assert [f.seq for f in got] == sorted(f.seq for f in got)
    assert status["frames"] == 12 and status["frames"] == len(got) + status["dropped"]
    assert (status["width"], status["height"], status["kind"]) == (640, 480, "file")
    assert got[0].captured_at <= got[-1].captured_at <= time.time()


def _photo_frame(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    scale = min(1.0, 640 / image.shape[1], 480 / image.shape[0])
    image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    frame = blank(200)
    frame[:image.shape[0], :image.shape[1]] = image
    return frame


def test_photographs_through_a_recorded_video(tmp_path):
    """Real phone photographs of labels, recorded as a video, read back through the camera."""
    if not (BARCODES / "manifest.csv").exists():
        pytest.fail(f"the shared barcode photographs are not at {BARCODES} (set BAYFLOW_SHARED)")
    with open(BARCODES / "manifest.csv", encoding="utf-8", newline="") as f:
        rows = {r["path"]: r for r in csv.DictReader(f)}
    paths = ["images/zxing/code128-2/01.png", "images/zxing/ean13-1/1.png", "images/zxing/qrcode-1/1.png"]
    video = write_video(tmp_path / "photos.avi", [_photo_frame(BARCODES / p) for p in paths for _ in range(3)])
    with Camera(str(video), fps=50, queue_size=16) as camera:
        read = {code for frame in drain(camera) for code in decode(frame.image)}
    assert read == {Decoded(rows[p]["format"], rows[p]["expected_text"]) for p in paths}


def test_a_file_plays_at_its_own_rate_unless_told(tmp_path):
    video = write_video(tmp_path / "slow.avi", numbered(10), fps=10)
    with Camera(str(video), queue_size=16) as camera:
        start = time.monotonic()
        assert len(drain(camera, idle=3)) == 10
        own = time.monotonic() - start  # read() returns at once when the file has ended
    with Camera(str(video), fps=100, queue_size=16) as camera:
        start = time.monotonic()
        assert len(drain(camera, idle=3)) == 10
        fast = time.monotonic() - start
    assert 0.8 <= own < 2.5
    assert fast < 0.6


def test_a_slow_consumer_gets_the_newest_frame_and_drops_are_counted(tmp_path):
    video = write_video(tmp_path / "fast.avi", numbered(12), fps=25)
    with Camera(str(video), queue_size=2) as camera:
        got = []
        while (frame := camera.read(timeout=2)) is not None:
            got.append(frame)
            time.sleep(0.15)  # a decoder much slower than the camera
            # By now newer frames came: the next read must not hand out an old one.
        status = camera.status
    assert status["frames"] == 12
    assert status["dropped"] >= 6 and status["dropped"] == 12 - len(got)
    assert got[-1].seq == 12 and index_of(got[-1].image) == 11
    assert all(b.seq - a.seq >= 2 for a, b in zip(got[1:], got[2:]))  # skipped ahead, never behind


def test_loop_replays_a_file(tmp_path):
    video = write_video(tmp_path / "demo.avi", numbered(4), fps=50)
    with Camera(str(video), loop=True, queue_size=16) as camera:
        got = [camera.read(timeout=2) for _ in range(10)]
        assert camera.state == "live"
    # The file plays 0, 1, 2, 3, 0, 1, … and its n-th frame is (n - 1) % 4 however slow the reader:
    # a reader that falls behind gets the newest frame (the ones between are dropped, counted by seq).
    seqs = [f.seq for f in got]
    assert seqs == sorted(set(seqs)) and seqs[-1] >= 10  # ten frames of a four-frame file: it looped
    assert [index_of(f.image) for f in got] == [(seq - 1) % 4 for seq in seqs]


def test_a_deleted_file_is_lost_then_back(tmp_path):
    video = write_video(tmp_path / "cam.avi", numbered(5), fps=25)
    data = video.read_bytes()
    with Camera(str(video), loop=True, reconnect_seconds=0.1) as camera:
        wait_for(camera, "live")
        video.unlink()
        wait_for(camera, "lost")
        assert "removed" in camera.status["error"] or "no such file" in camera.status["error"]
        assert camera.read(timeout=0.3) is None or camera.read(timeout=0.3) is None
        video.write_bytes(data)
        wait_for(camera, "live")
        assert camera.status["reconnects"] >= 1 and camera.status["error"] is None


def test_a_truncated_file_is_lost_not_ended(tmp_path):
    video = write_video(tmp_path / "cut.avi", numbered(40), fps=25)
    data = video.read_bytes()
    with Camera(str(video), reconnect_seconds=0.1) as camera:
        wait_for(camera, "live")
        with open(video, "r+b") as f:
            f.truncate(len(data) // 3)
        wait_for(camera, "lost")
        assert "of 40 frames" in camera.status["error"] or "changed" in camera.status["error"]
        video.write_bytes(data)
        wait_for(camera, "ended", timeout=15)  # the whole file played through once restored
        assert camera.status["error"] is None


def test_a_folder_is_read_in_name_order_and_new_files_are_picked_up(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    shades = numbered(5)
    for i in (2, 0, 1):  # written out of order: name order counts
        put_image(folder, f"{i:04d}.jpg", shades[i])
    (folder / "notes.txt").write_text("not a frame")
    with Camera(str(folder), fps=20, queue_size=16) as camera:
        first = drain(camera, idle=1)
        assert camera.state == "ended"
        later = []
        for i in (3, 4):  # read() hands out the newest frame: one new file at a time
            put_image(folder, f"{i:04d}.jpg", shades[i])
            later.append(camera.read(timeout=2))
        assert camera.status["kind"] == "folder" and camera.status["frames"] == 5
    assert [index_of(f.image) for f in first] == [0, 1, 2]
    assert [index_of(f.image) for f in later] == [3, 4]


def test_an_emptied_folder_is_lost_then_back(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    put_image(folder, "a.png", code_frame(ORDER))
    with Camera(str(folder), loop=True, fps=30, reconnect_seconds=0.1) as camera:
        wait_for(camera, "live")
        (folder / "a.png").unlink()
        wait_for(camera, "lost")
        assert "no images" in camera.status["error"]
        put_image(folder, "a.png", code_frame(ORDER))
        wait_for(camera, "live")
        frame = camera.read(timeout=2)
    assert decode(frame.image) == [Decoded("Code128", ORDER)]


def test_an_mjpeg_stream_that_stops_is_lost_then_reconnects():
    server = MjpegCamera([code_frame(ORDER), code_frame("TEC-001")], fps=20)
    try:
        with Camera(server.url, "bay-3", reconnect_seconds=0.2) as camera:
            wait_for(camera, "live")
            first = camera.read(timeout=5)
            assert camera.status["kind"] == "url"
            server.stop()
            wait_for(camera, "lost")
            server.start()
            wait_for(camera, "live", timeout=15)
            again = camera.read(timeout=5)
            assert camera.status["reconnects"] >= 1
    finally:
        server.stop()
    read = {c.text for c in decode(first.image) + decode(again.image)}
    assert read <= {ORDER, "TEC-001"} and read
    assert again.seq > first.seq


@pytest.mark.parametrize("source", [99, "http://127.0.0.1:9/none.mjpg", "missing.avi", "no/such/folder"])
def test_a_source_that_is_not_there_reports_lost_and_never_raises(source, tmp_path):
    if isinstance(source, str) and "://" not in source:
        source = str(tmp_path / source)
    with Camera(source, reconnect_seconds=0.1) as camera:
        wait_for(camera, "lost")
        assert camera.read(timeout=0.2) is None
        assert camera.status["error"] and camera.status["frames"] == 0
    assert camera.state == "stopped"


def test_stop_wakes_a_waiting_reader_and_stops_the_thread(tmp_path):
    camera = Camera(str(tmp_path / "gone"), reconnect_seconds=0.1).start()
    result = []
    reader = threading.Thread(target=lambda: result.append(camera.read()))
    reader.start()
    time.sleep(0.3)
    camera.stop()
    reader.join(2)
    assert not reader.is_alive() and result == [None]
    assert not camera._thread.is_alive() and camera.state == "stopped"


def test_an_idle_camera_does_not_spin(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    put_image(folder, "a.jpg", blank())
    with Camera(str(folder), reconnect_seconds=0.1) as waiting, Camera(str(tmp_path / "x.avi")) as lost:
        wait_for(waiting, "ended")
        wait_for(lost, "lost")
        cpu = time.process_time()
        time.sleep(1.0)
        assert time.process_time() - cpu < 0.15


def test_frames_and_status_are_plain_values(tmp_path):
    camera = Camera(str(tmp_path / "x.avi"), "desk")
    assert camera.state == "stopped"
    assert set(camera.status) >= {"name", "source", "state", "fps", "frames", "dropped", "last_frame_at", "error"}
    frame = Frame(blank(), 1, time.time())
    with pytest.raises(dataclasses.FrozenInstanceError):
        frame.seq = 2
