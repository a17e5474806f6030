"""This node's own bookkeeping: never replicated."""
from __future__ import annotations

from peewee import CharField, DateTimeField, IntegerField

from kiosk.models.base import LocalModel


class NumberCounter(LocalModel):
    """The last human number handed out per (prefix, day) on this node."""

    key = CharField(primary_key=True)
    last = IntegerField(default=0)


class ApiToken(LocalModel):
    token_hash = CharField(unique=True)
    label = CharField(default="")
    created_at = DateTimeField()


class LoginFailure(LocalModel):
    """Failed PIN attempts per badge on this kiosk, for the growing lockout."""

    badge = CharField(primary_key=True)
    failures = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
