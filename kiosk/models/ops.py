"""Running a store: this node's own settings, and on a hub what each kiosk last reported.

Both stay on their node (``LocalModel``): a kiosk's printers, cameras and idle
time belong to its desk, and the hub keeps the last report of every kiosk it
serves (kiosk.services.store_health) so a replacement PC can take a dead
kiosk's settings over (sync.replace).
"""
from __future__ import annotations

from peewee import BigIntegerField, CharField, DateTimeField, IntegerField, TextField

from kiosk.models.base import LocalModel


class NodeSetting(LocalModel):
    """One setting of this node (key → JSON value): idle time, cameras, backup bookkeeping."""

    key = CharField(primary_key=True)
    value = TextField(default="null")
    updated_at = DateTimeField(null=True)


class NodeReport(LocalModel):
    """On a hub: what one kiosk said about itself in its last hello, and what the hub saw."""

    node_id = CharField(primary_key=True)
    version = CharField(default="")
    outbox = IntegerField(null=True)
    # Since when the kiosk's outbox has not gone down (None: empty or shrinking).
    outbox_growing_since = DateTimeField(null=True)
    clock_offset_ms = BigIntegerField(null=True)  # the kiosk's clock minus the hub's
    disk_free = BigIntegerField(null=True)  # bytes free where the kiosk keeps its database
    db_bytes = BigIntegerField(null=True)  # its database with the write-ahead log
    last_error = TextField(default="")
    last_error_at = CharField(default="")  # as the kiosk wrote it (its own clock)
    last_sync_at = DateTimeField(null=True)  # the last pull that brought it up to date (hub clock)
    settings = TextField(default="")  # the station's settings as JSON (printers, cameras, idle time)
    reported_at = DateTimeField(null=True)
