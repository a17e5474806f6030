"""``bayflow doctor`` on real nodes: a sound one, a corrupted file, a full disk, an
unreachable hub, a printer that does not answer — in Chinese and in English."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.nodes import Node, order_body, run_cli

BAYFLOW = str(Path(sys.executable).parent / "bayflow")


def doctor(db: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BAYFLOW, "doctor", "--db", db, "--timeout", "1", *args], capture_output=True,
                          text=True, timeout=120)


def findings(result) -> dict[str, list[dict]]:
    data = json.loads(result.stdout)
    found: dict[str, list[dict]] = {}
    for finding in data["findings"]:
        found.setdefault(finding["check"], []).append(finding)
    return found


@pytest.fixture
def paired(tmp_path):
    hub = Node(tmp_path, "hub", role="hub").start()
    kiosk = Node(tmp_path, "k", prefix="K1")
    try:
        kiosk.start()
        kiosk.pair_with(hub)
        kiosk.api("POST", "/work-orders", order_body(1), expect=201)
        kiosk.sync()
        kiosk.stop()
        yield hub, kiosk
    finally:
        kiosk.stop()
        hub.stop()


def test_a_sound_kiosk_and_its_hub_pass(paired):
    hub, kiosk = paired
    result = doctor(kiosk.db, "--json", "--lang", "en")
    assert result.returncode == 0, result.stdout
    found = findings(result)
    assert [f["level"] for f in found["database"]] == ["ok"]
    assert found["hub"][0]["level"] == "ok" and hub.url in found["hub"][0]["message"]
    assert found["pairing"][0]["level"] == "ok" and found["disk"][0]["level"] == "ok"
    assert any(f["level"] == "ok" for f in found["time"])
    assert doctor(hub.db, "--lang", "en").returncode == 0  # the hub itself


def test_an_unreachable_hub_is_found_and_said_in_chinese(paired):
    hub, kiosk = paired
    hub.stop()
    result = doctor(kiosk.db, "--lang", "zh")
    assert result.returncode == 1
    assert "总部" in result.stdout and "→" in result.stdout and "问题" in result.stdout
    english = findings(doctor(kiosk.db, "--json", "--lang", "en"))
    assert english["hub"][0]["level"] == "bad" and "does not answer" in english["hub"][0]["message"]


def test_a_corrupted_database_is_found(tmp_path):
    node = Node(tmp_path, "k")
    run_cli("token", "--db", node.db)
    run_cli("backup", "--db", node.db, "--out", str(tmp_path / "copy.sqlite"))  # a settled single file
    damaged = tmp_path / "damaged.sqlite"
    data = bytearray((tmp_path / "copy.sqlite").read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, 3 * page):  # scribble over every third page
        data[offset + 100: offset + 400] = b"\x5a" * 300
    damaged.write_bytes(bytes(data))
    result = doctor(str(damaged), "--json", "--lang", "en")
    assert result.returncode == 1
    database, = findings(result)["database"]
    assert database["level"] == "bad" and "damaged" in database["message"]
    assert "bayflow restore" in database["advice"]
    assert "Traceback" not in result.stderr
    text = doctor(str(damaged), "--lang", "zh")
    assert text.returncode == 1 and "损坏" in text.stdout


def test_a_full_disk_is_found(tmp_path):
    """The node's folder on a 4 MB file system, filled up: a real full disk (a private
    mount namespace, so nothing outside this test sees it)."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to mount a small file system for this test")
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (f"mount -t tmpfs -o size=4m tmpfs {disk} && "
              f"{BAYFLOW} token --db {disk}/k.sqlite >/dev/null && "
              f"(dd if=/dev/zero of={disk}/filler bs=64k 2>/dev/null || true) && "
              f"{BAYFLOW} doctor --db {disk}/k.sqlite --json --lang en --timeout 1")
    command = ["unshare", "--mount", "sh", "-c", script]
    if subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() != "0":
        command = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    disk_finding, = findings(result)["disk"]
    assert disk_finding["level"] == "bad" and "full" in disk_finding["message"]
    assert "1 GB" in disk_finding["advice"]


def test_a_printer_that_does_not_answer_is_found(tmp_path):
    from kiosk.app import create_app
    from kiosk.db import connected, database
    from kiosk.services import printer_settings

    db = str(tmp_path / "k.sqlite")
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(1)
    live = f"127.0.0.1:{listening.getsockname()[1]}"
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = f"127.0.0.1:{closed.getsockname()[1]}"
    closed.close()
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": db, "BABEL_DEFAULT_LOCALE": "en"})
    with app.test_request_context(), connected():
        printer_settings.save_printer("all", "labels", "zpl", live)
        printer_settings.save_printer("all", "slips", "escpos", dead)
    database.close()
    try:
        result = doctor(db, "--json", "--lang", "en")
    finally:
        listening.close()
    printers = {f["message"].split()[1]: f["level"] for f in findings(result)["printer"]}
    assert printers == {live: "ok", dead: "bad"}


def test_a_camera_that_delivers_nothing_is_found(tmp_path):
    from kiosk.app import create_app
    from kiosk.db import connected, database
    from kiosk.services import station_settings

    db = str(tmp_path / "k.sqlite")
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": db, "BABEL_DEFAULT_LOCALE": "en"})
    with app.test_request_context(), connected():
        station_settings.save({}, str(tmp_path / "no-such-camera.mp4"))  # the idle times as they are
    database.close()
    result = doctor(db, "--json", "--lang", "en")
    camera, = findings(result)["camera"]
    assert result.returncode == 1 and camera["level"] == "bad" and "camera-check" in camera["advice"]


def test_bad_options_get_one_line():
    result = subprocess.run([BAYFLOW, "doctor", "--db", "postgresql://x@127.0.0.1/y"], capture_output=True,
                            text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
