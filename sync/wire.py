"""HTTP for sync: JSON POSTs over a kept-alive connection, one per thread.

The connection matters for trust, not only for speed: a kiosk proves the hub
with a ``hello`` on a connection and sends data only on that same connection
afterwards. A new hub process (or a rogue that took the address) can only be
reached through a new connection, which must prove itself again first.
Standard library only (``http.client``); never through an HTTP proxy.

Nothing read before it is authenticated may cost more than a batch: an answer
larger than ``MAX_ANSWER_BYTES`` is refused (by its declared length, before
reading; or as soon as it grows past it), and a whole exchange — connecting,
sending, the answer's headers and body — ends at its deadline however slowly
the bytes trickle in (a watchdog shuts the socket). A rogue at the hub's
address, which holds no pinned key, can neither fill a kiosk's memory nor keep
``bayflow sync --once`` waiting for ever.
"""
from __future__ import annotations

import http.client
import json
import socket
import threading
from urllib.parse import urlsplit

from sync import jsonwire
from sync.errors import AnswerRefused, Offline, SyncError

HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
# The largest answer a kiosk reads: a pull batch (PULL_BATCH events, sealed) is a few
# megabytes; this leaves ample room and still bounds what an unauthenticated peer costs.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
MAX_PAIRING_ANSWER_BYTES = 1024 * 1024
_CHUNK = 256 * 1024


class _Connection(http.client.HTTPConnection):
    """Closed when its thread ends (the thread-local goes away), not left to the garbage collector."""

    def __del__(self):
        self.close()


class Stale(Exception):
    """The kept connection is gone (closed by the hub, or replaced): start over on a new one."""


class _Link(threading.local):
    conn: _Connection | None = None
    url: str | None = None
    generation = 0
    proven: str | None = None  # the pinned hub key this connection's peer proved it holds
    used = False               # answered at least once (so a failure may be a closed keep-alive)


_link = _Link()
_generation = 0


def reset() -> None:
    """Every thread drops its connection before its next request (re-pairing, tests)."""
    global _generation
    _generation += 1
    drop()


def drop() -> None:
    """Close this thread's connection."""
    if _link.conn is not None:
        _link.conn.close()
    _link.conn, _link.url, _link.proven, _link.used = None, None, None, False


def proven(url: str, hub_key: str) -> bool:
    """Whether this thread's open connection to ``url`` was proven by the hub holding ``hub_key``."""
    return (_link.conn is not None and _link.url == url and _link.generation == _generation
            and _link.proven == hub_key)


def mark_proven(url: str, hub_key: str) -> None:
    if _link.conn is not None and _link.url == url:
        _link.proven = hub_key


def _connection(url: str, timeout: float, *, fresh_ok: bool) -> _Connection:
    if _link.conn is not None and (_link.url != url or _link.generation != _generation
                                   or (_link.used and _link.conn.sock is None)):
        drop()  # another address, a reset, or a socket http.client closed (it would reopen it silently)
    if _link.conn is None:
        if not fresh_ok:
            raise Stale("no proven connection")
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise SyncError(f"the hub address {url} is not an http:// address")
        try:
            port = parts.port or 80
        except ValueError:
            raise SyncError(f"the hub address {url} has a bad port")
        _link.conn = _Connection(parts.hostname, port, timeout=timeout)
        _link.url, _link.generation, _link.proven, _link.used = url, _generation, None, False
    _link.conn.timeout = timeout
    if _link.conn.sock is not None:
        _link.conn.sock.settimeout(timeout)
    return _link.conn


def post(url: str, path: str, body: dict, timeout: float, *, fresh_ok: bool = True) -> tuple[int, dict | None]:
    """POST ``body`` to ``url + path`` on this thread's connection; (status, JSON or None).

    ``fresh_ok=False``: only on the connection already open (raises ``Stale``
    when there is none). A kept connection the hub had closed raises ``Stale``;
    no answer on a new one raises ``Offline``.
    """
    conn = _connection(url, timeout, fresh_ok=fresh_ok)
    reused = _link.used
    watchdog = _Watchdog(conn, timeout)
    try:
        conn.request("POST", path, body=jsonwire.dumps(body), headers=HEADERS)
        response = conn.getresponse()
        status, raw = response.status, _read_bounded(response, url, MAX_ANSWER_BYTES)
        closing = response.will_close
    except AnswerRefused:
        drop()
        raise
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
        drop()
        if watchdog.fired:
            raise _too_slow(url, timeout) from exc
        if reused:
            raise Stale(str(exc))
        raise Offline(f"cannot reach the hub at {url}: {exc}")
    except (OSError, http.client.HTTPException) as exc:
        drop()
        if watchdog.fired:
            raise _too_slow(url, timeout) from exc
        raise Offline(f"cannot reach the hub at {url}: {exc}")
    finally:
        watchdog.cancel()
    if watchdog.fired:  # the last byte came as the deadline passed: not trusted either
        drop()
        raise _too_slow(url, timeout)
    _link.used = True
    if closing:
        drop()
    return status, _json(raw)


class _Watchdog:
    """Shuts ``conn``'s socket once ``seconds`` have passed, so no read can outlast the exchange."""

    def __init__(self, conn: http.client.HTTPConnection, seconds: float):
        self.conn, self.fired = conn, False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        sock = self.conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def _read_bounded(response: http.client.HTTPResponse, url: str, limit: int) -> bytearray:
    """The answer's body, refused (``AnswerRefused``) as soon as it is, or says it will be, over ``limit``."""
    declared = response.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise _too_large(url, limit)
    body = bytearray()
    while True:
        chunk = response.read(min(_CHUNK, limit + 1 - len(body)))
        if not chunk:
            return body
        body += chunk
        if len(body) > limit:
            raise _too_large(url, limit)


def _too_large(url: str, limit: int) -> AnswerRefused:
    return AnswerRefused(f"refused the answer from {url}: larger than {limit // (1024 * 1024)} MB before it "
                         "could be authenticated (a device pretending to be the hub?)", "too_large", url)


def _too_slow(url: str, seconds: float) -> AnswerRefused:
    return AnswerRefused(f"gave up on the answer from {url}: not complete within {seconds:g} s (a device "
                         "pretending to be the hub, or a broken link?)", "too_slow", url)


def request_once(method: str, url: str, body: dict | None, timeout: float) -> tuple[int, dict | None]:
    """One request on a connection of its own (pairing); ``Offline`` if there is no answer."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SyncError(f"the hub address {url} is not an http:// address")
    try:
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    except ValueError:
        raise SyncError(f"the hub address {url} has a bad port")
    path = parts.path or "/"
    where = f"{parts.scheme}://{parts.netloc}"
    watchdog = _Watchdog(conn, timeout)
    try:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        conn.request(method, path, body=data, headers=HEADERS)
        response = conn.getresponse()
        status, raw = response.status, _read_bounded(response, where, MAX_PAIRING_ANSWER_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        if watchdog.fired:
            raise _too_slow(where, timeout) from exc
        raise Offline(f"cannot reach the hub at {where}: {exc}")
    finally:
        watchdog.cancel()
        conn.close()
    if watchdog.fired:
        raise _too_slow(where, timeout)
    return status, _json(raw)


def _json(raw: bytes | bytearray):
    try:
        return jsonwire.loads(raw)
    except ValueError:  # UnicodeDecodeError included
        return None
