"""Discovery for real: a `bayflow serve --role hub` process announces itself
with zeroconf on loopback, a browser finds it with the right TXT, the hub says
goodbye on SIGTERM, adverts with a foreign fingerprint are never chosen, the
configured address is used when multicast finds nothing, and — as root — a hub
in one network namespace is found from another across a veth pair."""
from __future__ import annotations

import json
import os
import queue
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from sync import discovery, mdns, state
from sync.discovery import HubAdvert, HubWatcher, advert_from_url, browse, find_hub, find_hub_candidates
from tests.support import processes
from tests.support import ROOT

# Under pytest-xdist these run on one worker, one after the other: two hubs of this run
# advertising at once on the same machine would answer each other's browsers.
pytestmark = pytest.mark.xdist_group("discovery")

BAYFLOW = str(Path(sys.executable).parent / "bayflow")
LO = ["127.0.0.1"]
WAIT = 10  # seconds: the bound on every wait for the network below



@pytest.fixture(autouse=True)
def _discovery_on(monkeypatch):
    """Zeroconf is off in every other test (tests/conftest.py); these are about it."""
    monkeypatch.setenv("BAYFLOW_DISCOVERY", "on")


class Hub:
    """A running `bayflow serve --role hub`; ``url`` is the one it printed."""

    def __init__(self, tmp: Path, *, host: str = "127.0.0.1", netns: str | None = None,
                 store: str = "Test Store 测试店"):
        self.db = tmp / "hub.sqlite"
        command = [BAYFLOW, "serve", "--role", "hub", "--db", str(self.db), "--host", host, "--port", "0",
                   "--store-name", store]
        if netns:
            command = ["ip", "netns", "exec", netns, *command]
        self.process = processes.popen(processes.server_args(command), stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True, start_new_session=False,
                                       env={**os.environ, "BAYFLOW_INSTANCE": str(tmp), "BAYFLOW_DISCOVERY": "on"})
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout], daemon=True).start()
        try:
            banner = lines.get(timeout=30)
        except queue.Empty:
            self.process.kill()
            pytest.fail("bayflow serve printed no URL")
        match = re.search(r"http://[\d.]+:(\d+)", banner)
        assert match, banner
        self.port = int(match.group(1))
        self.url = match.group(0)
        self.lines = lines
        with sqlite3.connect(self.db) as conn:
            self.node_id = conn.execute("SELECT node_id FROM node_info").fetchone()[0]

    def fingerprint(self) -> str | None:
        """``sync.keys``' fingerprint of the hub's key; None while sync.keys' table is not migrated in."""
        with sqlite3.connect(self.db) as conn:
            try:
                row = conn.execute("SELECT public_key FROM node_key WHERE id = 1").fetchone()
            except sqlite3.OperationalError:
                return None
        from sync.keys import fingerprint

        assert row, "the hub advertised without making its key"
        return fingerprint(row[0])

    def stop(self, sig: str = "terminate") -> int:
        getattr(self.process, sig)()
        try:
            return self.process.wait(timeout=WAIT)
        finally:
            self.process.stdout.close()


@pytest.fixture
def hub(tmp_path):
    running = Hub(tmp_path)
    yield running
    if running.process.poll() is None:
        running.stop("kill")


def is_hub(node_id: str):
    return lambda advert: advert.node_id == node_id


def test_a_hub_on_loopback_is_found_with_its_txt(hub):
    found = [a for a in browse(WAIT, interfaces=LO, until=is_hub(hub.node_id)) if a.node_id == hub.node_id]

    assert len(found) == 1, found
    advert = found[0]
    assert advert.url == hub.url
    assert advert.addresses == ("127.0.0.1",)  # served on loopback: announced on loopback only
    assert advert.port == hub.port
    assert advert.store == "Test Store 测试店"
    assert advert.protocol_range == (1, 1) and advert.speaks(1) and not advert.speaks(2)
    expected = hub.fingerprint()
    if expected is None:  # a tree without sync.keys' migration: the hub advertises no fingerprint
        assert advert.fingerprint == ""
    else:
        assert re.fullmatch(r"[0-9a-f]{16}", expected) and advert.fingerprint == expected
    assert advert.source == "mdns"


def test_sigterm_says_goodbye_and_the_hub_drops_off_the_list(hub):
    gone = threading.Event()
    watcher = HubWatcher(interfaces=LO, on_change=lambda a, present: not present and a.node_id == hub.node_id
                         and gone.set())
    try:
        assert watcher.wait_for(lambda hubs: any(h.node_id == hub.node_id for h in hubs), WAIT)

        assert hub.stop("terminate") == 0  # a clean shutdown, not death by signal
        # Without a goodbye the cached records would live for their TTL (minutes).
        assert gone.wait(3), "no goodbye: the watcher still lists the stopped hub"
        assert all(h.node_id != hub.node_id for h in watcher.hubs())
    finally:
        watcher.close()
    assert all(a.node_id != hub.node_id for a in browse(1.0, interfaces=LO))


def test_a_killed_hub_says_no_goodbye(hub):
    """The control for the test above: SIGKILL leaves the advert cached."""
    watcher = HubWatcher(interfaces=LO)
    try:
        assert watcher.wait_for(lambda hubs: any(h.node_id == hub.node_id for h in hubs), WAIT)
        hub.stop("kill")
        assert not watcher.wait_for(lambda hubs: all(h.node_id != hub.node_id for h in hubs), 2)
    finally:
        watcher.close()


@pytest.fixture
def adverts():
    """Start fake hub adverts in this process; all closed (with goodbye) afterwards."""
    started = []

    def start(store: str, fingerprint: str, port: int):
        advert = discovery.advertise(port, addresses=LO, store=store, node_id=str(uuid.uuid4()),
                                     fingerprint=fingerprint, protocol_range=(1, 1))
        started.append(advert)
        return advert

    yield start
    for advert in started:
        advert.close()


def test_an_advert_with_another_fingerprint_is_a_suspect_never_the_choice(db, adverts):
    store = f"store-{uuid.uuid4().hex[:8]}"
    real, rogue, elsewhere = (adverts(store, "a" * 16, 7001), adverts(store, "b" * 16, 7002),
                              adverts("another store", "c" * 16, 7003))
    assert all(a.wait(WAIT) for a in (real, rogue, elsewhere))
    state.put("hub_url", "http://192.0.2.50:5000")

    def search():
        return find_hub_candidates(timeout=2.0, pinned_fingerprint="a" * 16, store=store, interfaces=LO)

    found = search()
    assert [a.port for a in found.trusted] == [7001] and found.trusted[0].pinned is True
    assert [a.port for a in found.suspects] == [7002] and found.suspects[0].pinned is False
    assert 7003 in [a.port for a in found.others]
    assert found.best.port == 7001
    assert found.urls == ["http://127.0.0.1:7001", "http://192.0.2.50:5000"]

    real.close()  # only the rogue is left: fall back to the configured address, never the rogue
    found = search()
    assert [a.port for a in found.suspects] == [7002], found
    assert found.best.source == "configured" and found.best.url == "http://192.0.2.50:5000"
    assert "http://127.0.0.1:7002" not in found.urls


def test_find_hub_falls_back_to_remembered_then_configured_address(db):
    # A pin no advert on this machine has: multicast answers nothing useful.
    lonely = dict(timeout=0.3, pinned_fingerprint=uuid.uuid4().hex[:16], interfaces=LO)
    assert find_hub(**lonely) is None  # not paired, nothing found

    state.put("hub_url", "http://192.0.2.50:5000")  # what pairing keeps
    advert = find_hub(**lonely)
    assert (advert.source, advert.url) == ("configured", "http://192.0.2.50:5000")

    discovery.remember("http://192.0.2.60:5001")  # a sync reached the hub there
    assert discovery.last_known() == "http://192.0.2.60:5001"
    advert = find_hub(**lonely)
    assert (advert.source, advert.url) == ("remembered", "http://192.0.2.60:5001")
    assert find_hub_candidates(**lonely).urls == ["http://192.0.2.60:5001", "http://192.0.2.50:5000"]


def test_no_multicast_never_crashes(db, monkeypatch):
    import zeroconf

    def refuse(*args, **kwargs):
        raise OSError(19, "No such device")

    monkeypatch.setattr(zeroconf, "Zeroconf", refuse)
    state.put("hub_url", "http://192.0.2.50:5000")

    assert browse(0.2) == []
    advertiser = discovery.advertise(5000, addresses=LO, store="s", node_id="n", fingerprint="f")
    assert not advertiser.active and not advertiser.wait(0.1)
    advertiser.close()
    assert find_hub(timeout=0.2, pinned_fingerprint="f").source == "configured"


def test_browsing_on_an_address_this_machine_lacks_finds_nothing():
    assert browse(0.3, interfaces=["203.0.113.9"]) == []


def test_only_a_hub_advertises(app):
    assert discovery.advertise_node(app, "127.0.0.1", 5000) is None  # the test app is a kiosk
    app.config.update(ROLE="hub", DISCOVERY=False)
    assert discovery.advertise_node(app, "127.0.0.1", 5000) is None


def test_serving_addresses_follow_the_bind_address():
    assert discovery.serving_addresses("127.0.0.1") == (["127.0.0.1"], ["127.0.0.1"])
    assert discovery.serving_addresses("localhost") == (["127.0.0.1"], ["127.0.0.1"])
    addresses, interfaces = discovery.serving_addresses("0.0.0.0")
    assert interfaces is None  # every interface
    assert addresses and (addresses == ["127.0.0.1"] or not any(a.startswith("127.") for a in addresses))


def test_addresses_from_urls_and_txt():
    assert advert_from_url("http://192.0.2.7:5000", "configured") == HubAdvert(
        addresses=("192.0.2.7",), port=5000, source="configured")
    assert advert_from_url("http://[fd00::2]:5000", "remembered").url == "http://[fd00::2]:5000"
    assert advert_from_url("", "configured") is None and advert_from_url("http://:x", "configured") is None
    assert mdns._range("1-3") == (1, 3) and mdns._range("2") == (2, 2) and mdns._range("x") is None
    assert len(mdns._clip("测" * 100, 200).encode()) <= 200
    # An address on none of our networks (a hub's container bridge) goes last.
    networks = mdns._local_networks()
    ranked = sorted(["fd99::1", "203.0.113.5", "127.0.0.1"], key=lambda a: mdns._address_rank(a, networks))
    assert ranked[0] == "127.0.0.1"
    advert = HubAdvert(addresses=("192.0.2.7", "fd00::7"), port=5000)
    assert advert.urls == ["http://192.0.2.7:5000", "http://[fd00::7]:5000"] and advert.url == advert.urls[0]


# -- two network namespaces joined by a veth pair (needs root) ---------------

def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=WAIT)


@pytest.fixture
def namespaces():
    """(hub namespace, kiosk namespace, hub address): two fresh namespaces and a veth between them."""
    if not shutil.which("ip"):
        pytest.fail("`ip` is missing: iproute2 (make system-deps installs it)")
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (CI runs as root)")
    tag = f"bf{os.getpid() % 100000}"
    hub_ns, kiosk_ns = f"{tag}hub", f"{tag}kiosk"
    steps = [
        ("netns", "add", hub_ns), ("netns", "add", kiosk_ns),
        ("link", "add", f"{tag}a", "netns", hub_ns, "type", "veth", "peer", "name", f"{tag}b", "netns", kiosk_ns),
        ("-n", hub_ns, "addr", "add", "10.231.7.1/24", "dev", f"{tag}a"),
        ("-n", kiosk_ns, "addr", "add", "10.231.7.2/24", "dev", f"{tag}b"),
        ("-n", hub_ns, "link", "set", f"{tag}a", "up"), ("-n", kiosk_ns, "link", "set", f"{tag}b", "up"),
        ("-n", hub_ns, "link", "set", "lo", "up"), ("-n", kiosk_ns, "link", "set", "lo", "up"),
    ]
    try:
        for step in steps:
            done = _ip(*step)
            if done.returncode != 0:
                pytest.skip(f"cannot set up network namespaces (ip {' '.join(step)}): {done.stderr.strip()}")
        yield hub_ns, kiosk_ns, "10.231.7.1"
    finally:
        _ip("netns", "del", hub_ns)  # the veth pair goes with it
        _ip("netns", "del", kiosk_ns)


BROWSE_AND_CALL = """
import json, sys, urllib.request, urllib.error
from sync.discovery import browse
found = [a for a in browse(float(sys.argv[2]), until=lambda a: a.node_id == sys.argv[1]) if a.node_id == sys.argv[1]]
server = None
if found:
    try:
        server = urllib.request.urlopen(found[0].url + "/api/v1/health", timeout=5).headers["Server"]
    except urllib.error.HTTPError as exc:  # 401 without a token: still the hub answering
        server = exc.headers["Server"]
print(json.dumps({"urls": [a.url for a in found], "store": [a.store for a in found], "server": server}))
"""


def test_a_hub_in_another_network_namespace_is_found_across_the_veth(tmp_path, namespaces):
    hub_ns, kiosk_ns, hub_address = namespaces
    # 0.0.0.0: every interface of its namespace, announcing the veth address, not loopback.
    running = Hub(tmp_path, host="0.0.0.0", netns=hub_ns)
    try:
        done = subprocess.run(["ip", "netns", "exec", kiosk_ns, sys.executable, "-c", BROWSE_AND_CALL,
                               running.node_id, str(WAIT)],
                              capture_output=True, text=True, timeout=WAIT + 20, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        seen = json.loads(done.stdout.strip().splitlines()[-1])
        assert seen["urls"] == [f"http://{hub_address}:{running.port}"], done.stderr
        assert seen["store"] == ["Test Store 测试店"]
        assert seen["server"] == "bayflow"  # the advertised address really reaches the hub
    finally:
        assert running.stop("terminate") == 0
