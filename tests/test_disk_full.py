"""A full disk (issue #19, item 14), on a real small filesystem: a 4 MB tmpfs
mounted in a private mount namespace holds a real `bayflow serve`'s database and
photos. Technicians' photos fill it; the answer says, in Chinese (the kiosk's
language), that the disk is full; no partial photo file is left; the database
refuses a new work order with a 507 ``disk_full`` JSON answer and writes none of
it; and once space is freed the node carries on."""
from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.test_image_bombs import BaySession

BAYFLOW = str(Path(sys.executable).parent / "bayflow")
DISK_FULL_ZH = "本机磁盘已满"


def _can_mount() -> list[str] | None:
    """The unshare command that gives us a private mount namespace we may mount in, or None."""
    if not shutil.which("unshare"):
        return None
    for cmd in (["unshare", "--mount", "--propagation", "private"],
                ["unshare", "--mount", "--propagation", "private", "--map-root-user"]):
        probe = subprocess.run([*cmd, "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True)
        if probe.returncode == 0:
            return cmd
    return None


UNSHARE = _can_mount()
pytestmark = pytest.mark.skipif(UNSHARE is None, reason="no way to mount a small tmpfs here (unshare/mount refused)")

SEED = """
import json, sys
from kiosk import create_app
from kiosk.db import connected
from kiosk.services import staff
from tests.test_clock import jobs_of, make_order
app = create_app({"DATABASE": sys.argv[1], "NODE_PREFIX": "B1"})
with app.app_context(), connected():
    staff.create_staff("张伟", "TEC-001", ["technician"], "2468")
    job = jobs_of(make_order())[0]
    token = staff.issue_token("test")
json.dump({"job": job.id.hex, "token": token}, open(sys.argv[2], "w"))
"""


class SmallDiskNode:
    """`bayflow serve` whose database and photos are on a tmpfs of ``size_kb`` only it sees."""

    def __init__(self, tmp_path: Path, size_kb: int):
        self.disk = tmp_path / "disk"
        self.disk.mkdir()
        (tmp_path / "seed.py").write_text(SEED)
        seeded = tmp_path / "seeded.json"
        instance = tmp_path / "instance"
        instance.mkdir()
        db = self.disk / "bay.sqlite"
        script = (f"mount -t tmpfs -o size={size_kb}k tmpfs {self.disk} && "
                  f"{sys.executable} {tmp_path / 'seed.py'} {db} {seeded} && "
                  f"exec {BAYFLOW} serve --db {db} --host 127.0.0.1 --port 0 --workers 1 --sync-interval 0")
        root = Path(__file__).resolve().parent.parent
        env = {**os.environ, "BAYFLOW_INSTANCE": str(instance), "PYTHONPATH": str(root)}
        self.process = subprocess.Popen([*UNSHARE, "sh", "-c", script], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, env=env, cwd=root)
        lines: queue.Queue = queue.Queue()
        self.lines = lines
        self.reader = threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout], daemon=True)
        self.reader.start()
        banner = ""
        while "serving on" not in banner:
            try:
                banner = lines.get(timeout=60)
            except queue.Empty:
                self.stop()
                pytest.fail("bayflow serve on the small disk did not start")
        self.base = "http://127.0.0.1:" + re.search(r":(\d+)\s*$", banner.strip()).group(1)
        self.seed = json.loads(seeded.read_text())

    def inside(self, *parts) -> Path:
        """A path on the small disk, seen through the server's own mount namespace."""
        return Path(f"/proc/{self.process.pid}/root") / str(self.disk).lstrip("/") / Path(*parts)

    def api(self, method: str, path: str, body=None) -> tuple[int, dict]:
        request = urllib.request.Request(f"{self.base}/api/v1{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"Bearer {self.seed['token']}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.reader.join(timeout=15)  # the pipe ends with the process
        self.process.stdout.close()


@pytest.fixture
def node(tmp_path):
    running = SmallDiskNode(tmp_path, size_kb=4096)
    yield running
    running.stop()


def noise_jpeg(seed: int) -> bytes:
    """A photo that does not compress: about a megabyte once the kiosk keeps it at 1600 px."""
    pixels = np.random.default_rng(seed).integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=95)
    return out.getvalue()


def fill(path: Path) -> None:
    """Write zeros to ``path`` until the filesystem has no room left (maybe none is left already)."""
    try:
        with open(path, "wb") as out:
            while True:
                out.write(b"\0" * 4096)
                out.flush()
    except OSError as error:
        assert error.errno == 28  # ENOSPC


def test_a_full_disk_is_said_in_chinese_and_leaves_nothing_half_written(node):
    bay = BaySession(node.base, "TEC-001", lang=None)  # the kiosk's own language: Chinese
    saved = 0
    for attempt in range(12):
        page = bay.upload_photo(node.seed["job"], noise_jpeg(attempt), f"IMG_{attempt}.jpg")
        if DISK_FULL_ZH in page:
            break
        saved += 1
    else:
        pytest.fail("twelve photos of a megabyte fitted on a 4 MB disk")
    assert saved >= 1
    # Nothing half-written: every photo file is whole (its name is its content's hash), none is left over.
    blobs = [p for p in node.inside("bay-blobs").rglob("*") if p.is_file()]
    assert len(blobs) == saved
    for blob in blobs:
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name

    # Then not even the database has room: a new work order is refused, whole.
    fill(node.inside("filler"))
    order = {"customer": {"name": "张建华", "phone": "13800138000"}, "vehicle": {"plate": "沪A12345"},
             "complaint": "保养"}
    for _ in range(200):  # SQLite's write-ahead log may still have room for a few
        status, answer = node.api("POST", "/work-orders", order)
        if status != 201:
            break
    assert status == 507, (answer, "".join(node.lines.queue))
    assert answer["error"] == "disk_full" and DISK_FULL_ZH in answer["detail"]["message"]
    # A page's write (a finding's text) says so too, on the page, in Chinese.
    page = bay.post(f"/bay/jobs/{node.seed['job']}/findings", "text=刹车盘磨损".encode(),
                    "application/x-www-form-urlencoded", ok_statuses=(507,))
    assert DISK_FULL_ZH in page and 'id="scan-bar"' in page

    # Space freed: the node carries on.
    node.inside("filler").unlink(missing_ok=True)
    for blob in blobs:
        blob.unlink()
    status, answer = node.api("POST", "/work-orders", order)
    assert status == 201, answer
