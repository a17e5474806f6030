"""The ``bayflow`` command line: help everywhere, tokens, tags, and one-line
errors for a person's mistakes — through click's runner and the installed script."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.app import create_app
from kiosk.cli import main
from kiosk.db import database
from kiosk.services import customers, staff, workorders
from sync.tables import NodeInfo

BAYFLOW = str(Path(sys.executable).parent / "bayflow")  # the installed console script


@pytest.fixture(autouse=True)
def instance(tmp_path, monkeypatch):
    """Keep every node's instance folder (secret key, default database) in the test's folder."""
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("BAYFLOW_INSTANCE", str(folder))
    return folder


@pytest.fixture
def cli():
    def run(*args):
        return CliRunner().invoke(main, [str(a) for a in args])

    return run


@pytest.fixture
def store(tmp_path):
    """A node's database holding one work order; returns (path, number)."""
    path = tmp_path / "store.sqlite"
    app = create_app({"DATABASE": str(path), "SECRET_KEY": "t", "NODE_PREFIX": "R1", "STORE_NAME": "浦江4S店"})
    with app.app_context(), app.test_request_context(), database.connection_context():
        advisor = staff.create_staff("王芳", "ADV-001", ["advisor"], "1111")
        customer = customers.find_or_create_customer("张建华", "13800138000")
        vehicle = customers.create_vehicle(customer, "沪A12345", model="大众 帕萨特")
        order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="保养")
    database.close()
    return path, order.number


def _one_line_error(result_text: str) -> None:
    lines = [line for line in result_text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result_text
    assert "Traceback" not in result_text


def test_every_command_has_help(cli):
    assert cli("--help").exit_code == 0
    for name in main.list_commands(None):  # the lazily loaded ones too (kiosk.cli.LazyGroup)
        command = main.get_command(None, name)
        result = cli(name, "--help")
        assert result.exit_code == 0, name
        assert f"Usage: main {name}" in result.output or "Usage:" in result.output
        assert command.help, f"{name} has no help text"


def test_token_prints_only_a_token_that_opens_the_api(cli, tmp_path):
    db = tmp_path / "node.sqlite"
    result = cli("token", "--db", db)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert len(result.stdout.splitlines()) == 1 and " " not in token and len(token) >= 32
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "t"})
    client = app.test_client()
    assert client.get("/api/v1/health", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/health", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_installed_script_token_works(tmp_path, instance):
    db = tmp_path / "node.sqlite"
    done = subprocess.run([BAYFLOW, "token", "--db", str(db)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "BAYFLOW_INSTANCE": str(instance)})
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "t"})
    answer = app.test_client().get("/api/v1/health", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json["outbox"] == 0


def test_token_keeps_a_hubs_role(cli, tmp_path):
    db = tmp_path / "hub.sqlite"
    create_app({"DATABASE": str(db), "SECRET_KEY": "t", "ROLE": "hub", "STATION": "all"})
    assert cli("token", "--db", db).exit_code == 0
    with database.connection_context():
        assert NodeInfo.get().role == "hub"


@pytest.mark.parametrize("ending", ["png", "svg", "pdf", "zpl"])
def test_tag_in_every_format(cli, store, tmp_path, ending):
    path, number = store
    out = tmp_path / f"tag.{ending}"
    result = cli("tag", number, "--db", path, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.exists() and out.stat().st_size > 0
    content = out.read_bytes()
    if ending == "png":
        from hardware.decode import decode_file

        assert number in {code.text for code in decode_file(out)}
    elif ending == "pdf":
        assert content.startswith(b"%PDF")
    else:
        assert number in content.decode()
        if ending == "svg":
            assert "沪A12345" in content.decode() and "张**" in content.decode()
            assert "浦江4S店" in content.decode() and "张建华" not in content.decode()


def test_tag_number_is_case_insensitive(cli, store, tmp_path):
    path, number = store
    assert cli("tag", number.lower(), "--db", path, "--out", tmp_path / "t.zpl").exit_code == 0


@pytest.mark.parametrize("mistake", ["unknown number", "bad ending", "no such folder", "missing db",
                                     "not a database", "db is a folder", "out folder missing"])
def test_tag_mistakes_exit_with_one_line(cli, store, tmp_path, mistake):
    path, number = store
    junk = tmp_path / "junk.sqlite"
    junk.write_text("these are not the pages of a database " * 100)
    args = {
        "unknown number": ["R1-20000101-0001", "--db", path, "--out", tmp_path / "t.png"],
        "bad ending": [number, "--db", path, "--out", tmp_path / "t.gif"],
        "no such folder": [number, "--db", tmp_path / "nowhere" / "x.sqlite", "--out", tmp_path / "t.png"],
        "missing db": [number, "--db", tmp_path / "absent.sqlite", "--out", tmp_path / "t.png"],
        "not a database": [number, "--db", junk, "--out", tmp_path / "t.png"],
        "db is a folder": [number, "--db", tmp_path, "--out", tmp_path / "t.png"],
        "out folder missing": [number, "--db", path, "--out", tmp_path / "nowhere" / "t.png"],
    }[mistake]
    result = cli("tag", *args)
    assert result.exit_code != 0
    _one_line_error(result.output)
    assert result.output.startswith("Error: ")
    assert not (tmp_path / "t.png").exists() and not (tmp_path / "absent.sqlite").exists()


def test_installed_script_unknown_number_is_one_line(store, tmp_path, instance):
    path, _number = store
    done = subprocess.run([BAYFLOW, "tag", "R1-20000101-0001", "--db", str(path), "--out", str(tmp_path / "t.png")],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "BAYFLOW_INSTANCE": str(instance)})
    assert done.returncode != 0
    assert done.stdout == ""
    _one_line_error(done.stderr)
    assert "R1-20000101-0001" in done.stderr


def test_token_on_a_broken_database_is_one_line(cli, tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"\0garbage" * 1000)
    result = cli("token", "--db", junk)
    assert result.exit_code != 0
    _one_line_error(result.output)


@pytest.mark.parametrize("args", [["--prefix", "R-1"], ["--prefix", "TOOLONG7"], ["--role", "boss"],
                                  ["--station", "garage"], ["--port", "70000"]])
def test_serve_refuses_bad_options(cli, tmp_path, args):
    result = cli("serve", "--db", tmp_path / "n.sqlite", *args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "Error" in result.output


def test_serve_on_a_taken_port_is_one_line(tmp_path, instance):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([BAYFLOW, "serve", "--db", str(tmp_path / "n.sqlite"), "--port", str(port)],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "BAYFLOW_INSTANCE": str(instance)})
    assert done.returncode != 0
    _one_line_error(done.stderr)
    assert str(port) in done.stderr


def test_database_url_forms(cli, tmp_path):
    db = tmp_path / "url.sqlite"
    assert cli("token", "--db", f"sqlite:///{db}").exit_code == 0
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM api_key").fetchone()[0] == 1
