"""A rogue hub cannot exhaust a kiosk (issue #19, item 6). A real fake hub — another
process on a real socket, holding none of the pinned keys — answers `bayflow sync --once`
with a gigabyte (declared, or undeclared and streamed), or one byte every few seconds.
The kiosk refuses the answer before authenticating it, within its memory and its
exchange's deadline, says why on the command line, and every page of the kiosk shows it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.app import create_app
from kiosk.db import connected, database
from sync import keys, state
from tests.support import processes
from tests.support.processes import BAYFLOW

MB = 1024 * 1024

FAKE_HUB = textwrap.dedent('''
    """A fake hub: reads each request, then answers as told (argv[1]) on a real socket."""
    import socket, sys, threading, time

    mode = sys.argv[1]
    server = socket.create_server(("127.0.0.1", 0))
    print(server.getsockname()[1], flush=True)

    def answer(conn):
        with conn:
            data = b""
            while b"\\r\\n\\r\\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\\r\\n\\r\\n")
            length = [int(l.split(b":")[1]) for l in head.split(b"\\r\\n") if l.lower().startswith(b"content-length")]
            while len(body) < (length[0] if length else 0):
                body += conn.recv(65536)
            try:
                if mode == "declared":   # says a gigabyte is coming, and sends it
                    conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n"
                                 b"Content-Length: 1073741824\\r\\n\\r\\n")
                    for _ in range(1024):
                        conn.sendall(b" " * 1048576)
                elif mode == "undeclared":  # no length: a gigabyte until the connection closes
                    conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nConnection: close\\r\\n\\r\\n")
                    for _ in range(1024):
                        conn.sendall(b" " * 1048576)
                elif mode == "drip":  # a byte every two seconds, for ever
                    conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: 100000\\r\\n\\r\\n")
                    while True:
                        conn.sendall(b" ")
                        time.sleep(2)
            except OSError:
                pass  # the kiosk hung up: as it should

    while True:
        conn, _ = server.accept()
        threading.Thread(target=answer, args=(conn,), daemon=True).start()
''')


@pytest.fixture
def kiosk(tmp_path):
    """A kiosk whose pinned hub is at an address we give it (the pairing itself is tested elsewhere)."""
    db = tmp_path / "kiosk.sqlite"
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "t", "NODE_PREFIX": "K1", "BABEL_DEFAULT_LOCALE": "en",
                      "TESTING": True, "WTF_CSRF_ENABLED": False})
    database.close()
    hub_key = X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def pin(url: str):
        with app.app_context(), connected():
            for key, value in {"hub_node_id": "hub-node", "hub_public_key": keys.b64encode(hub_key),
                               "hub_url": url, "hub_store": "浦江4S店"}.items():
                state.put(key, value)
        database.close()

    app.pin = pin
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def fake_hub(tmp_path):
    started = []

    def start(mode: str) -> str:
        script = tmp_path / "fake_hub.py"
        script.write_text(FAKE_HUB)
        process = processes.popen([sys.executable, str(script), mode], stdout=subprocess.PIPE, text=True)
        started.append(process)
        return f"http://127.0.0.1:{process.stdout.readline().strip()}"

    yield start
    for process in started:
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()


# Runs one command and prints its peak memory (KiB). The peak of a process started
# straight from pytest would not be its own: Linux carries the forking process's
# resident size into the child's peak across exec, and pytest late in a full run holds
# a gigabyte. Started from this small launcher, the command's peak is its own.
LAUNCHER = ("import resource, subprocess, sys; "
            "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)")


def peak_of(app, mode, fake_hub) -> tuple[int, str, int]:
    """Run the sync in a fresh process and read its own peak memory."""
    app.pin(fake_hub(mode))
    err_file = app.config["DATABASE"] + f".{mode}.err"
    with open(err_file, "wb") as err_out:
        process = subprocess.Popen([sys.executable, "-c", LAUNCHER, BAYFLOW, "sync", "--db", app.config["DATABASE"],
                                    "--once"], stdout=subprocess.PIPE, stderr=err_out, start_new_session=True,
                                   env={**os.environ, "BAYFLOW_DISCOVERY": "off"})
    try:
        # A bound for the test, far above the exchange's own.
        out, _ = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"bayflow sync --once with a {mode} answer still ran after two minutes")
    return process.returncode, Path(err_file).read_text(), int(out) // 1024


@pytest.mark.parametrize("mode", ["declared", "undeclared"])
def test_a_gigabyte_answer_is_refused_within_the_kiosks_memory(kiosk, fake_hub, mode):
    status, err, peak_mb = peak_of(kiosk, mode, fake_hub)
    assert status != 0
    assert "larger than 64 MB before it could be authenticated" in err, err
    # The process's whole peak: Python, the app, and at most one batch's worth of answer.
    assert peak_mb < 350, f"{peak_mb} MB"
    shown_on_the_kiosk(kiosk, "larger than a sync batch can be")


def test_an_answer_dripping_a_byte_at_a_time_ends_at_the_exchanges_deadline(kiosk, fake_hub):
    status, err, peak_mb = peak_of(kiosk, "drip", fake_hub)
    assert status != 0
    assert "not complete within 10 s" in err, err
    shown_on_the_kiosk(kiosk, "it came too slowly")


def shown_on_the_kiosk(app, words: str) -> None:
    page = app.test_client().get("/login").get_data(as_text=True)
    assert 'id="sync-refused"' in page and words in page
    if not database.is_closed():
        database.close()
