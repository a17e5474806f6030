"""A dead kiosk PC replaced by a new one, with real processes: the manager picks on the
hub which kiosk it replaces, the new PC takes the station, its printers, cameras and
idle time, pulls the store's data, and the old identity can never sync again."""
from __future__ import annotations

import json
import os
import re
import subprocess
import time

from kiosk.app import create_app
from kiosk.db import connected, database
from tests.support import PIN, processes
from tests.support.nodes import BAYFLOW, Node, order_body, run_cli, state_of


class StationlessNode(Node):
    """A kiosk started without --station: it runs the station it has (the replaced one's)."""

    def start(self, port: int | None = None, timeout: float = 30) -> "StationlessNode":
        args = processes.server_args([BAYFLOW, "serve", "--role", "kiosk", "--db", self.db, "--host", "127.0.0.1",
                                      "--port", str(port or self.port), "--sync-interval", "0"])
        self.proc = processes.popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            found = re.search(r"(http://127\.0\.0\.1:(\d+))", line or "")
            if found:
                self.url, self.port = found.group(1), int(found.group(2))
                return self
            if not line:
                break
        raise AssertionError(f"{self.name} did not start")


def in_app(db: str, role: str, station: str = "all", **config):
    return create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": db, "ROLE": role, "STATION": station,
                       "WTF_CSRF_ENABLED": False, "BABEL_DEFAULT_LOCALE": "en", **config})


def test_a_dead_kiosk_is_replaced_by_a_new_pc(nodes, tmp_path):
    hub = nodes("hub", role="hub").start()
    old = nodes("old", station="reception", prefix="R1")
    frames = tmp_path / "frames"
    frames.mkdir()
    # The old kiosk's desk: a label printer, a camera, a shorter idle time.
    app = in_app(old.db, "kiosk", "reception", NODE_PREFIX="R1")
    with app.test_request_context(), connected():
        from kiosk.services import printer_settings, station_settings

        printer_settings.save_printer("reception", "labels", "zpl", "192.168.1.50:9100", mode="image")
        printer_settings.save_printer("all", "slips", "escpos", "192.168.1.60")
        station_settings.save({"reception": "240"}, str(frames))
    database.close()
    old.start()
    old.pair_with(hub)
    numbers = [old.api("POST", "/work-orders", order_body(i), expect=201)["number"] for i in range(5)]
    old.sync()  # its work and its settings reach the hub
    old.stop()  # the PC dies

    # On the hub, the manager picks the kiosk the new PC replaces (the page, on the hub's database).
    hub_app = in_app(hub.db, "hub")
    with hub_app.app_context(), connected():
        from kiosk.services import staff as staff_service
        from sync.pairing import Peer

        staff_service.create_staff("马志强", "MGR-009", ["manager"], PIN)
        old_id = Peer.get(Peer.prefix == "R1").node_id
    client = hub_app.test_client()
    assert client.post("/login", data={"badge": "MGR-009", "pin": PIN}).status_code == 302
    page = client.post(f"/hub/kiosks/{old_id}/replace").data.decode()
    database.close()
    code = re.search(r'class="big-code">(\d{4}-\d{4})<', page).group(1)
    assert "replaces kiosk R1" in page or "R1" in page

    new = StationlessNode(tmp_path, "new")
    began = time.perf_counter()
    paired = run_cli("pair", "--db", new.db, "--hub", hub.url, "--code", code)
    assert "replaces kiosk R1 as station reception" in paired.stdout, paired.stdout
    assert "2 printer settings" in paired.stdout and "idle time reception 240 s" in paired.stdout
    new.start()
    try:
        new.sync()
        took = time.perf_counter() - began
        health = new.api("GET", "/health")
        assert health["station"] == "reception"
        assert set(numbers) <= {row["number"] for (table, _), row in state_of(new.db).items()
                                if table == "work_order"}
        assert state_of(new.db) == state_of(hub.db)
        mine = new.api("POST", "/work-orders", order_body(99), expect=201)["number"]
        assert not mine.startswith("R1-")  # the old prefix stays with the old identity
    finally:
        new.stop()
    assert took < 60
    with in_app(new.db, "kiosk", "reception").app_context(), connected():
        from kiosk.models.ops import NodeSetting
        from kiosk.models.printing import PrinterSetting

        printers = {(p.station, p.purpose): (p.kind, p.address, p.mode) for p in PrinterSetting.select()}
        settings = {s.key: json.loads(s.value) for s in NodeSetting.select()}
    database.close()
    assert printers == {("reception", "labels"): ("zpl", "192.168.1.50:9100", "image"),
                        ("all", "slips"): ("escpos", "192.168.1.60", "text")}
    assert settings["idle_seconds"] == {"reception": 240} and settings["cameras"] == [str(frames)]

    # The old PC comes back to life: its identity is revoked.
    old.start()
    refused = old.sync(check=False)
    assert refused.returncode != 0 and "revoked" in refused.stderr
