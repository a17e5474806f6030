"""Findings (text and photos) and parts requests from the bay, through the pages."""
from __future__ import annotations

import io
import json
import time

import cv2
import numpy as np
import pytest
from PIL import Image

from hardware.camera import Camera
from kiosk.db import connected
from kiosk.models import Finding, PartsRequest, WorkOrder
from kiosk.services import partsrequests, scanning
from kiosk.core.errors import ServiceError
from tests.support.bay import jobs_of, make_order
from tests.support.bay import catalogue_part

HX = {"HX-Request": "true"}


def in_db(app, fn):
    with app.app_context(), connected():
        return fn()


def feedback(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["feedback"]


@pytest.fixture
def bay(app, client, make_staff):
    """TEC-001 badged in at the bay; returns the first job of an authorized order."""
    scanning.debouncer._last.clear()
    make_staff("technician", name="张伟", badge="TEC-001")
    client.post("/bay/scan", data={"code": "TEC-001", "source": "wedge"}, headers=HX)

    def setup():
        catalogue_part()
        return jobs_of(make_order())[0]

    return in_db(app, setup)


def fetch(client, url):
    """GET a file and close the response (send_file streams it from disk)."""
    response = client.get(url)
    try:
        return response.status_code, response.mimetype, response.get_data()
    finally:
        response.close()


def photo(width=3000, height=2000, orientation=None) -> bytes:
    """A camera-sized JPEG; ``orientation`` writes the EXIF tag a phone sets when held upright."""
    image = Image.new("RGB", (width, height), (200, 40, 40))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_finding_with_a_photo_is_kept_upright_and_small(app, client, bay):
    response = client.post(f"/bay/jobs/{bay.id.hex}/findings", headers=HX, content_type="multipart/form-data",
                           data={"text": "刹车盘磨损严重", "photo": (io.BytesIO(photo(orientation=6)), "IMG_0001.jpg")})
    assert feedback(response) == "ok" and "Finding saved" in response.get_data(as_text=True)
    finding = in_db(app, lambda: Finding.get())
    assert finding.text == "刹车盘磨损严重" and finding.job_id == bay.id
    status, mimetype, data = fetch(client, f"/bay/photos/{finding.photo}.jpg")
    assert status == 200 and mimetype == "image/jpeg"
    with Image.open(io.BytesIO(data)) as kept:
        assert kept.size == (1067, 1600)  # turned upright (EXIF 6), longest side 1600
    assert f"/bay/photos/{finding.photo}.jpg" in client.get(f"/bay/orders/{bay.work_order.number}").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"text": "  "}, "Write what you found or take a photo."),
    ({"text": "", "photo": (io.BytesIO(b"this is not a picture"), "note.jpg")}, "not a photo the kiosk can read"),
    ({"text": "x", "photo": (io.BytesIO(photo()[:500]), "cut.jpg")}, "not a photo the kiosk can read"),
])
def test_bad_findings_write_nothing(app, client, bay, data, message):
    response = client.post(f"/bay/jobs/{bay.id.hex}/findings", headers=HX, content_type="multipart/form-data",
                           data=data)
    assert response.status_code == 200 and feedback(response) == "bad"
    assert message in response.get_data(as_text=True)
    assert in_db(app, lambda: Finding.select().count()) == 0


def test_photo_from_the_kiosk_camera(app, client, bay, tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    picture = np.zeros((480, 640, 3), np.uint8)
    picture[:, :, 1] = 180  # a green frame
    cv2.imwrite(str(frames / "0001.png"), picture)
    response = client.post(f"/bay/jobs/{bay.id.hex}/findings", headers=HX, data={"text": "", "camera": "1"})
    assert feedback(response) == "bad" and "kiosk camera has no picture" in response.get_data(as_text=True)
    with Camera(str(frames), "bay", fps=20) as camera:
        deadline = time.time() + 5
        while camera.latest() is None and time.time() < deadline:
            time.sleep(0.05)
        page = client.get(f"/bay/orders/{bay.work_order.number}").get_data(as_text=True)
        assert "Photo from the kiosk camera" in page
        response = client.post(f"/bay/jobs/{bay.id.hex}/findings", headers=HX, data={"text": "", "camera": "1"})
    assert feedback(response) == "ok"
    finding = in_db(app, lambda: Finding.get())
    with Image.open(io.BytesIO(fetch(client, f"/bay/photos/{finding.photo}.jpg")[2])) as kept:
        assert kept.size == (640, 480) and kept.getpixel((10, 10))[1] > 150


def test_photos_are_not_for_strangers(app, client, bay):
    client.post(f"/bay/jobs/{bay.id.hex}/findings", headers=HX, content_type="multipart/form-data",
                data={"text": "", "photo": (io.BytesIO(photo(400, 300)), "a.jpg")})
    digest = in_db(app, lambda: Finding.get().photo)
    assert fetch(app.test_client(), f"/bay/photos/{digest}.jpg")[0] == 403
    assert fetch(client, f"/bay/photos/{'0' * 64}.jpg")[0] == 404
    assert fetch(client, "/bay/photos/..%2Fsecret_key.jpg")[0] == 404


def test_parts_request_shows_its_status_from_the_counter(app, client, bay):
    response = client.post(f"/bay/jobs/{bay.id.hex}/parts", headers=HX, data={"code": "6920000000017", "qty": "2"})
    page = response.get_data(as_text=True)
    assert feedback(response) == "ok" and "Parts requested from the counter: 前刹车片 × 2" in page
    assert 'data-status="requested"' in page
    row = in_db(app, lambda: PartsRequest.get())
    assert (row.part_no, row.qty, row.job_id) == ("5QD698151", 2, bay.id)
    in_db(app, lambda: partsrequests.move(PartsRequest.get(), "ordered"))
    panel = client.get(f"/bay/orders/{bay.work_order.number}/requests").get_data(as_text=True)
    assert 'data-status="ordered"' in panel and "Ordered" in panel
    with pytest.raises(ServiceError, match="cannot go from"):
        in_db(app, lambda: partsrequests.move(PartsRequest.get(), "requested"))


@pytest.mark.parametrize("data, message", [
    ({"code": "", "description": ""}, "Scan or type the part number"),
    ({"code": "NOPE-404"}, "is not in the catalogue"),
    ({"code": "5QD698151", "qty": "0"}, "more than zero"),
    ({"code": "5QD698151", "qty": "two"}, "Enter a number"),
])
def test_bad_parts_requests_write_nothing(app, client, bay, data, message):
    response = client.post(f"/bay/jobs/{bay.id.hex}/parts", headers=HX, data=data)
    assert feedback(response) == "bad" and message in response.get_data(as_text=True)
    assert in_db(app, lambda: PartsRequest.select().count()) == 0


def test_a_parts_request_for_a_cancelled_order_is_refused(app, client, bay):
    from kiosk.services import workorders

    in_db(app, lambda: workorders.move(WorkOrder.get_by_id(bay.work_order_id), "cancelled"))
    response = client.post(f"/bay/jobs/{bay.id.hex}/parts", headers=HX, data={"code": "5QD698151"})
    assert feedback(response) == "bad" and "settled or cancelled" in response.get_data(as_text=True)
    assert in_db(app, lambda: PartsRequest.select().count()) == 0
