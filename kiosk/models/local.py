"""This node's own bookkeeping: never replicated."""
from __future__ import annotations

from peewee import CharField, DateTimeField, IntegerField, TextField

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


class CounterDraft(LocalModel):
    """Work in progress at a counter screen (an issue, a return, a delivery being
    scanned), kept per person until confirmed or cancelled: an idle logout or a
    restart does not lose the scans. Never replicated: nothing is booked yet."""

    staff_id = CharField()
    name = CharField()  # which draft: parts_issue, parts_return, parts_receive
    data = TextField(default="{}")  # JSON
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("staff_id", "name"), True),)


class AppliedMigration(LocalModel):
    """A schema step this database has had (``kiosk.migrations``)."""

    name = CharField(primary_key=True)
    applied_at = DateTimeField()

    class Meta:
        table_name = "migrations"
