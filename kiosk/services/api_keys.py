"""API tokens: a name, scopes, an expiry; listed and revoked; every use audited.

A token is shown once; only its SHA-256 is kept, in this node's ``ApiKey``
table: a token opens the API of the node that made it, no other. The hub's
token page (``/hub/tokens``) lists, makes and revokes the hub's tokens — the
node integrations talk to — and ``bayflow token --list`` / ``--revoke`` do the
same on any node. Each call made with a token leaves an ``ApiKeyUse`` row, an
append-only audit trail (which token, when, what, with what answer).

Scopes: ``read`` (GET), ``write`` (every creating or changing call, staff of
ordinary roles included) and ``staff_admin`` (also creating administrators).
``bayflow token`` with no options makes a read-and-write token that never
expires: what every call of the contract needs.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
import time

from peewee import fn

from kiosk.core import times
from kiosk.db import database, transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import ApiKey, ApiKeyUse, ApiToken, Staff
from kiosk.roles import allowed
from kiosk.core.errors import Forbidden, ServiceError
from kiosk.core.prepared import Prepared

SCOPES = {"read": _l("Read"), "write": _l("Write"), "staff_admin": _l("Create administrators")}
DEFAULT_SCOPES = ("read", "write")
NAME_LIMIT = 100

# Asked on every API call: the SQL is built once.
_BY_HASH = Prepared(lambda slot: ApiKey.select().where(ApiKey.token_hash == slot(ApiKey.token_hash)).limit(1))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def scopes_of(key: ApiKey) -> set[str]:
    return {s for s in (key.scopes or "").split(",") if s}


def parse_scopes(values) -> tuple[str, ...]:
    """Scopes from ``values`` (names, or comma-separated text), in canonical order; ServiceError if unknown."""
    if isinstance(values, str):
        values = [values]
    wanted = {part.strip().lower().replace("-", "_") for value in values or () for part in str(value).split(",")}
    wanted.discard("")
    unknown = sorted(wanted - set(SCOPES))
    if unknown or not wanted:
        raise ServiceError(_l("Choose the token's scopes: read, write, staff_admin."), field="scopes",
                           detail={"unknown": unknown})
    return tuple(s for s in SCOPES if s in wanted)


def parse_expiry(text: str | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """``30d``, ``12h``, ``90m`` from now, or a date ``2027-01-31`` (the end of that day in the store);
    None: never. A stored (UTC) time."""
    now = now or times.utcnow()
    text = (text or "").strip().lower()
    if text in ("", "never", "none"):
        return None
    match = re.fullmatch(r"(\d{1,5})\s*([dhm])", text)
    if match:
        units = {"d": "days", "h": "hours", "m": "minutes"}
        return now + dt.timedelta(**{units[match[2]]: int(match[1])})
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ServiceError(_l("An expiry is a number of days (30d), hours (12h) or a date (2027-01-31)."),
                           field="expires")
    return times.at_local(day, dt.time(23, 59, 59))  # the end of the store's day, stored as UTC


def issue(name: str = "", scopes=DEFAULT_SCOPES, expires_at: dt.datetime | None = None,
          by: Staff | None = None, created_by: str = "") -> str:
    """A new token (returned once); ``by``: the person making it on a page (``None``: the node's
    own command line). Only an administrator may hand out the ``staff_admin`` scope."""
    scopes = parse_scopes(scopes)
    name = (name or "").strip()[:NAME_LIMIT] or "api"
    if by is not None and "staff_admin" in scopes and not allowed(by.role_list, "staff_admin"):
        raise Forbidden(_l("Only an administrator may make a token that creates administrators."), field="scopes")
    now = times.utcnow().replace(microsecond=0)
    if expires_at is not None and expires_at <= now:
        raise ServiceError(_l("The expiry must be in the future."), field="expires")
    token = secrets.token_urlsafe(32)
    with transaction():
        ApiKey.create(token_hash=token_hash(token), name=name, scopes=",".join(scopes), created_at=now,
                      expires_at=expires_at, created_by=by.badge if by else (created_by or "cli"))
    return token


def authenticate(token: str, now: dt.datetime | None = None) -> ApiKey:
    """The token's key, or a ServiceError (401) saying why not: unknown, revoked or expired."""
    now = now or times.utcnow()
    key = _BY_HASH.first(token_hash(token)) if token else None
    if key is None:
        raise ServiceError(_l("This API token is not known on this node."), status=401)
    if key.revoked_at is not None:
        raise ServiceError(_l("This API token was revoked."), status=401)
    if key.expires_at is not None and key.expires_at <= now:
        raise ServiceError(_l("This API token has expired."), status=401)
    return key


def allows(key: ApiKey, scope: str) -> bool:
    return scope in scopes_of(key)


def scope_for(method: str) -> str:
    """The scope a call needs: reading, or writing (anything else)."""
    return "read" if method in ("GET", "HEAD", "OPTIONS") else "write"


# Audit rows are written in batches: a write of its own for every call would make
# concurrent API calls queue on the database's write lock (p95 from 25 to 150 ms with
# ten clients). A batch goes when FLUSH_SECONDS have passed since the last one or
# FLUSH_ROWS wait, at the latest FLUSH_SECONDS later from the server's own timer
# (kiosk.server), and whenever the rows are read here; a process killed outright
# may lose the last second's rows.
FLUSH_SECONDS = 1.0
FLUSH_ROWS = 200
_pending: dict[int, list[dict]] = {}  # rows waiting, by database (tests bind several in one process)
_pending_lock = threading.Lock()
_last_flush = [0.0]


def record_use(key: ApiKey, method: str, path: str, status: int, client: str = "") -> None:
    """Keep the audit row of one call (written with the next batch; see ``flush_uses``)."""
    row = {"key_id": key.id, "at": times.utcnow(), "method": method, "path": path[:200], "status": int(status),
           "client": client[:100]}
    with _pending_lock:
        waiting = _pending.setdefault(id(database.obj), [])
        waiting.append(row)
        due = len(waiting) >= FLUSH_ROWS or time.monotonic() - _last_flush[0] >= FLUSH_SECONDS
    if due:
        flush_uses()


def flush_uses() -> int:
    """Write the audit rows waiting for this database, in one transaction; how many."""
    with _pending_lock:
        rows = _pending.pop(id(database.obj), [])
        _last_flush[0] = time.monotonic()
    if rows:
        with transaction():
            ApiKeyUse.insert_many(rows).execute()
    return len(rows)


def find(ref) -> ApiKey:
    """A token by its number or its name (the newest of that name); ServiceError 404 if none."""
    text = str(ref).strip()
    key = ApiKey.get_or_none(ApiKey.id == int(text)) if text.isdigit() else None
    key = key or ApiKey.select().where(ApiKey.name == text).order_by(ApiKey.id.desc()).first()
    if key is None:
        raise ServiceError(_l("This API token is not known."), status=404)
    return key


def revoke(ref) -> ApiKey:
    """Revoke a token (by number or name): it answers 401 from then on."""
    key = find(ref)
    if key.revoked_at is None:
        with transaction():
            key.revoked_at = times.utcnow().replace(microsecond=0)
            key.save(only=[ApiKey.revoked_at])
            # Its row from before scopes (kept by m0008a for a rollback) goes: revoked there too.
            ApiToken.delete().where(ApiToken.token_hash == key.token_hash).execute()
    return key


def listing(now: dt.datetime | None = None) -> list[dict]:
    """Every token with its state, number of uses and last use, newest first."""
    now = now or times.utcnow()
    flush_uses()
    uses = {key_id: (count, last) for key_id, count, last in
            ApiKeyUse.select(ApiKeyUse.key_id, fn.COUNT(ApiKeyUse.id), fn.MAX(ApiKeyUse.at))
            .group_by(ApiKeyUse.key_id).tuples()}
    rows = []
    for key in ApiKey.select().order_by(ApiKey.id.desc()):
        count, last = uses.get(key.id, (0, None))
        state = "revoked" if key.revoked_at else "expired" if key.expires_at and key.expires_at <= now else "active"
        rows.append({"key": key, "scopes": [s for s in SCOPES if s in scopes_of(key)], "state": state,
                     "uses": count, "last_used": last})
    return rows


def recent_uses(limit: int = 50) -> list[tuple[ApiKeyUse, str]]:
    """The latest calls made with any token, with the token's name."""
    flush_uses()
    names = {k.id: k.name for k in ApiKey.select(ApiKey.id, ApiKey.name)}
    return [(use, names.get(use.key_id, "?"))
            for use in ApiKeyUse.select().order_by(ApiKeyUse.id.desc()).limit(limit)]
