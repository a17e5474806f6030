"""What guards a node: staff sessions kept on the server, PIN attempts counted store-wide
(a fact that syncs), API tokens with their scopes and every use of them, and the answers
kept for retried calls (this node's own)."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, IntegerField, TextField

from kiosk.models.base import Fact, LocalModel


class StaffSession(LocalModel):
    """Someone at one browser, kept on the server (kiosk.access): the browser's cookie
    holds only a random id, this row says whose it is and whether it still counts.
    Ended at logout, badge-out and idle time; a new one at every login. A copied
    or kept cookie opens nothing once its row has ended."""

    key = CharField(primary_key=True)  # SHA-256 of the id in the cookie (the id itself is not kept)
    staff_id = CharField(index=True)
    kind = CharField()  # "login" (badge and PIN) or "badge" (the bay's badge-only session)
    pin = BooleanField(default=True)  # the person typed their PIN for this session
    created_at = DateTimeField()
    seen_at = DateTimeField()
    ended_at = DateTimeField(null=True)


class LoginAttempt(Fact):
    """A PIN typed for a badge, counted on every node (kiosk.services.pin_lock): a wrong
    PIN, a right one after wrong ones (the count starts again), or a manager's unlock."""

    badge = CharField(index=True)
    outcome = CharField()  # "wrong_pin" | "ok" | "unlock"
    at = DateTimeField()
    by = CharField(default="")  # the manager's badge, for an unlock
    terminal = CharField(default="")  # where it was typed (the client's address)


class ApiKey(LocalModel):
    """An API token of this node (kiosk.services.api_keys): only its hash is kept. Local, like
    the token itself: a token opens one node's API; the hub's token page manages the hub's."""

    token_hash = CharField(unique=True)
    name = CharField(default="")
    scopes = CharField(default="read,write")  # read, write, staff_admin
    created_at = DateTimeField()
    expires_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    created_by = CharField(default="")  # who made it: "cli", or a manager's badge


class ApiKeyUse(LocalModel):
    """One call made with an API token: the audit trail, append-only (never changed or removed
    by bayflow), on the node that answered it."""

    key_id = IntegerField(index=True)
    at = DateTimeField(index=True)
    method = CharField()
    path = CharField()
    status = IntegerField()
    client = CharField(default="")


class IdempotentAnswer(LocalModel):
    """The first answer to an API call sent with an ``Idempotency-Key``, kept in the same
    transaction as what the call wrote, so a retry gets it back instead of writing twice."""

    key = CharField(primary_key=True)  # SHA-256 of (token, Idempotency-Key)
    request_hash = CharField()  # the method, path and body it answered
    status = IntegerField()
    body = TextField()
    created_at = DateTimeField()
