"""Trust between nodes: keys, pairing, the sealed envelope, replay and revocation.

The crypto and the hub's endpoints are tested in-process (a hand-made kiosk
drives the hub's test client byte by byte); the kiosk's client against real
hub processes on loopback, including a rogue hub on the pinned address.
"""
from __future__ import annotations

import json
import sqlite3
import time
import types
import uuid

import pytest

from kiosk.app import create_app
from kiosk.db import connected, database
from kiosk.services import staff as staff_service
from sync import crypto, envelope, keys, pairing, state, transport
from sync.tables import ChangeEvent, PairingCode, Peer, SeenRequest
from sync.node import current_node
from tests.support.trust import FakeKiosk, Server, cli


@pytest.fixture(autouse=True)
def instance(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("BAYFLOW_INSTANCE", str(folder))
    transport.forget_session()
    yield
    transport.forget_session()
    if not database.is_closed():
        database.close()


def make_node(path, role="kiosk", **config):
    return create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": str(path), "ROLE": role,
                       "BABEL_DEFAULT_LOCALE": "en", **config})


@pytest.fixture
def hub(tmp_path):
    app = make_node(tmp_path / "hub.sqlite", role="hub", NODE_PREFIX="HQ", STORE_NAME="浦江4S店")
    with app.app_context(), connected():
        yield app


@pytest.fixture
def client(hub):
    return hub.test_client()


def paired(client, **overrides) -> FakeKiosk:
    kiosk = FakeKiosk(client)
    response = kiosk.pair(pairing.create_pairing_code(), **overrides)
    assert response.status_code == 200, response.json
    return kiosk


# -- keys and the box -----------------------------------------------------------

def test_the_key_pair_is_made_once_kept_locally_and_never_logged(tmp_path):
    path = tmp_path / "k.sqlite"
    app = make_node(path)
    with app.app_context(), connected():
        first = keys.public_key_b64()
        fingerprint = keys.fingerprint()
        assert ChangeEvent.select().count() == 0  # the key is local, never a change event
    database.close()
    app = make_node(path)
    with app.app_context(), connected():
        assert keys.public_key_b64() == first
        assert keys.own_fingerprint() == fingerprint == keys.fingerprint(first)
    assert len(fingerprint) == 16 and int(fingerprint, 16) >= 0
    other = make_node(tmp_path / "other.sqlite")
    with other.app_context(), connected():
        assert keys.public_key_b64() != first


def test_a_sealed_box_opens_only_with_its_key_and_context():
    a, b = FakeKiosk(None), FakeKiosk(None)
    key_ab = crypto.derive_key(a.private, b.public, a.node_id, b.node_id)
    assert key_ab == crypto.derive_key(b.private, a.public, b.node_id, a.node_id)  # both sides agree
    aad = crypto.request_aad("push", a.node_id)
    nonce, box = crypto.seal(key_ab, aad, {"phone": "13800138000"})
    assert "13800138000" not in box
    assert crypto.open_box(key_ab, aad, nonce, box) == {"phone": "13800138000"}
    raw = bytearray(keys.b64decode(box))
    raw[3] ^= 1
    with pytest.raises(crypto.BadBox):
        crypto.open_box(key_ab, aad, nonce, keys.b64encode(bytes(raw)))
    with pytest.raises(crypto.BadBox):  # moved to another operation
        crypto.open_box(key_ab, crypto.request_aad("pull", a.node_id), nonce, box)
    with pytest.raises(crypto.BadBox):  # turned around as an answer
        crypto.open_box(key_ab, crypto.response_aad("push", a.node_id, "r"), nonce, box)
    third = FakeKiosk(None)
    with pytest.raises(crypto.BadBox):
        crypto.open_box(crypto.derive_key(third.private, b.public, a.node_id, b.node_id), aad, nonce, box)


# -- the hub's endpoints ---------------------------------------------------------

def test_pairing_pins_the_kiosk_and_proves_the_hub_knew_the_code(client):
    code = pairing.create_pairing_code()
    kiosk = FakeKiosk(client)
    response = kiosk.pair(code, prefix="R1")
    assert response.status_code == 200, response.json
    answer = response.json
    assert answer["store_name"] == "浦江4S店" and answer["prefix"] == "R1"
    assert answer["hub_public_key"] == keys.public_key_b64() and answer["hub_node_id"] == current_node().node_id
    digits = pairing.normalize_code(code)
    verifier = crypto.code_verifier(digits, kiosk.hub_public)
    assert answer["proof"] == crypto.hub_proof(verifier, kiosk.hub_public, kiosk.public)
    assert answer["proof"] != crypto.hub_proof(crypto.code_verifier("00000000", kiosk.hub_public),
                                               kiosk.hub_public, kiosk.public)
    peer = Peer.get(Peer.node_id == kiosk.node_id)
    assert keys.decode_public_key(peer.public_key) == kiosk.public
    assert (peer.station, peer.revoked_at, peer.acked_seq, peer.state) == ("reception", None, 0, "paired")
    stored = json.dumps([list(r) for r in PairingCode.select().tuples()])
    assert digits not in stored  # only the hash is kept


def test_wrong_expired_and_used_codes_are_refused_with_clear_messages(client):
    good = pairing.create_pairing_code()
    assert FakeKiosk(client).pair(good).status_code == 200
    again = FakeKiosk(client).pair(good)
    assert again.status_code == 403 and "already used" in again.json["detail"]
    wrong = FakeKiosk(client).pair("1111-2222" if good != "1111-2222" else "3333-4444")
    assert wrong.status_code == 403 and wrong.json["error"] == "wrong_code" and "not valid" in wrong.json["detail"]
    old = pairing.create_pairing_code(ttl_seconds=0)
    expired = FakeKiosk(client).pair(old)
    assert expired.status_code == 403 and "expired" in expired.json["detail"]
    assert Peer.select().count() == 1


def test_guessing_codes_burns_them_and_a_new_code_works(client):
    code = pairing.create_pairing_code()
    digits = pairing.normalize_code(code)
    guesses = [f"{(int(digits) + n) % 10**8:08d}" for n in range(1, pairing.MAX_WRONG_CODES + 1)]
    for guess in guesses:
        assert FakeKiosk(client).pair(guess).status_code == 403
    late = FakeKiosk(client).pair(code)  # the right code, after too many guesses
    assert late.status_code == 429 and "new code" in late.json["detail"]
    assert FakeKiosk(client).pair(pairing.create_pairing_code()).status_code == 200


def test_bad_pairing_bodies_get_4xx_json(client):
    kiosk = FakeKiosk(client)
    code = pairing.create_pairing_code()
    good = kiosk.pair_body(code)
    for body in ({}, {"code": code}, {**good, "public_key": "bm90IGEga2V5"}, {**good, "protocol": "1"},
                 {**good, "node_id": 7}, {**good, "public_key": keys.public_key_b64()}, {**good, "code_mac": 5}):
        response = client.post("/sync/v1/pair", json=body)
        assert 400 <= response.status_code < 500 and response.json["error"], body
    for raw in (b"", b"[1]", b"\xff\xfe", b"{"):
        response = client.post("/sync/v1/pair", data=raw)
        assert response.status_code == 400 and response.json["error"] == "invalid_json"
    too_new = client.post("/sync/v1/pair", json={**good, "protocol": 99})
    assert too_new.status_code == 426 and too_new.json["error"] == "upgrade"
    assert FakeKiosk(client).pair(code).status_code == 200  # none of that spent the code


def test_a_proof_made_for_another_key_or_node_is_refused(client):
    code = pairing.create_pairing_code()
    kiosk = FakeKiosk(client)
    body = kiosk.pair_body(code)
    swapped = client.post("/sync/v1/pair", json={**body, "public_key": keys.b64encode(FakeKiosk(client).public)})
    assert swapped.status_code == 403 and swapped.json["error"] == "wrong_code"
    renamed = client.post("/sync/v1/pair", json={**body, "node_id": "someone-else"})
    assert renamed.status_code == 403
    other_hub = client.post("/sync/v1/pair", json={**body, "hub_public_key": keys.b64encode(kiosk.public)})
    assert other_hub.status_code == 409 and other_hub.json["error"] == "wrong_hub_key"
    assert client.post("/sync/v1/pair", json=body).status_code == 200
    assert Peer.select().count() == 1


def test_a_sealed_round_trip_and_what_is_refused(client):
    kiosk = paired(client)
    response, rid = kiosk.send("hello")
    assert response.status_code == 200
    assert set(response.json) == {"node", "nonce", "box"}
    answer = kiosk.open(response, "hello", rid)
    assert answer["status"] == "ok" and answer["rid"] == rid and answer["hub_node_id"] == kiosk.hub_id
    with pytest.raises(crypto.BadBox):  # an answer cannot be passed off as another request's
        kiosk.open(response, "hello", "another-request-id")

    body, rid = kiosk.body("hello", {"protocol": 1})
    assert client.post("/sync/v1/hello", data=json.dumps(body)).status_code == 200
    replay = client.post("/sync/v1/hello", data=json.dumps(body))
    assert replay.status_code == 409 and replay.json["error"] == "replayed"

    body, _ = kiosk.body("hello", {"protocol": 1})
    raw = bytearray(keys.b64decode(body["box"]))
    raw[-1] ^= 0x40
    tampered = client.post("/sync/v1/hello", data=json.dumps({**body, "box": keys.b64encode(bytes(raw))}))
    assert tampered.status_code == 400 and tampered.json["error"] == "cannot_authenticate"

    impostor = FakeKiosk(client).private  # right node id, wrong key
    forged, _ = kiosk.send("hello", private=impostor)
    assert forged.status_code == 400 and forged.json["error"] == "cannot_authenticate"

    moved, _ = kiosk.send("push", {"events": []}, aad_op="hello")  # sealed for hello, sent as push
    assert moved.status_code == 400 and moved.json["error"] == "cannot_authenticate"

    stranger = FakeKiosk(client)
    stranger.hub_id, stranger.hub_public = kiosk.hub_id, kiosk.hub_public
    unknown, _ = stranger.send("hello")
    assert unknown.status_code == 403 and unknown.json["error"] == "not_paired"
    assert "not paired" in unknown.json["detail"]
    assert SeenRequest.select().count() == 2  # only the two genuine hellos were read


def test_a_request_from_long_ago_is_refused_but_the_kiosk_learns_the_hub_time(client):
    kiosk = paired(client)
    old = int(time.time() * 1000) - envelope.REPLAY_WINDOW_MS - 60_000
    response, rid = kiosk.send("hello", ts=old)
    assert response.status_code == 409 and response.json["error"] == "clock"
    sealed = kiosk.open(response, "hello", rid)  # sealed: the kiosk can trust the hub's time
    assert abs(sealed["hub_ms"] - time.time() * 1000) < 5000
    assert SeenRequest.select().count() == 0


def test_a_revoked_kiosk_is_refused_with_a_sealed_answer(client):
    kiosk, other = paired(client), paired(client)
    pairing.revoke(kiosk.node_id)
    response, rid = kiosk.send("hello")
    assert response.status_code == 403 and response.json["error"] == "revoked"
    assert kiosk.open(response, "hello", rid)["error"] == "revoked"
    assert other.send("hello")[0].status_code == 200
    assert Peer.get(Peer.node_id == kiosk.node_id).state == "revoked"
    with pytest.raises(LookupError):
        pairing.revoke("no-such-node")
    # Pairing again (a new code) lets it back in, with the same number prefix.
    prefix = Peer.get(Peer.node_id == kiosk.node_id).prefix
    assert kiosk.pair(pairing.create_pairing_code()).json["prefix"] == prefix
    assert kiosk.send("hello")[0].status_code == 200


def test_two_kiosks_never_share_a_number_prefix(client):
    first = paired(client, prefix="R1")
    second = FakeKiosk(client).pair(pairing.create_pairing_code(), prefix="R1", station="reception")
    hubs_own = FakeKiosk(client).pair(pairing.create_pairing_code(), prefix="HQ", station="bay")
    prefixes = {"R1", second.json["prefix"], hubs_own.json["prefix"], "HQ"}
    assert len(prefixes) == 4, prefixes
    assert second.json["prefix"] == "R2" and hubs_own.json["prefix"] == "B1"
    assert first.pair(pairing.create_pairing_code()).json["prefix"] == "R1"  # re-pairing keeps it


def test_junk_never_gets_a_500(client):
    paired(client)
    for op in ("hello", "push", "pull", "nonsense"):
        for raw in (b"", b"null", b"[]", b'{"node": 1}', b'{"node": "x", "nonce": "!", "box": "?"}', b"\x00\xff"):
            response = client.post(f"/sync/v1/{op}", data=raw)
            assert 400 <= response.status_code < 500 and response.json["error"], (op, raw)
    assert client.get("/sync/v1/hello").status_code == 405


def test_an_unknown_operation_is_refused_sealed(client):
    kiosk = paired(client)
    response, rid = kiosk.send("teleport", {"x": 1})
    assert response.status_code == 404 and kiosk.open(response, "teleport", rid)["error"] == "unknown_op"


def test_a_kiosk_does_not_answer_sync_calls(tmp_path):
    app = make_node(tmp_path / "kiosk.sqlite")
    client = app.test_client()
    for path in ("/sync/v1/pair", "/sync/v1/hello"):
        response = client.post(path, json={})
        assert response.status_code == 404 and response.json["error"] == "not_a_hub"
    with app.app_context(), connected(), pytest.raises(pairing.Refused):
        pairing.create_pairing_code()


# -- the kiosk's client against real hub processes -----------------------------------

@pytest.fixture
def store(tmp_path):
    """A unique store name, so adverts of hubs other tests run at the same time are not ours."""
    return f"Store {uuid.uuid4().hex[:8]}"


@pytest.fixture
def real_hub(tmp_path, store):
    server = Server(tmp_path, "hub", store=store).start()
    yield server
    server.stop()


@pytest.fixture
def kiosk(tmp_path):
    app = make_node(tmp_path / "kiosk.sqlite", NODE_PREFIX="R1", STATION="reception")
    with app.app_context(), connected():
        yield app


def pair_kiosk(hub: Server) -> dict:
    code = cli("pairing-code", "--db", hub.db).stdout.strip()
    return pairing.pair(hub.url, code)


def test_the_kiosk_pins_the_hub_and_talks_sealed(real_hub, kiosk):
    with pytest.raises(transport.NotPaired):
        transport.call("hello", {"protocol": 1})
    pinned = pair_kiosk(real_hub)
    assert state.get("hub_url") == real_hub.url and state.get("hub_public_key")
    hub_key, hub_id = real_hub.query("SELECT public_key FROM node_key")[0][0], real_hub.query(
        "SELECT node_id FROM node_info")[0][0]
    assert state.get("hub_public_key") == hub_key and state.get("hub_node_id") == hub_id
    assert pinned["fingerprint"] == keys.fingerprint(hub_key)
    [(peer_key, prefix)] = real_hub.query("SELECT public_key, prefix FROM peer WHERE node_id = ?",
                                          current_node().node_id)
    assert peer_key == keys.public_key_b64() and prefix == current_node().prefix == "R1"
    answer = transport.call("hello", {"protocol": 1, "node_id": current_node().node_id,
                                      "max_origin_seq": 0, "wall_ms": int(time.time() * 1000)})
    assert answer["status"] == "ok" and answer["hub_node_id"] == hub_id
    assert state.get("alert") == ""
    assert real_hub.query("SELECT count(*) FROM seen_request")[0][0] == 1


def test_a_kiosk_with_a_wrong_clock_still_talks(real_hub, kiosk, monkeypatch):
    pair_kiosk(real_hub)

    real = time
    skewed = types.SimpleNamespace(time=lambda: 946_684_800.0 + real.monotonic() % 1000,  # reset to 2000
                                   monotonic=real.monotonic)
    monkeypatch.setattr(transport, "time", skewed)
    assert transport.call("hello", {"protocol": 1})["status"] == "ok"
    real_hub.wait_for_log("refused hello from 127.0.0.1: clock")  # once, then in the hub's time
    assert transport.call("hello", {"protocol": 1})["status"] == "ok"
    real_hub.stop()  # its last log lines written
    assert real_hub.log.read_text().count("clock") == 1


def test_a_revoked_kiosk_is_told_and_records_it(real_hub, kiosk):
    pair_kiosk(real_hub)
    assert transport.call("hello", {"protocol": 1})["status"] == "ok"
    real_hub.python(f"from sync.pairing import revoke\nrevoke({current_node().node_id!r})")
    with pytest.raises(transport.Revoked):
        transport.call("hello", {"protocol": 1})
    assert state.get("state") == "revoked" and state.get("alert") == ""
    pair_kiosk(real_hub)  # paired again: back in
    assert transport.call("hello", {"protocol": 1})["status"] == "ok"
    assert state.get("state") != "revoked"


def test_pairing_again_with_another_hub_moves_the_kiosk_over(tmp_path, real_hub, kiosk, store):
    pair_kiosk(real_hub)
    assert transport.call("hello", {"protocol": 1})["status"] == "ok"
    second = Server(tmp_path, "second", store=store + " new").start()  # the old hub, still up, is another store now
    try:
        # Paired again by the command line (another process): this process's proven connection and
        # address still point at the old hub, and must not be used with the new pin.
        code = cli("pairing-code", "--db", second.db).stdout.strip()
        assert cli("pair", "--db", tmp_path / "kiosk.sqlite", "--hub", second.url, "--code", code).returncode == 0
        with pytest.raises(transport.SyncError, match="refused teleport") as refused:
            transport.call("teleport", {})  # a data op: goes to the new hub, after a hello there
        assert type(refused.value) is transport.SyncError  # a sealed refusal from the new hub, not a rogue
        hello = transport.call("hello", {"protocol": 1})
        assert hello["hub_node_id"] == second.query("SELECT node_id FROM node_info")[0][0]
        assert state.get("alert") == "" and state.get("hub_url") == second.url
    finally:
        second.stop()


def test_a_restarted_hub_proves_itself_again_before_data(real_hub, kiosk):
    pair_kiosk(real_hub)
    assert transport.call("hello", {"protocol": 1})["status"] == "ok"
    port = real_hub.port
    real_hub.stop()
    real_hub.start(port=port)  # the kiosk's kept connection now leads nowhere
    started = time.monotonic()
    with pytest.raises(transport.SyncError, match="refused teleport"):
        transport.call("teleport", {})
    assert time.monotonic() - started < transport.DISCOVERY_SECONDS  # same address, no browsing
    assert real_hub.query("SELECT count(*) FROM seen_request")[0][0] == 3  # hello, hello again, teleport
    assert state.get("alert") == ""


def test_no_hub_answer_is_offline(tmp_path, real_hub, kiosk):
    pair_kiosk(real_hub)
    real_hub.stop()
    with pytest.raises(transport.Offline):
        transport.call("hello", {"protocol": 1}, timeout=2)
    assert state.get("alert") == ""


def test_a_rogue_hub_on_the_pinned_address_gets_nothing(tmp_path, real_hub, kiosk, store):
    pair_kiosk(real_hub)
    assert transport.call("hello", {"protocol": 1})["status"] == "ok"
    me = current_node().node_id
    staff_service.create_staff("王芳", "ADV-001", ["advisor"], "1111")  # customer data waiting to go up
    events = [json.loads(json.dumps({"event_id": e.event_id, "origin_node": e.origin_node,
                                     "origin_seq": e.origin_seq, "payload": e.payload}))
              for e in ChangeEvent.select().where(ChangeEvent.origin_node == me)]
    assert events
    port = real_hub.port
    real_hub.stop()
    rogue = Server(tmp_path, "rogue", store=store).start(port=port)  # its own keys, the same address
    try:
        with pytest.raises(transport.RogueHub):
            transport.call("push", {"events": events})
        alert = json.loads(state.get("alert"))
        assert alert["address"] == rogue.url and alert["at"] and "key" in alert["reason"]
        with pytest.raises(transport.RogueHub):
            transport.call("pull", {"after": 0})
        # A smarter rogue pins the kiosk's (public) key itself: it still cannot read or answer.
        rogue.python(f"import datetime\nfrom sync.pairing import Peer\nPeer.create(node_id={me!r}, "
                     f"public_key={keys.public_key_b64()!r}, prefix='R1', paired_at=datetime.datetime.now())")
        state.put("alert", "")
        with pytest.raises(transport.RogueHub, match="pinned hub key"):
            transport.call("push", {"events": events})
        assert json.loads(state.get("alert"))["address"] == rogue.url
    finally:
        rogue.stop()
    log = rogue.log.read_text()
    assert "refused hello" in log and "not_paired" in log and "cannot_authenticate" in log
    assert "push" not in log and "pull" not in log
    with sqlite3.connect(rogue.db) as db:
        assert db.execute("SELECT count(*) FROM seen_request").fetchone()[0] == 0  # bodies it could open
        assert db.execute("SELECT count(*) FROM change_event WHERE origin_node = ?", (me,)).fetchone()[0] == 0
    # The real hub back on its address: the kiosk trusts it again, the alert stays for people to see.
    real_hub.start(port=port)
    assert transport.call("hello", {"protocol": 1})["status"] == "ok"
    assert json.loads(state.get("alert"))["address"] == rogue.url


def test_pairing_and_the_envelope_on_a_postgresql_hub(pg_url):
    app = make_node(pg_url, role="hub", NODE_PREFIX="HQ")
    with app.app_context(), connected():
        client = app.test_client()
        kiosk, other = paired(client, prefix="R1"), paired(client, prefix="R1")
        assert Peer.get(Peer.node_id == other.node_id).prefix == "R2"
        body, rid = kiosk.body("hello", {"protocol": 1})
        response = client.post("/sync/v1/hello", data=json.dumps(body))
        assert response.status_code == 200 and kiosk.open(response, "hello", rid)["status"] == "ok"
        assert client.post("/sync/v1/hello", data=json.dumps(body)).json["error"] == "replayed"
        assert kiosk.pair(pairing.create_pairing_code()).json["prefix"] == "R1"  # re-pairing: an upsert
        pairing.revoke(other.node_id)
        assert other.send("hello")[0].json["error"] == "revoked"


def test_a_sync_asks_the_known_address_before_browsing_mdns(real_hub, kiosk, monkeypatch):
    """#20: a command-line sync used to browse mDNS (about a second) before trying the address
    the hub answered at; now it browses only when no known address answers."""
    pair_kiosk(real_hub)
    transport.forget_session()  # a new process: nothing proven yet
    monkeypatch.setenv("BAYFLOW_DISCOVERY", "on")
    browsed = []

    def browse(**kwargs):
        browsed.append(kwargs)
        return types.SimpleNamespace(urls=[real_hub.url], suspects=[])

    monkeypatch.setattr(transport.discovery, "find_hub_candidates", browse)
    hello = {"protocol": 1, "node_id": current_node().node_id, "max_origin_seq": 0,
             "wall_ms": int(time.time() * 1000)}
    assert transport.call("hello", hello)["status"] == "ok"
    assert browsed == []
    # The hub moved: the known addresses fail, the pinned hub's advert is found and used.
    dead = "http://127.0.0.1:9"
    state.put("hub_url_seen", dead)
    state.put("hub_url", dead)
    transport.forget_session()
    assert transport.call("hello", {**hello, "wall_ms": int(time.time() * 1000)})["status"] == "ok"
    assert len(browsed) == 1 and state.get("hub_url_seen") == real_hub.url
