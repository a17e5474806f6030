"""Pairing: a one-time code read off the hub lets a kiosk and the hub pin each other's keys.

On the hub, ``create_pairing_code`` hands out a short code (it expires and
works once; only a memory-hard hash of it is kept, ``crypto.code_verifier``)
and ``accept_pairing`` answers the kiosk's ``pair`` call: it checks the
kiosk's MAC made with the code, pins the kiosk's key in ``Peer``, gives the
kiosk a store-unique number prefix and proves, with its own MAC, that it is
the hub that showed the code. The code itself never crosses the network, so
a rogue answering a pairing learns nothing it could use in time. After too
many wrong codes every outstanding code is burnt, so guessing 8 digits online
is hopeless.

On the kiosk, ``pair`` asks the hub for its key (``hub_intro``), sends its own
with the MAC, checks the hub's proof and only then pins the hub (node id,
public key, address in ``sync.state``).

``revoke`` on the hub shuts a kiosk out; its calls are then refused.
"""
from __future__ import annotations

import re
import secrets
import time

from peewee import IntegrityError

from kiosk.core import times
from kiosk.db import transaction
from sync import crypto, keys, protocol, state, transport
from sync.identity import reidentify
from sync.node import current_node
from sync.tables import NodeInfo, PairingCode, PairingFailure, Peer

CODE_DIGITS = 8
DEFAULT_TTL_SECONDS = 600
MAX_WRONG_CODES = 10  # wrong codes tried since the newest code was made; then all codes are burnt
STATION_LETTERS = {"reception": "R", "bay": "B", "parts": "P", "cashier": "C", "care": "S"}
_PREFIX = re.compile(r"^[A-Z0-9]{1,6}$")


class Refused(Exception):
    """The hub says no. ``status``/``error``/``detail`` become the JSON answer.

    When the request was authenticated (``peer`` and ``rid`` known), the
    answer is sealed too, so the kiosk can trust it (e.g. "revoked").
    """

    def __init__(self, status: int, error: str, detail: str, *, peer=None, rid: str | None = None,
                 extra: dict | None = None):
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail
        self.peer, self.rid, self.extra = peer, rid, extra or {}


def take_over_on_hub(old_node_id: str, new_node_id: str) -> dict:
    """Inside the pairing's transaction, for a code made to replace a dead kiosk (sync.replace):
    revoke the old kiosk; what the new one takes over."""
    old = Peer.get_or_none(Peer.node_id == old_node_id)
    if old is None:
        raise Refused(409, "unknown_kiosk", "the kiosk this code replaces is no longer paired with this hub")
    if old_node_id == new_node_id:
        raise Refused(409, "same_kiosk", "a kiosk cannot replace itself: pair the new PC with this code")
    if old.revoked_at is None:
        old.revoked_at = times.utcnow()
    old.state = "replaced"
    old.save()
    return {"node_id": old.node_id, "station": old.station, "prefix": old.prefix}


def _now_ms() -> int:
    return int(time.time() * 1000)


def normalize_code(code: str) -> str:
    """The code's digits (people type ``1234-5678``, ``1234 5678`` or ``12345678``); '' if not a code."""
    digits = re.sub(r"[\s\-]", "", str(code or ""))
    return digits if re.fullmatch(r"\d{%d}" % CODE_DIGITS, digits) else ""


def _verifier(digits: str) -> str:
    return crypto.code_verifier(digits, keys.public_key_raw()).hex()


def hub_intro() -> dict:
    """On the hub: what a kiosk needs before it can prove the code (all of it public)."""
    hub = current_node()
    if hub.role != "hub":
        raise Refused(404, "not_a_hub", "this node is a kiosk: pair with the hub")
    return {"hub_node_id": hub.node_id, "hub_public_key": keys.public_key_b64(), "store_name": hub.store_name,
            "fingerprint": keys.fingerprint(), "protocol_range": [protocol.PROTOCOL_MIN, protocol.PROTOCOL_MAX]}


def create_pairing_code(ttl_seconds: int = DEFAULT_TTL_SECONDS, replaces: str | None = None) -> str:
    """On the hub: a fresh one-time code, shown as ``1234-5678``; valid ``ttl_seconds``.

    ``replaces``: the node id of a dead kiosk the PC paired with this code takes over (sync.replace)."""
    if current_node().role != "hub":
        raise Refused(409, "not_a_hub", "pairing codes are made on the hub, not on a kiosk")
    while True:
        digits = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        verifier = _verifier(digits)  # slow on purpose: outside the write lock
        now = _now_ms()
        with transaction():
            PairingCode.delete().where(PairingCode.expires_ms < now - 86_400_000).execute()
            PairingFailure.delete().where(PairingFailure.at_ms < now - 86_400_000).execute()
            if PairingCode.get_or_none(PairingCode.code_hash == verifier) is None:
                PairingCode.create(code_hash=verifier, created_ms=now, expires_ms=now + int(ttl_seconds * 1000),
                                   replaces=replaces)
                break
    return f"{digits[:4]}-{digits[4:]}"


def _check_code(mac, kiosk_public: bytes, node_id: str, now: int) -> tuple[PairingCode | None, Refused | None]:
    """The code ``mac`` was made with, if it may be used now, else the refusal (the failure is counted)."""
    newest = PairingCode.select().order_by(PairingCode.created_ms.desc()).first()
    since = newest.created_ms if newest else 0
    wrong = PairingFailure.select().where(PairingFailure.at_ms >= since).count()
    if wrong >= MAX_WRONG_CODES:
        PairingCode.update(used_ms=now, used_by="burnt").where(PairingCode.used_ms.is_null()).execute()
        return None, Refused(429, "too_many_attempts",
                             "too many wrong pairing codes: make a new code on the hub (bayflow pairing-code)")
    hub_public = keys.public_key_raw()
    row = next((r for r in PairingCode.select().order_by(PairingCode.created_ms.desc())
                if crypto.same_mac(mac, crypto.kiosk_mac(bytes.fromhex(r.code_hash), hub_public, kiosk_public,
                                                         node_id))), None)
    if row is not None and row.used_ms is None and row.expires_ms > now:
        return row, None
    PairingFailure.create(at_ms=now)
    if row is None:
        return None, Refused(403, "wrong_code", "this pairing code is not valid: check it on the hub's screen")
    if row.used_ms is not None:
        return None, Refused(403, "used_code", "this pairing code was already used: make a new one on the hub")
    return None, Refused(403, "expired_code", "this pairing code has expired: make a new one on the hub")


def _assign_prefix(node_id: str, wanted: str, station: str) -> str:
    """A short number prefix no other node of the store uses: the kiosk's own if
    it is free (its numbers do not change), else station letter + number."""
    existing = Peer.get_or_none(Peer.node_id == node_id)
    taken = {p for (p,) in Peer.select(Peer.prefix).where(Peer.node_id != node_id).tuples()}
    taken.add(current_node().prefix.upper())
    for candidate in (existing.prefix if existing else "", wanted):
        if candidate and _PREFIX.match(candidate) and candidate not in taken:
            return candidate
    letter, n = STATION_LETTERS.get(station, "K"), 1
    while f"{letter}{n}" in taken:
        n += 1
    return f"{letter}{n}"


def _field(body: dict, name: str, kind, limit: int = 200):
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) or (isinstance(value, str) and len(value) > limit):
        raise Refused(400, "invalid", f"{name} is missing or has the wrong type")
    return value


def accept_pairing(body: dict) -> dict:
    """On the hub: answer a kiosk's ``pair`` call (see ``sync.protocol``)."""
    hub = current_node()
    if hub.role != "hub":
        raise Refused(404, "not_a_hub", "this node is a kiosk: pair with the hub")
    mac = _field(body, "code_mac", str)
    node_id = _field(body, "node_id", str, 100).strip()
    station = _field(body, "station", str, 40) if body.get("station") is not None else "all"
    version = _field(body, "protocol", int)
    wanted = str(body.get("prefix") or "").strip().upper()[:6]
    try:
        kiosk_public = keys.decode_public_key(_field(body, "public_key", str))
    except ValueError:
        raise Refused(400, "invalid", "public_key is not a 32-byte key in base64")
    if not node_id or node_id == hub.node_id or kiosk_public == keys.public_key_raw():
        raise Refused(400, "invalid", "a node cannot pair with itself")
    if body.get("hub_public_key") != keys.public_key_b64():
        raise Refused(409, "wrong_hub_key", "the kiosk proved the code for another hub key: something is "
                                            "between the kiosk and the hub; pair again")
    if not protocol.PROTOCOL_MIN <= version <= protocol.PROTOCOL_MAX:
        raise Refused(426, "upgrade", f"this hub speaks protocol {protocol.PROTOCOL_MIN} to "
                                      f"{protocol.PROTOCOL_MAX}, the kiosk {version}: upgrade bayflow")
    now = _now_ms()
    with transaction():
        row, refusal = _check_code(mac, kiosk_public, node_id, now)
        if row is not None:
            # Spend the code first: of two kiosks racing with one code, one wins.
            spent = (PairingCode.update(used_ms=now, used_by=node_id)
                     .where((PairingCode.code_hash == row.code_hash) & PairingCode.used_ms.is_null()).execute())
            if spent != 1:
                row, refusal = None, Refused(403, "used_code", "this pairing code was already used")
        taking_over = None
        if row is not None and row.replaces:
            taking_over = take_over_on_hub(row.replaces, node_id)
            station = taking_over["station"]
        if row is not None:
            prefix = _assign_prefix(node_id, wanted, station)
            values = {"public_key": keys.b64encode(kiosk_public), "station": station, "prefix": prefix,
                      "paired_at": times.utcnow(), "revoked_at": None, "state": "paired"}
            try:
                (Peer.insert(node_id=node_id, **values)
                 .on_conflict(conflict_target=[Peer.node_id], update=values).execute())
            except IntegrityError:  # a prefix taken by a concurrent pairing (PostgreSQL)
                raise Refused(409, "busy", "another kiosk is pairing at this moment: try again")
    if refusal is not None:
        raise refusal
    return {
        "hub_node_id": hub.node_id,
        "hub_public_key": keys.public_key_b64(),
        "store_name": hub.store_name,
        "prefix": prefix,
        "protocol_range": [protocol.PROTOCOL_MIN, protocol.PROTOCOL_MAX],
        "proof": crypto.hub_proof(bytes.fromhex(row.code_hash), keys.public_key_raw(), kiosk_public),
        **({"replaces": taking_over} if taking_over else {}),
    }


def revoke(node_id: str) -> Peer:
    """On the hub: refuse every later call of kiosk ``node_id`` (re-pairing lets it back)."""
    with transaction():
        peer = Peer.get_or_none(Peer.node_id == node_id)
        if peer is None:
            raise LookupError(f"no paired kiosk {node_id}")
        peer.revoked_at, peer.state = times.utcnow(), "revoked"
        peer.save()
    return peer


def peers() -> list[Peer]:
    """The kiosks this hub has paired with, oldest first."""
    return list(Peer.select().order_by(Peer.paired_at))


# -- the kiosk's side --------------------------------------------------------

def normalize_url(url: str) -> str:
    """``127.0.0.1:5001`` → ``http://127.0.0.1:5001`` (no trailing slash)."""
    url = str(url or "").strip().rstrip("/")
    if url and "://" not in url:
        url = "http://" + url
    return url


def pair(hub_url: str, code: str, *, timeout: float = 10) -> dict:
    """On the kiosk: pair with the hub at ``hub_url`` using the code it showed.

    Raises ``sync.transport.PairingRefused`` (wrong, expired or used code …),
    ``Offline`` (no answer) or ``RogueHub`` (the answer does not prove the
    code). Returns what was pinned: hub node id, fingerprint, store, prefix, url.
    """
    digits, url = normalize_code(code), normalize_url(hub_url)
    if not digits:
        raise transport.PairingRefused(f"{code!r} is not a pairing code: it has {CODE_DIGITS} digits, e.g. 1234-5678")
    if state.get("state") == "diverged":
        reidentify()  # a clone or a restored backup comes back as a new node, its work kept
    node = current_node()
    mine = keys.public_key_raw()
    status, intro = transport.request_json("GET", f"{url}/sync/v1/pair", None, timeout)
    try:
        if status != 200:
            raise ValueError(intro.get("detail") if isinstance(intro, dict) else f"HTTP {status}")
        hub_public = keys.decode_public_key(intro.get("hub_public_key"))
    except (AttributeError, TypeError, ValueError) as exc:
        raise transport.PairingRefused(f"{url} is not a bayflow hub ready to pair: {exc}")
    verifier = crypto.code_verifier(digits, hub_public)
    status, answer = transport.request_json("POST", f"{url}/sync/v1/pair", {
        "code_mac": crypto.kiosk_mac(verifier, hub_public, mine, node.node_id), "node_id": node.node_id,
        "public_key": keys.b64encode(mine), "hub_public_key": keys.b64encode(hub_public), "station": node.station,
        "protocol": protocol.PROTOCOL_VERSION, "prefix": node.prefix,
    }, timeout)
    if status != 200 or not isinstance(answer, dict):
        detail = answer.get("detail") if isinstance(answer, dict) else None
        if status == 426:
            raise transport.UpgradeRequired(detail or "the hub needs a newer bayflow")
        raise transport.PairingRefused(str(detail or f"{url} did not accept the pairing (HTTP {status})"))
    try:
        hub_id = str(answer["hub_node_id"])
        prefix = str(answer["prefix"]).upper()
        store_name = str(answer.get("store_name") or "")
    except (KeyError, TypeError, ValueError):
        raise transport.PairingRefused(f"{url} answered the pairing with something that is not a bayflow hub")
    if (answer.get("hub_public_key") != keys.b64encode(hub_public) or not _PREFIX.match(prefix)
            or not crypto.same_mac(answer.get("proof"), crypto.hub_proof(verifier, hub_public, mine))):
        transport.record_alert(url, "answered the pairing without proving it made the code")
        raise transport.RogueHub(f"{url} could not prove it is the hub that showed this code: not paired")
    with transaction():
        if state.get("hub_node_id") != hub_id:
            state.put("hub_cursor", "0")  # another hub's sequence: pull it from the start
        for key, value in (("hub_node_id", hub_id), ("hub_public_key", keys.b64encode(hub_public)),
                           ("hub_url", url), ("hub_store", store_name), ("hub_url_seen", ""),
                           ("paired_at", times.utcnow().isoformat(timespec="seconds")),
                           ("state", "paired"), ("alert", "")):
            state.put(key, value)
        NodeInfo.update(prefix=prefix, **({"store_name": store_name} if store_name else {})).where(
            NodeInfo.node_id == node.node_id).execute()
    transport.forget_session()
    pinned = {"hub_node_id": hub_id, "fingerprint": keys.fingerprint(hub_public), "store_name": store_name,
              "prefix": prefix, "url": url}
    if isinstance(answer.get("replaces"), dict):  # this PC takes a dead kiosk's place (sync.replace)
        pinned["replaces"] = answer["replaces"]
    return pinned
