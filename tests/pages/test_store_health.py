"""The hub watching its store, in-process: what each kiosk reports, when it turns red,
the manager's page with the thresholds and backups, the store's settings; a kiosk's own
idle time and cameras; the version on every page; a hub newer than the kiosk."""
from __future__ import annotations

import datetime as dt
import logging
import re
import time

import pytest
from uuid6 import uuid7

from kiosk import logs
from kiosk.app import create_app
from kiosk.core import times
from kiosk.db import connected, database
from kiosk.models.ops import NodeReport
from kiosk.services import staff as staff_service
from kiosk.services import station_settings, store_health
from sync import hub, pairing, recovery
from sync.tables import SCHEMA_VERSION
from tests.support import PIN


@pytest.fixture
def hub_app(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": str(tmp_path / "hub.sqlite"),
                      "ROLE": "hub", "NODE_PREFIX": "H1", "WTF_CSRF_ENABLED": False,
                      "BABEL_DEFAULT_LOCALE": "en", "BACKUP_FOLDER": str(tmp_path / "backups")})
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def manager(hub_app):
    with hub_app.app_context(), connected():
        staff_service.create_staff("马志强", "MGR-001", ["manager"], PIN)
    client = hub_app.test_client()
    assert client.post("/login", data={"badge": "MGR-001", "pin": PIN}).status_code == 302
    return client


def peer(prefix: str, station: str = "reception", **fields) -> pairing.Peer:
    return pairing.Peer.create(node_id=str(uuid7()), public_key="x" * 44, station=station, prefix=prefix,
                               paired_at=times.utcnow(), **fields)


def hello(kiosk: pairing.Peer, **report) -> dict:
    """A kiosk's hello as the hub receives it (sync.hub.handle_hello)."""
    body = {"protocol": 1, "node_id": kiosk.node_id, "max_origin_seq": 0, "wall_ms": int(time.time() * 1000),
            "outbox": 0, "version": "0.2.0", **report}
    return hub.handle_hello(pairing.Peer.get(pairing.Peer.node_id == kiosk.node_id), body)


def test_the_kiosk_list_shows_what_each_kiosk_reported(hub_app, manager):
    with hub_app.app_context(), connected():
        r1 = peer("R1")
        old = peer("B1", station="bay")
        answer = hello(r1, outbox=3, disk_free=50 * 1024 ** 3, db_bytes=12 * 1024 ** 2,
                       last_error="sync refused: the hub is busy", last_error_at="2026-11-27T10:00:00+08:00",
                       wall_ms=int(dt.datetime.now().timestamp() * 1000) + 90_000)
        hub.handle_hello(pairing.Peer.get(pairing.Peer.node_id == old.node_id),
                         {"protocol": 1, "node_id": old.node_id, "max_origin_seq": 0})  # before 0.2
        hub.handle_pull(pairing.Peer.get(pairing.Peer.node_id == r1.node_id), {"after": 0})
    assert answer["status"] == "ok" and answer["version"] == "0.2.0" and answer["schema_version"] == SCHEMA_VERSION
    page = manager.get("/hub/").data.decode()
    card = page[page.index(f'data-node="{r1.node_id}"'):]
    card = card[:card.index("</article>")]
    facts = dict(re.findall(r'data-fact="(\w+)"[^>]*>([^<]*)<', card))
    assert facts["version"] == "0.2.0" and facts["outbox"] == "3"
    assert facts["disk"] == "50.0 GB" and facts["db"] == "12.0 MB"
    assert facts["clock"].startswith("+") and facts["clock"].endswith(" s")
    assert "sync refused" in facts["error"] and facts["synced"] != "never"
    # The kiosk wrote the time with its offset; the page shows it once in the store's zone
    # (this hub's store is in Asia/Shanghai: 10:00 there is 10:00 on the page, whatever the PC's zone).
    assert "11/27/26, 10:00" in facts["error"]  # English on this page: the short date
    other = page[page.index(f'data-node="{old.node_id}"'):]
    assert "before 0.2" in other[:other.index("</article>")]
    assert "bayflow 0.2.0" in page  # the hub's own version, and in the footer


def test_silent_growing_and_full_kiosks_turn_red_and_are_listed_for_the_manager(hub_app, manager):
    now = times.utcnow()
    with hub_app.app_context(), connected():
        peer("R1", last_seen_at=now - dt.timedelta(minutes=30))
        growing = peer("B1", station="bay", last_seen_at=now)
        full = peer("P1", station="parts", last_seen_at=now)
        fine = peer("C1", station="cashier", last_seen_at=now)
        peer("S1", station="care", revoked_at=now, state="revoked")
        for outbox in (5, 9, 14):
            hello(growing, outbox=outbox)
        NodeReport.update(outbox_growing_since=now - dt.timedelta(minutes=61)).where(
            NodeReport.node_id == growing.node_id).execute()
        hello(full, disk_free=400 * 1024 ** 2)
        hello(fine, disk_free=80 * 1024 ** 3, outbox=0)
        pairing.Peer.update(last_seen_at=now).where(pairing.Peer.node_id.in_(
            [growing.node_id, full.node_id, fine.node_id])).execute()
        flags = {row["peer"].prefix: row["flags"] for row in store_health.kiosk_rows()}
        # Shrinking resets the hour.
        hello(growing, outbox=2)
        after = NodeReport.get(NodeReport.node_id == growing.node_id).outbox_growing_since
    assert flags == {"R1": ["silent"], "B1": ["outbox"], "P1": ["disk"], "C1": [], "S1": []}
    assert after is None
    page = manager.get("/hub/").data.decode()
    assert page.count('kiosk-card red') == 2  # the outbox shrank meanwhile
    health = manager.get("/hub/health").data.decode()
    listed = re.findall(r'class="problem" data-flag="(\w+)"><b>([^<]*)</b>', health)
    assert ("silent", "R1 · Reception") in listed and ("disk", "P1 · Parts counter") in listed
    assert all(f'data-threshold="{key}"' in health for key in ("silent", "outbox", "disk"))
    assert "Silent for longer than 15 minutes" in health and "Less than 1 GB" in health


def test_the_store_settings_are_checked_and_change_the_thresholds(hub_app, manager):
    bad = manager.post("/hub/health/settings", data={"backup_time": "25:00", "backup_keep_daily": "14",
                                                     "backup_keep_monthly": "12", "silent_minutes": "15"})
    assert bad.status_code == 400 and "02:30" in bad.data.decode()
    assert 'value="25:00"' in bad.data.decode()  # what was typed is kept
    bad = manager.post("/hub/health/settings", data={"backup_time": "03:00", "backup_keep_daily": "x",
                                                     "backup_keep_monthly": "12", "silent_minutes": "15"})
    assert bad.status_code == 400 and "whole number" in bad.data.decode()
    ok = manager.post("/hub/health/settings", data={"backup_time": "3:15", "backup_keep_daily": "7",
                                                    "backup_keep_monthly": "6", "silent_minutes": "45"})
    assert ok.status_code == 302
    health = manager.get("/hub/health").data.decode()
    assert 'value="03:15"' in health and "Silent for longer than 45 minutes" in health


def test_back_up_now_makes_a_verified_backup_listed_on_the_page(hub_app, manager, tmp_path):
    answer = manager.post("/hub/backup", follow_redirects=True).data.decode()
    assert "Backup made and verified" in answer
    made = list((tmp_path / "backups").glob("hub-*.sqlite"))
    assert len(made) == 1 and (tmp_path / "backups" / f"{made[0].name}.json").exists()
    assert "verified" in answer and made[0].name in answer


def test_a_failed_backup_is_red_on_the_manager_page(hub_app, manager, tmp_path):
    (tmp_path / "backups").write_text("a file where the folder should be")
    answer = manager.post("/hub/backup", follow_redirects=True).data.decode()
    assert "The backup failed" in answer
    assert 'data-flag="backup"' in manager.get("/hub/health").data.decode()


def test_replacing_needs_a_paired_kiosk_and_shows_a_bound_code(hub_app, manager):
    assert "not paired" in manager.post("/hub/kiosks/nobody/replace", follow_redirects=True).data.decode()
    with hub_app.app_context(), connected():
        r1 = peer("R1")
    page = manager.post(f"/hub/kiosks/{r1.node_id}/replace").data.decode()
    assert re.search(r'class="big-code">\d{4}-\d{4}<', page) and "replaces kiosk R1" in page
    with hub_app.app_context(), connected():
        assert pairing.PairingCode.get().replaces == r1.node_id


def test_a_kiosk_keeps_its_idle_time_and_cameras(app, client, make_staff, tmp_path):
    """One idle time per station, set on this kiosk's settings page: what every idle logout asks."""
    make_staff("manager", badge="MGR-7")
    assert client.post("/login", data={"badge": "MGR-7", "pin": PIN}).status_code == 302
    page = client.get("/settings/station").data.decode()
    defaults = app.config["IDLE_SECONDS"]
    # Each station this node runs has its row, showing the store's default until set here.
    for area in ("reception", "bay", "workshop", "parts", "other"):
        assert f'data-idle-area="{area}"' in page
    assert f'name="idle-reception" value="{defaults["reception"]}"' in page
    bad = client.post("/settings/station", data={"idle-reception": "5", "cameras": ""})
    assert bad.status_code == 400 and "from 30 to 3600" in bad.data.decode()
    assert 'name="idle-reception" value="5"' in bad.data.decode()  # what was typed is kept
    ok = client.post("/settings/station", data={"idle-reception": "240", "idle-other": "600",
                                                "idle-bay": str(defaults["bay"]),
                                                "cameras": "0\nrtsp://192.168.1.64/stream1\n"})
    assert ok.status_code == 302
    assert 'data-idle-seconds="600"' in client.get("/settings/station").data.decode()  # "other" pages
    with app.test_request_context(), connected():
        assert station_settings.idle_seconds("reception") == 240
        assert station_settings.idle_seconds("parts") == defaults["parts"]  # left empty: the default
    # Remembered: a new start of the node on the same database takes them up.
    again = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": app.config["DATABASE"]})
    assert again.config["CAMERAS"] == ["0", "rtsp://192.168.1.64/stream1"]
    with again.test_request_context(), connected():
        assert station_settings.idle_seconds("reception") == 240
        assert station_settings.idle_seconds("bay") == defaults["bay"]
        profile = station_settings.profile()
    # Only what differs from the store's defaults is kept (and goes to a replacement PC).
    assert profile["idle_seconds"] == {"reception": 240, "other": 600}
    assert profile["cameras"][1].startswith("rtsp://")


def test_an_idle_time_saved_before_it_was_per_station_counts_everywhere(app):
    """A kiosk that saved one idle time (bayflow 0.2) keeps it for every station after the upgrade."""
    with app.test_request_context(), connected():
        station_settings.put(station_settings.IDLE_KEY, 240)
        station_settings.load_into(app)
        assert {station_settings.idle_seconds(a) for a in ("reception", "bay", "parts", "other")} == {240}
        applied = station_settings.apply_profile({"idle_seconds": 200, "printers": [], "cameras": []})
        assert applied["idle_seconds"]["bay"] == 200


def test_every_page_shows_the_version_and_a_newer_hub_is_said_on_the_kiosk(app, client):
    assert "bayflow 0.2.0" in client.get("/").data.decode()
    with app.app_context(), connected():
        recovery.note_hub_version({"version": "0.3.0", "schema_version": 2, "protocol_range": [1, 2]})
    bar = client.get("/sync-status").data.decode()
    assert 'id="hub-newer"' in bar and "0.3.0" in bar
    with app.app_context(), connected():
        recovery.note_hub_version({"version": "0.2.0", "schema_version": 1, "protocol_range": [1, 1]})
    assert 'id="hub-newer"' not in client.get("/sync-status").data.decode()


def test_requests_carry_an_id_into_the_log(app, client, tmp_path):
    answer = client.get("/login", headers={"X-Request-Id": "abc123"})
    assert answer.headers["X-Request-Id"] == "abc123"
    made = client.get("/login").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{12}", made)
    assert client.get("/login", headers={"X-Request-Id": "bad id;x"}).headers["X-Request-Id"] != "bad id;x"
    assert logs.log_name(app) == "node"
    assert logs.last_error(app) == {}


def test_the_log_is_capped_by_size(app, tmp_path):
    app.config.update(LOG_FOLDER=str(tmp_path / "logs"), LOG_MAX_BYTES=20_000)
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    logs._state["started"] = None
    try:
        path = logs.start(app)
        for i in range(2000):
            logging.getLogger("kiosk.test").info("line %s %s", i, "x" * 40)
        logging.getLogger("kiosk.test").error("the printer is off")
    finally:
        for handler in root.handlers[len(before):]:
            handler.close()
        root.handlers[:] = before
        root.setLevel(level)
        logs._state.update(started=None, last_error_file=None)
    files = sorted(path.parent.glob("node.log*"))
    assert 2 <= len(files) <= logs.BACKUPS + 1
    assert all(f.stat().st_size <= 25_000 for f in files)
    assert logs.last_error(app)["message"] == "the printer is off"


def test_a_restored_hub_asks_kiosks_too_old_for_it_to_upgrade(hub_app):
    """A kiosk before 0.2 cannot move its pull cursor back: it is told to upgrade, not left to miss events."""
    with hub_app.app_context(), connected():
        r1, b1 = peer("R1"), peer("B1")
        assert hello(r1)["status"] == "ok" and "restored" not in hello(r1)
        marked = recovery.mark_restored()
        current = hello(r1)
        old = hub.handle_hello(pairing.Peer.get(pairing.Peer.node_id == b1.node_id),
                               {"protocol": 1, "node_id": b1.node_id, "max_origin_seq": 0})
        caught_up = hello(r1, restore_epoch=marked["epoch"])
    assert current["status"] == "ok" and current["restored"]["epoch"] == marked["epoch"]
    assert current["restored"]["seq"] == marked["seq"] and isinstance(current["restored"]["marks"], dict)
    assert old["status"] == "upgrade"
    assert "restored" not in caught_up  # once the kiosk has caught up with this epoch
