"""HTTP for sync: JSON POSTs over a kept-alive connection, one per thread.

The connection matters for trust, not only for speed: a kiosk proves the hub
with a ``hello`` on a connection and sends data only on that same connection
afterwards. A new hub process (or a rogue that took the address) can only be
reached through a new connection, which must prove itself again first.
Standard library only (``http.client``); never through an HTTP proxy.
"""
from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlsplit

from sync import jsonwire
from sync.errors import Offline, SyncError

HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


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
    try:
        conn.request("POST", path, body=jsonwire.dumps(body), headers=HEADERS)
        response = conn.getresponse()
        raw, status = response.read(), response.status
        closing = response.will_close
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
        drop()
        if reused:
            raise Stale(str(exc))
        raise Offline(f"cannot reach the hub at {url}: {exc}")
    except (OSError, http.client.HTTPException) as exc:
        drop()
        raise Offline(f"cannot reach the hub at {url}: {exc}")
    _link.used = True
    if closing:
        drop()
    return status, _json(raw)


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
    try:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        conn.request(method, path, body=data, headers=HEADERS)
        response = conn.getresponse()
        raw, status = response.read(), response.status
    except (OSError, http.client.HTTPException) as exc:
        raise Offline(f"cannot reach the hub at {parts.scheme}://{parts.netloc}: {exc}")
    finally:
        conn.close()
    return status, _json(raw)


def _json(raw: bytes):
    try:
        return jsonwire.loads(raw)
    except ValueError:  # UnicodeDecodeError included
        return None
