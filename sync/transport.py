"""The kiosk's side of the wire: sealed calls to the pinned hub.

``call(op, payload)`` seals the payload for the hub this kiosk pinned at
pairing, posts it to ``/sync/v1/<op>`` and returns the opened answer. Nothing
but a ``hello`` is sent on a connection before the hub has proven itself on
it: the ``hello``'s sealed answer can only come from the holder of the pinned
key, and everything else follows on that same kept-alive connection (see
``sync.wire``). A new connection — the hub restarted, or something else took
its address — starts with a ``hello`` again.

Whatever goes wrong is one of the ``SyncError`` subclasses (``sync.errors``,
re-exported here). An answer that does not authenticate is a ``RogueHub``: it
is recorded in ``sync.state`` "alert" (time, address, reason) for every page to
show, and the same happens for a zeroconf advert with another key.
"""
from __future__ import annotations

import json
import secrets
import threading
import time

from peewee import fn

from kiosk.core import config, times
from kiosk.db import connected
from kiosk.version import app_version
from sync import crypto, discovery, keys, protocol, state, wire
from sync.changelog import outbox_size
from sync.node import current_node
from sync.tables import ChangeEvent
from sync.errors import (AnswerRefused, Diverged, NotPaired, Offline, PairingRefused, RogueHub,  # noqa: F401
                         Revoked, SyncError, UpgradeRequired)  # re-exported: callers catch transport.Offline etc.

DISCOVERY_SECONDS = 2.0   # how long finding the hub may browse mDNS when its address does not answer
# Plain (unsealed) refusals: whoever answers at this address does not hold the pinned hub's key.
_UNSEALED_REFUSALS = {400, 401, 403, 404, 405}

# Per process and node: the address the hub answered at, and our clock's offset to the hub's.
_sessions: dict[str, dict] = {}
_lock = threading.Lock()


class _ClockOff(Exception):
    def __init__(self, hub_ms: int):
        self.hub_ms = hub_ms


def forget_session() -> None:
    """Forget the hub's address and proven connections (after pairing again, and in tests)."""
    with _lock:
        _sessions.clear()
    wire.reset()


def request_json(method: str, url: str, body: dict | None, timeout: float) -> tuple[int, dict | None]:
    """One plain JSON request (pairing): (HTTP status, JSON answer or None); ``Offline`` if no answer."""
    return wire.request_once(method, url, body, timeout)


def record_alert(address: str, reason: str) -> None:
    """Keep a rogue-hub alert in ``sync.state`` "alert" (JSON: at, ms, address, reason)."""
    with connected():
        state.put("alert", json.dumps({"at": times.utcnow().isoformat(timespec="seconds"),
                                       "ms": int(time.time() * 1000), "address": address, "reason": reason},
                                      ensure_ascii=False))


def record_refused(refused: AnswerRefused) -> None:
    """Keep why an answer was refused unread (JSON: at, address, kind) for every page to show."""
    with connected():
        state.put("refused_answer", json.dumps({"at": times.utcnow().isoformat(timespec="seconds"),
                                                "address": refused.address, "kind": refused.kind}))


def current_alert() -> dict | None:
    """The last rogue-hub alert, or None."""
    raw = state.get("alert")
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _rogue(url: str, reason: str) -> RogueHub:
    record_alert(url, reason)
    wire.drop()
    _session().pop("url", None)
    return RogueHub(f"refused the node at {url}: {reason}")


def _node_id() -> str:
    return current_node().node_id


def _session() -> dict:
    with _lock:
        return _sessions.setdefault(_node_id(), {})


def _known_urls(hub: dict) -> list[str]:
    """The addresses the hub answered at: the last one that worked, the one given at pairing."""
    return list(dict.fromkeys(u for u in (state.get("hub_url_seen"), hub["url"]) if u))


def _discovered_urls(hub: dict) -> list[str]:
    """The hub's addresses from zeroconf adverts with the pinned fingerprint (it browses,
    up to ``DISCOVERY_SECONDS``). An advert with another fingerprint is never tried; it
    raises the alert."""
    if not config.discovery_on():
        return []  # multicast blocked here: the known addresses only
    pinned = keys.fingerprint(hub["public_key"])
    search = discovery.find_hub_candidates(timeout=DISCOVERY_SECONDS, pinned_fingerprint=pinned,
                                           store=hub["store_name"] or None)
    for suspect in search.suspects:
        record_alert(suspect.url, f"advertises itself as the hub with key {suspect.fingerprint or '(none)'}, "
                                  f"not the pinned {pinned}")
    return search.urls


def _remember(url: str) -> None:
    if url == state.get("hub_url_seen"):
        return
    discovery.remember(url)


def _exchange(url: str, hub: dict, op: str, payload: dict, timeout: float) -> dict:
    """One sealed request and its authenticated answer (or the right ``SyncError``).
    Only ``hello`` may open a new connection."""
    me = _node_id()
    rid = secrets.token_urlsafe(16)
    key = crypto.derive_key(keys.private_key(), keys.decode_public_key(hub["public_key"]), me, hub["node_id"])
    sealed = {**payload, "ts": int(time.time() * 1000) + _session().get("offset_ms", 0), "rid": rid}
    body = crypto.envelope(me, key, crypto.request_aad(op, me), sealed)
    try:
        status, answer = wire.post(url, f"/sync/v1/{op}", body, timeout, fresh_ok=op == "hello")
    except AnswerRefused as refused:
        record_refused(refused)  # every page says so (kiosk.templating's status bar)
        raise
    if not isinstance(answer, dict) or "box" not in answer:
        detail = answer.get("detail") if isinstance(answer, dict) else None
        if status in _UNSEALED_REFUSALS:
            raise _rogue(url, f"it does not hold the pinned hub key (HTTP {status}: {detail or 'no detail'})")
        if status >= 500:
            wire.drop()
            raise Offline(f"the hub at {url} is failing (HTTP {status})")
        if status < 400:
            raise _rogue(url, "its answer is not sealed by the pinned hub")
        raise SyncError(f"the hub refused {op} (HTTP {status}: {detail or 'no detail'})")
    try:
        if answer.get("node") != hub["node_id"]:
            raise crypto.BadBox("another node id")
        opened = crypto.open_box(key, crypto.response_aad(op, hub["node_id"], rid), answer["nonce"], answer["box"])
        if opened.get("rid") != rid:
            raise crypto.BadBox("the answer is for another request")
    except (crypto.BadBox, TypeError):
        raise _rogue(url, "its answer does not authenticate with the pinned hub key")
    opened.pop("ts", None), opened.pop("rid", None)
    if state.get("refused_answer"):
        state.put("refused_answer", "")  # the pinned hub answers properly again
    if status < 400 and "error" not in opened:
        return opened
    return _refused(op, status, opened)


def _refused(op: str, status: int, opened: dict):
    """A sealed (so genuine) refusal from the hub, as the matching error."""
    error, detail = opened.get("error"), opened.get("detail") or opened.get("error")
    if error == "clock" and isinstance(opened.get("hub_ms"), int):
        raise _ClockOff(opened["hub_ms"])
    if error == "revoked":
        state.put("state", "revoked")
        raise Revoked(f"the hub revoked this kiosk: pair it again ({detail})")
    if error in ("upgrade", "upgrade_required"):
        state.put("state", "upgrade")
        raise UpgradeRequired(f"the hub needs a newer bayflow: {detail}")
    if error == "diverged" or detail == "diverged":
        state.put("state", "diverged")
        raise Diverged("this kiosk's history does not match the hub's: pair it again; nothing is lost")
    raise SyncError(f"the hub refused {op} (HTTP {status}: {detail})")


def _exchange_in_hub_time(url: str, hub: dict, op: str, payload: dict, timeout: float) -> dict:
    """``_exchange``, once more in the hub's time if it says our clock is too far off."""
    try:
        try:
            return _exchange(url, hub, op, payload, timeout)
        except _ClockOff as clock:
            _session()["offset_ms"] = clock.hub_ms - int(time.time() * 1000)
            return _exchange(url, hub, op, payload, timeout)
    except _ClockOff:
        raise SyncError("the hub keeps refusing this kiosk's clock")


def _addresses(hub: dict, first: str | None):
    """The session's address, the known ones, then (only if none answered: it browses for
    up to ``DISCOVERY_SECONDS``) the pinned hub's adverts. Every answer is checked against
    the pinned key whichever address gave it, so the known address goes first: a
    command-line sync no longer waits for mDNS when the hub is where it was."""
    if first:
        yield first
    yield from _known_urls(hub)
    yield from _discovered_urls(hub)


def _hello(hub: dict, payload: dict, timeout: float) -> tuple[dict, str]:
    """``hello`` at the session's address, else at each candidate until the
    pinned hub answers; (the answer, the address that gave it). A rogue on one
    address (alerted) does not stop the search; it is raised if nothing better answered."""
    session = _session()
    failure: SyncError | None = None
    tried: set[str] = set()
    for url in _addresses(hub, session.pop("url", None)):
        if url in tried:
            continue
        tried.add(url)
        try:
            try:
                answer = _exchange_in_hub_time(url, hub, "hello", payload, timeout)
            except wire.Stale:  # the kept connection had closed: the same address, on a new one
                answer = _exchange_in_hub_time(url, hub, "hello", payload, timeout)
        except (Offline, RogueHub) as exc:
            if failure is None or isinstance(exc, RogueHub):
                failure = exc
            continue
        session["url"] = url
        _remember(url)
        return answer, url
    raise failure or Offline("no address for the hub: pair again with --hub URL")


def _hello_payload() -> dict:
    me = _node_id()
    top = ChangeEvent.select(fn.MAX(ChangeEvent.origin_seq)).where(ChangeEvent.origin_node == me).scalar()
    return {"protocol": protocol.PROTOCOL_VERSION, "node_id": me, "max_origin_seq": top or 0,
            "wall_ms": int(time.time() * 1000), "outbox": outbox_size(), "version": app_version(),
            "restore_epoch": state.get("hub_epoch")}


def _check_hello(answer: dict) -> None:
    """Data may follow only a hello the hub answered with "ok"."""
    status = answer.get("status", "ok")
    if status == "upgrade":
        state.put("state", "upgrade")
        raise UpgradeRequired("the hub needs a newer bayflow on this kiosk")
    if status == "diverged":
        state.put("state", "diverged")
        raise Diverged("this kiosk's history does not match the hub's: pair it again; nothing is lost")
    if status != "ok":
        raise SyncError(f"the hub answered hello with {status!r}")


def _call_once(hub: dict, op: str, payload: dict, timeout: float) -> dict:
    """``op`` on a connection the hub proved with a hello it answered "ok" (one first if need be)."""
    if op == "hello":
        answer, url = _hello(hub, payload, timeout)
        if answer.get("status", "ok") == "ok":
            wire.mark_proven(url, hub["public_key"])
        return answer
    url = _session().get("url")
    if not url or not wire.proven(url, hub["public_key"]):
        answer, url = _hello(hub, _hello_payload(), timeout)
        _check_hello(answer)
        wire.mark_proven(url, hub["public_key"])
    return _exchange_in_hub_time(url, hub, op, payload, timeout)


def call(op: str, payload: dict, *, timeout: float = 10) -> dict:
    """Send ``op`` with ``payload`` to the pinned hub, sealed; return its opened answer.

    Raises ``NotPaired``, ``Offline``, ``RogueHub``, ``Revoked``,
    ``UpgradeRequired``, ``Diverged`` or ``SyncError``. Any op but ``hello``
    goes only over a connection on which the hub answered a ``hello``.
    """
    with connected():
        hub = state.pinned_hub()
        if hub is None:
            raise NotPaired("this kiosk is not paired with a hub: run bayflow pair")
        session = _session()
        if session.get("hub_key") != hub["public_key"]:  # paired again (maybe with another hub) meanwhile
            session.clear()
            session["hub_key"] = hub["public_key"]
        for attempt in range(3):
            try:
                answer = _call_once(hub, op, payload, timeout)
                break
            except wire.Stale:  # the kept connection was closed: a new one, proven first
                continue
        else:
            raise Offline("the hub keeps closing the connection")
        if state.get("state") in ("revoked", "diverged", "upgrade") and answer.get("status", "ok") == "ok":
            state.put("state", "ok")  # the hub accepts this kiosk again
        return answer
