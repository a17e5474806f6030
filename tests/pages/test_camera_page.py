"""The installer's camera page: running cameras with their state, a live
picture and the codes decoded lately, trying a source, and who may see it."""
from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from hardware import camera as cameras
from hardware.camera import Camera
from hardware.decode import Decoded, decode
from tests.support.cameras import code_frame, put_image, write_video

ORDER = "R1-20261127-0042"


@pytest.fixture
def admin(make_staff, login):
    return login(make_staff("admin", name="林管理"))


@pytest.fixture
def counter_camera(tmp_path):
    video = write_video(tmp_path / "counter.avi", [code_frame(ORDER)] * 5 + [code_frame("ADV-001", "qr")] * 5,
                        fps=20)
    camera = Camera(str(video), "counter", loop=True).start()
    yield camera
    camera.stop()


@pytest.fixture(autouse=True)
def no_leftover_cameras(app):
    yield
    previews = app.extensions.get("camera_previews")
    if previews is not None:
        previews.stop_trial()


def wait_until(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.05)


def test_the_page_shows_a_running_camera_with_its_picture_and_codes(client, admin, counter_camera):
    wait_until(lambda: counter_camera.state == "live")
    page = client.get("/camera/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'id="camera-{counter_camera.uid}"' in html and "counter" in html and "Live" in html
    assert "Video file" in html and "640 × 480" in html

    # Polled cards gather the codes the camera sees as the video plays.
    seen = set()

    def both_codes():
        card = client.get(f"/camera/{counter_camera.uid}/card", headers={"HX-Request": "true"})
        assert card.status_code == 200 and "<html" not in card.get_data(as_text=True)
        text = card.get_data(as_text=True)
        seen.update(code for code in (ORDER, "ADV-001") if f"<b>{code}</b>" in text)
        return seen == {ORDER, "ADV-001"}

    wait_until(both_codes)

    shot = client.get(f"/camera/{counter_camera.uid}/frame.jpg?seq=1")
    assert shot.status_code == 200 and shot.mimetype == "image/jpeg"
    assert shot.headers["Cache-Control"] == "no-store"
    image = cv2.imdecode(np.frombuffer(shot.data, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (480, 640, 3)
    assert decode(image) in ([Decoded("Code128", ORDER)], [Decoded("QRCode", "ADV-001")])


def test_the_preview_never_takes_frames_from_the_scan_loop(client, admin, counter_camera):
    wait_until(lambda: counter_camera.state == "live")
    first = counter_camera.read(timeout=2)
    for _ in range(3):
        client.get(f"/camera/{counter_camera.uid}/card", headers={"HX-Request": "true"})
        client.get(f"/camera/{counter_camera.uid}/frame.jpg")
    assert counter_camera.read(timeout=2).seq > first.seq
    assert counter_camera.status["dropped"] < counter_camera.status["frames"]


def test_a_lost_camera_says_so(client, admin, tmp_path):
    camera = Camera(str(tmp_path / "unplugged.avi"), "bay-2", reconnect_seconds=0.2).start()
    try:
        wait_until(lambda: camera.state == "lost")
        html = client.get(f"/camera/{camera.uid}/card").get_data(as_text=True)
        assert 'data-state="lost"' in html and "Lost, reconnecting" in html
        assert "no such file" in html and "No picture yet." in html
        assert client.get(f"/camera/{camera.uid}/frame.jpg").status_code == 404
    finally:
        camera.stop()
    gone = client.get(f"/camera/{camera.uid}/card", headers={"HX-Request": "true"})
    assert gone.status_code == 286  # htmx stops polling a closed camera
    assert "This camera was closed." in gone.get_data(as_text=True)


def test_trying_a_folder_source(client, admin, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    put_image(folder, "0001.jpg", code_frame("PRT-001"))
    answer = client.post("/camera/try", data={"source": str(folder)}, follow_redirects=True)
    assert answer.status_code == 200
    assert "Trying" in answer.get_data(as_text=True)
    trial = next(c for c in cameras.running() if c.name == "trial")
    assert trial.loop and trial.kind == "folder"
    wait_until(lambda: "<b>PRT-001</b>" in client.get(f"/camera/{trial.uid}/card").get_data(as_text=True))
    assert "Close the trial camera" in client.get("/camera/").get_data(as_text=True)

    closed = client.post("/camera/stop-trial", follow_redirects=True)
    assert "The trial camera is closed." in closed.get_data(as_text=True)
    assert trial.state == "stopped" and trial not in cameras.running()


@pytest.mark.parametrize("source, message", [
    ("", "Enter a camera"), ("   ", "Enter a camera"), ("a\x00b", "does not look like a camera source"),
    ("x" * 1001, "does not look like a camera source"),
])
def test_a_bad_source_is_a_message_not_an_error(client, admin, source, message):
    before = len(cameras.running())
    answer = client.post("/camera/try", data={"source": source}, follow_redirects=True)
    assert answer.status_code == 200 and message in answer.get_data(as_text=True)
    assert len(cameras.running()) == before


def test_a_forgotten_trial_stops_by_itself(app, client, admin, tmp_path):
    client.get("/camera/")
    previews = app.extensions["camera_previews"]
    previews.idle_seconds = 0.4
    client.post("/camera/try", data={"source": str(tmp_path / "nothing")})
    trial = previews.trial
    wait_until(lambda: trial.state == "stopped", timeout=5)
    assert previews.trial is None


def test_no_cameras(client, admin):
    assert cameras.running() == []  # every other test stops the cameras it started
    html = client.get("/camera/").get_data(as_text=True)
    assert 'id="no-cameras"' in html and "No camera is running on this kiosk" in html


def test_only_admin_and_manager(client, make_staff, login):
    assert client.get("/camera/").status_code == 302  # to the login page
    login(make_staff("technician"))
    assert client.get("/camera/").status_code == 403
    assert client.post("/camera/try", data={"source": "0"}).status_code == 403
    login(make_staff("manager"))
    assert client.get("/camera/").status_code == 200
