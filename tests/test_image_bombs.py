"""Image bombs (issue #19, item 10): a few kilobytes of PNG that claim 50
megapixels, eight at once from a badge-only bay session, against a real
`bayflow serve`. They are refused from their header, before decoding, and the
server's memory stays where it was; a large JPEG from a phone is still taken,
decoded already scaled down, and kept at most 1600 pixels wide."""
from __future__ import annotations

import concurrent.futures
import http.cookiejar
import io
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from PIL import Image

from kiosk import create_app
from kiosk.db import connected, database
from kiosk.models import Finding
from kiosk.services import files, findings
from kiosk.services import staff as staff_service
from kiosk.services.errors import ServiceError
from tests.test_clock import jobs_of, make_order
from tests.test_server import Node

AT_ONCE = 8


def png_bomb(width=8000, height=6250) -> bytes:
    """50 megapixels of nothing: a few kilobytes of PNG."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


def jpeg(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 90).save(out, "JPEG", quality=50)
    return out.getvalue()


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


class BaySession:
    """A browser at the bay kiosk: its cookies and CSRF token, the badge scanned."""

    def __init__(self, base: str, badge: str, lang: str | None = "en"):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.opener.open(f"{base}/bay/", timeout=30).read().decode()
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        if lang:
            self.post(f"/lang/{lang}", b"", "application/x-www-form-urlencoded")  # what the assertions read
        self.post("/bay/scan", b"code=" + badge.encode() + b"&source=wedge",
                  "application/x-www-form-urlencoded")

    def post(self, path: str, body: bytes, content_type: str, ok_statuses=()) -> str:
        """POST as htmx does; the answer's HTML (an error status in ``ok_statuses`` is an answer too)."""
        request = urllib.request.Request(self.base + path, data=body, method="POST", headers={
            "Content-Type": content_type, "X-CSRFToken": self.csrf, "HX-Request": "true"})
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.read().decode()
        except urllib.error.HTTPError as error:
            if error.code in ok_statuses:
                return error.read().decode()
            raise

    def upload_photo(self, job_id: str, content: bytes, name: str) -> str:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{name}\"\r\n"
                f"Content-Type: image/png\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        return self.post(f"/bay/jobs/{job_id}/findings", body, f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def bay_node(tmp_path):
    """A kiosk with a technician and an authorized order, served by a real `bayflow serve` (one process)."""
    db_path = tmp_path / "bay.sqlite"
    app = create_app({"DATABASE": str(db_path), "SECRET_KEY": "x", "NODE_PREFIX": "B1",
                      "BLOB_FOLDER": str(tmp_path / "bay-blobs")})
    with app.app_context(), connected():
        staff_service.create_staff("张伟", "TEC-001", ["technician"], "2468")
        job = jobs_of(make_order())[0]
    database.close()
    instance = tmp_path / "instance"
    instance.mkdir()
    node = Node(["--db", str(db_path), "--workers", "1", "--sync-interval", "0"], instance)
    node.job_id, node.app = job.id.hex, app
    yield node
    node.stop()


def findings_kept(node) -> list:
    with node.app.app_context(), connected():
        rows = list(Finding.select())
    database.close()
    return rows


def test_eight_png_bombs_at_once_are_refused_before_decoding(bay_node):
    base = f"http://127.0.0.1:{bay_node.port}"
    bomb = png_bomb()
    assert len(bomb) < 64 * 1024
    sessions = [BaySession(base, "TEC-001") for _ in range(AT_ONCE)]
    before = peak_rss_mb(bay_node.process.pid)
    with concurrent.futures.ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(lambda s: s.upload_photo(bay_node.job_id, bomb, "bomb.png"), sessions))
    for page in answers:
        assert "The photo is too large (more than 50 megapixels)" in page
    # Decoded, each would have cost 50 MB as a bilevel picture and 150 MB more in colour.
    assert peak_rss_mb(bay_node.process.pid) - before < 100
    assert findings_kept(bay_node) == []


def test_large_phone_jpegs_at_once_are_kept_small(bay_node):
    base = f"http://127.0.0.1:{bay_node.port}"
    picture = jpeg(8000, 6000)  # a 48 MP phone picture: taken, decoded at 1/4
    sessions = [BaySession(base, "TEC-001") for _ in range(AT_ONCE)]
    before = peak_rss_mb(bay_node.process.pid)
    with concurrent.futures.ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(lambda s: s.upload_photo(bay_node.job_id, picture, "IMG_0001.jpg"), sessions))
    assert all("Finding saved" in page for page in answers), answers[0][-600:]
    # Whole, each would be 144 MB in colour; two at a time at a quarter of the size is a few MB.
    assert peak_rss_mb(bay_node.process.pid) - before < 100
    kept = findings_kept(bay_node)
    assert len(kept) == AT_ONCE
    blob = files.path_of(Path(bay_node.app.config["BLOB_FOLDER"]), kept[0].photo).read_bytes()
    with Image.open(io.BytesIO(blob)) as image:
        assert max(image.size) == 1600


def test_a_png_larger_than_a_phone_picture_is_refused_but_a_normal_one_is_taken():
    with pytest.raises(ServiceError) as refused:
        findings.photo_jpeg(png_bomb(4000, 4000))  # 16 MP in a format decoded whole
    assert "too large" in str(refused.value.message)
    out = io.BytesIO()
    Image.new("RGB", (2000, 1500), (10, 200, 10)).save(out, "PNG")
    with Image.open(io.BytesIO(findings.photo_jpeg(out.getvalue()))) as kept:
        assert kept.format == "JPEG" and kept.size == (1600, 1200)


def test_a_signature_claiming_millions_of_pixels_is_refused_and_a_wide_one_scaled(app):
    import base64

    def data_url(content: bytes) -> str:
        return "data:image/png;base64," + base64.b64encode(content).decode()

    with app.test_request_context():
        with pytest.raises(ServiceError):
            files.png_from_data_url(data_url(png_bomb(4000, 2000)))  # 8 MP: no signature pad is that big
        wide = io.BytesIO()
        Image.new("RGB", (3000, 600), "white").save(wide, "PNG")
        with Image.open(io.BytesIO(files.png_from_data_url(data_url(wide.getvalue())))) as kept:
            assert kept.size == (1600, 320)
        small = io.BytesIO()
        Image.new("RGB", (800, 300), "white").save(small, "PNG")
        assert files.png_from_data_url(data_url(small.getvalue())) == small.getvalue()  # kept as signed
