"""The hub on a real PostgreSQL server: ``bayflow serve --role hub --db postgresql://…``
as a real process answering HTTP, its schema and identity surviving a restart,
concurrent writers queued as on SQLite, and the SQL that differs between the two
(upserts, column types, text order) checked on the server itself.

The PostgreSQL server comes from tests/pg.py (one per session, a fresh database
per test, copied from one migrated once). The same service, page and API tests
as on SQLite run on it too: those marked ``postgres`` run on both.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import psycopg2
import pytest
from click.testing import CliRunner

from kiosk.core import times
from kiosk.cli import main
from kiosk.db import connected, database, is_postgresql, transaction
from kiosk.models import JobLine
from kiosk.services import customers, workorders
from sync import state
from sync.tables import ChangeEvent, SyncState
from sync.node import current_node
from tests.support import processes
from tests.support.reception import ORDER
from tests.support.changes import assert_log_describes_db

BAYFLOW = str(Path(sys.executable).parent / "bayflow")  # the installed console script



@pytest.fixture
def database_kind():
    """This module's ``app``: a hub on a fresh PostgreSQL database (tests/conftest.py)."""
    return "postgresql"

class Hub:
    """A ``bayflow serve --role hub`` process on a PostgreSQL database."""

    def __init__(self, db_url: str, instance: Path):
        self.db_url = db_url
        self.env = {**os.environ, "BAYFLOW_INSTANCE": str(instance), "PYTHONUNBUFFERED": "1"}
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self._token = ""

    def start(self, timeout: float = 30) -> "Hub":
        self.proc = processes.popen(processes.server_args(
            [BAYFLOW, "serve", "--role", "hub", "--db", self.db_url, "--host", "127.0.0.1", "--port", "0",
             "--prefix", "HQ", "--store-name", "浦江4S店"]),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env, start_new_session=False)
        seen = []
        watchdog = threading.Timer(timeout, self.proc.kill)  # a hub that hangs ends the wait
        watchdog.start()
        try:
            for line in self.proc.stdout:
                seen.append(line)
                found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", line)
                if found:
                    assert line.startswith("bayflow hub "), line
                    self.url = found.group(1)
                    return self
        finally:
            watchdog.cancel()
        self.stop()
        raise AssertionError("the hub did not start:\n" + "".join(seen))

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # waitress stops on KeyboardInterrupt
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
        self.proc = None

    @property
    def token(self) -> str:
        if not self._token:
            made = subprocess.run([BAYFLOW, "token", "--db", self.db_url, "--label", "test"],
                                  capture_output=True, text=True, env=self.env, timeout=60)
            assert made.returncode == 0, made.stderr
            self._token = made.stdout.strip()
        return self._token

    def api(self, method: str, path: str, body=None) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{self.url}/api/v1{path}", method=method.upper(),
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def page(self, path: str) -> tuple[int, str]:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=30) as answer:
            return answer.status, answer.read().decode()


def sql(url: str, query: str, *args) -> list[tuple]:
    """Ask the PostgreSQL database directly, as a person with psql would."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


@pytest.fixture
def hub(pg_url, tmp_path):
    started = Hub(pg_url, tmp_path / "instance").start()
    yield started
    started.stop()


def test_hub_process_serves_pages_and_api_on_postgresql(hub, pg_url):
    status, health = hub.api("get", "/health")
    (node_id, role, prefix, store), = sql(pg_url, "SELECT node_id, role, prefix, store_name FROM node_info")
    assert status == 200
    assert health == {"node": node_id, "role": "hub", "station": "all", "version": version("bayflow"),
                      "outbox": 0, "last_sync": None}
    assert (role, prefix, store) == ("hub", "HQ", "浦江4S店")

    status, created = hub.api("post", "/work-orders", ORDER)
    assert status == 201, created
    assert created["number"].startswith("HQ-")
    status, order = hub.api("get", f"/work-orders/{created['number'].lower()}")
    assert status == 200 and order["id"] == created["id"]
    assert order["customer"]["phone"] == "138****8000" and order["vehicle"]["plate"] == "沪A12345"
    assert order["totals"]["labour"] == 580 and [j["hours"] for j in order["jobs"]] == [1.0, 0.8]

    # The rows are in PostgreSQL, typed as PostgreSQL types, with their change events.
    (wo_id, number), = sql(pg_url, "SELECT id::text, number FROM work_order")
    assert wo_id.replace("-", "") == created["id"] and number == created["number"]
    assert sql(pg_url, "SELECT sum(price) FROM job_line") == [(Decimal("580.00"),)]
    events = sql(pg_url, "SELECT origin_seq, entity FROM change_event WHERE origin_node = %s ORDER BY seq",
                 node_id)
    assert [seq for seq, _ in events] == list(range(1, len(events) + 1))
    assert {"customer", "vehicle", "work_order", "job_line", "status_change"} <= {e for _, e in events}
    assert hub.api("get", "/health")[1]["outbox"] == len(events)

    # The pages work too: the login screen, and the static files it needs.
    status, html = hub.page("/login")
    assert status == 200 and "<form" in html and "bayflow" in html.lower()
    assert hub.page("/static/kiosk.css")[0] == 200


def test_hub_restart_keeps_identity_schema_and_data(pg_url, tmp_path):
    first = Hub(pg_url, tmp_path / "instance").start()
    try:
        node = first.api("get", "/health")[1]["node"]
        number = first.api("post", "/work-orders", ORDER)[1]["number"]
    finally:
        first.stop()
    migrations = sql(pg_url, "SELECT name FROM migrations ORDER BY name")
    assert migrations and migrations[0] == ("m0001_initial",)

    again = Hub(pg_url, tmp_path / "instance").start()
    again._token = first._token
    try:
        health = again.api("get", "/health")[1]
        assert health["node"] == node and health["role"] == "hub"
        status, order = again.api("get", f"/work-orders/{number}")
        assert status == 200 and order["number"] == number
        assert again.api("post", "/work-orders", ORDER)[1]["number"].endswith("-0002")
    finally:
        again.stop()
    assert sql(pg_url, "SELECT name FROM migrations ORDER BY name") == migrations  # nothing applied twice
    assert sql(pg_url, "SELECT count(*) FROM node_info") == [(1,)]


def test_concurrent_writes_on_a_postgresql_hub_are_queued_like_on_sqlite(hub, pg_url):
    """PostgreSQL lets writers run side by side; the hub must still hand out each
    work-order number and each change-event number once, without gaps."""
    hub.token  # noqa: B018  (made once, before the threads race)
    answers: list[tuple[int, dict]] = []

    def open_orders(worker: int):
        for i in range(4):
            body = json.loads(json.dumps(ORDER))
            body["customer"]["phone"] = f"1390000{worker:02d}{i:02d}"
            body["vehicle"] = {"plate": f"沪C{worker:02d}{i:03d}", "model": "大众 朗逸"}
            answers.append(hub.api("post", "/work-orders", body))

    threads = [threading.Thread(target=open_orders, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in answers] == [201] * 32, [a for a in answers if a[0] != 201][:3]
    numbers = sorted(body["number"] for _, body in answers)
    assert len(set(numbers)) == 32 and numbers[-1].endswith("-0032")
    seqs = [seq for seq, in sql(pg_url, "SELECT origin_seq FROM change_event ORDER BY seq")]
    # Committed one at a time: the hub's own order (seq) is the order the events were numbered in.
    assert seqs == list(range(1, len(seqs) + 1))


def test_cli_on_a_postgresql_hub_keeps_its_role_and_fails_in_one_line(pg_server, pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("BAYFLOW_INSTANCE", str(tmp_path / "instance"))
    runner = CliRunner()
    hub_made = runner.invoke(main, ["token", "--db", pg_url])
    assert hub_made.exit_code == 0, hub_made.output
    sql(pg_url, "UPDATE node_info SET role = 'hub'")
    assert runner.invoke(main, ["token", "--db", pg_url]).exit_code == 0
    assert sql(pg_url, "SELECT role FROM node_info") == [("hub",)]  # a token does not make it a kiosk

    for url, says in [(pg_server.url("no_such_store"), "does not exist"),
                      (pg_url.rsplit("/", 1)[0] + "/", "no database name")]:
        result = runner.invoke(main, ["token", "--db", url])
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code != 0 and len(lines) == 1 and says in lines[0], result.output
        assert "Traceback" not in result.output


def test_schema_uses_postgresql_types(app, db):
    assert is_postgresql()
    types = dict(((table, column), kind) for table, column, kind in sql(
        app.config["DATABASE"], "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public'"))
    assert types[("work_order", "id")] == "uuid" and types[("job_line", "work_order_id")] == "uuid"
    assert types[("job_line", "price")] == "numeric" and types[("staff", "active")] == "boolean"
    assert types[("work_order", "opened_at")] == "timestamp without time zone"
    assert types[("change_event", "seq")] == "integer"


def test_upserts_replace_on_postgresql(db):
    state.put("acked_seq", "5")
    state.put("acked_seq", "7")
    state.put("last_sync", "2026-11-27T09:00:00")
    assert state.acked_seq() == 7 and state.last_sync() == "2026-11-27T09:00:00"
    assert SyncState.select().count() == 2


def test_money_and_times_round_trip_exactly(db):
    customer = customers.create_customer("李雷", "13812345678")
    vehicle = customers.create_vehicle(customer, "京A12345")
    order = workorders.open_work_order(customer, vehicle, complaint="保养")
    job = workorders.add_job(order, "更换机油", "0.55", "45.5")
    stored = JobLine.get_by_id(job.id)
    assert stored.price == Decimal("45.50") and stored.sold_hours == Decimal("0.55")
    event = ChangeEvent.get((ChangeEvent.row_id == job.id.hex) & (ChangeEvent.op == "insert"))
    assert event.data["price"] == "45.50" and event.data["sold_hours"] == "0.55"
    opened = type(order).get_by_id(order.id).opened_at
    assert opened == order.opened_at and opened.microsecond == order.opened_at.microsecond
    assert_log_describes_db()


def test_text_sorts_bytewise_as_hlc_stamps_need(db):
    """HLC stamps and hex ids are compared as text in SQL; the order must be Python's."""
    node = current_node().node_id
    stamps = ["1700000000000.00000.b-node", "1700000000000.00001.a-node", "1700000000000.00000.A-node",
              "1700000000001.00000.a-node", f"1700000000000.00000.{node}", "1699999999999.99999.z",
              "1700000000000.00000.a_node", "1700000000000.00000.a-node"]
    with transaction():
        for i, stamp in enumerate(stamps):
            ChangeEvent.create(event_id=f"e{i}", origin_node="other", origin_seq=i + 1, hlc=stamp, entity="x",
                               row_id=str(i), kind="fact", op="insert", payload="{}", created_at=times.utcnow())
    in_sql = [e.hlc for e in ChangeEvent.select().where(ChangeEvent.origin_node == "other").order_by(ChangeEvent.hlc)]
    assert in_sql == sorted(stamps)


def test_pg_url_is_a_fresh_empty_database_each_time(pg_database, pg_url):
    other = pg_database()
    assert other != pg_url
    for url in (pg_url, other):
        assert sql(url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == [(0,)]
        assert sql(url, "SHOW lc_collate") == [("C",)]


def test_demo_store_seeds_on_postgresql(pg_url, tmp_path):
    from kiosk.app import create_app

    demo = create_app({"DATABASE": pg_url, "SECRET_KEY": "t", "DEMO": True, "ROLE": "hub",
                       "BLOB_FOLDER": str(tmp_path / "blobs")})
    try:
        with demo.app_context(), database.connection_context():
            assert workorders.open_orders() and current_node().role == "hub"
            assert_log_describes_db()
    finally:
        if not database.is_closed():
            database.close()


def test_a_request_closes_only_the_connection_it_opened(app, client):
    """On PostgreSQL a request's connection is closed after it; one the caller
    already held (start-up, CLI, sync jobs, tests) stays open and usable."""
    assert client.get("/login").status_code == 200
    assert database.is_closed()  # PostgreSQL connections are not kept per server thread
    with connected():
        held = database.connection()
        assert client.get("/login").status_code == 200
        with app.app_context():
            pass
        assert not database.is_closed() and database.connection() is held
        assert current_node().role == "hub"
