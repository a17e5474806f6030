"""Every table of sync's own, in one module below the sync logic (and the shop's
tables in ``kiosk.models``): nothing here imports a sync module, so the logic
files import their tables without going round in circles.

* this node: ``NodeInfo`` (identity), ``NodeKey`` (its key pair), ``SyncState`` (what it knows of its hub);
* the change log: ``ChangeEvent``;
* pairing (on a hub): ``Peer``, ``PairingCode``, ``PairingFailure``; sealed requests seen: ``SeenRequest``;
* the merge: ``FieldClock``, ``PendingRow``, ``Conflict``.

All are ``LocalModel``: never replicated. Their logic is in ``sync.node``,
``sync.keys``, ``sync.state``, ``sync.changelog``, ``sync.pairing``,
``sync.envelope``, ``sync.fieldclock`` and ``sync.conflicts``.
"""
from __future__ import annotations

import json

from kiosk.i18n import lazy_gettext as _l
from peewee import (AutoField, BigIntegerField, BooleanField, CharField, CompositeKey, DateTimeField, IntegerField,
                    TextField)

from kiosk.models.base import LocalModel

# Of the change events this build writes. 2: times are naive UTC (kiosk.core.times); version-1
# events (the PC's local time) are converted when read (sync.eventtimes).
SCHEMA_VERSION = 2


# -- this node -----------------------------------------------------------------

class NodeInfo(LocalModel):
    """Exactly one row: who this node is."""

    node_id = CharField(primary_key=True)
    # Short prefix for human numbers (R1-20261127-0042); unique within a store.
    prefix = CharField()
    role = CharField(default="kiosk")  # kiosk | hub
    station = CharField(default="all")
    store_name = CharField(default="")
    created_at = DateTimeField()
    # A restored hub numbers its own new events above this (sync.recovery): kiosks
    # may hold events it made after the backup, under the numbers it had then.
    seq_floor = IntegerField(null=True)


class NodeKey(LocalModel):
    """Exactly one row (id 1): this node's key pair, base64 of the raw 32 bytes."""

    id = IntegerField(primary_key=True)
    private_key = CharField()
    public_key = CharField()
    created_at = DateTimeField()


class SyncState(LocalModel):
    key = CharField(primary_key=True)
    value = TextField(default="")


# -- the change log ------------------------------------------------------------

class ChangeEvent(LocalModel):
    seq = AutoField()
    event_id = CharField(unique=True)
    origin_node = CharField()
    origin_seq = IntegerField()
    hlc = CharField(index=True)
    entity = CharField()
    row_id = CharField(index=True)
    kind = CharField()  # record | fact
    op = CharField()  # insert | update
    payload = TextField()
    schema_version = IntegerField(default=SCHEMA_VERSION)
    created_at = DateTimeField()
    # Added by the merge engine (migration m0002_merge_tables): a received event
    # from a clock too far ahead; when it arrived; what its writer had seen
    # (JSON, see sync.fieldclock).
    flagged = BooleanField(default=False)
    received_at = DateTimeField(null=True)
    merge_info = TextField(default="")

    class Meta:
        indexes = ((("origin_node", "origin_seq"), True),)

    @property
    def data(self) -> dict:
        return json.loads(self.payload)


# -- pairing and sealed requests ---------------------------------------------

class Peer(LocalModel):
    """A kiosk this hub has paired with: its pinned key and its sync state."""

    node_id = CharField(primary_key=True)
    public_key = CharField()
    station = CharField(default="all")
    prefix = CharField(unique=True)
    paired_at = DateTimeField()
    revoked_at = DateTimeField(null=True)
    last_seen_at = DateTimeField(null=True)
    # Kept up to date by the replication side (sync.hub).
    acked_seq = IntegerField(default=0)
    last_hello = TextField(default="")
    state = CharField(default="paired")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class PairingCode(LocalModel):
    """An outstanding or spent code: only its verifier (scrypt of the code, hex) is kept."""

    code_hash = CharField(primary_key=True)
    created_ms = BigIntegerField()
    expires_ms = BigIntegerField()
    used_ms = BigIntegerField(null=True)
    used_by = CharField(null=True)  # the kiosk's node id, or "burnt" after too many wrong codes
    # A code made to replace a dead kiosk: that kiosk's node id (sync.replace).
    replaces = CharField(null=True)


class PairingFailure(LocalModel):
    """One wrong, expired or spent code tried (for the attempt limit)."""

    at_ms = BigIntegerField(index=True)


class SeenRequest(LocalModel):
    """A request id (per sender) recently accepted, so it cannot be played again."""

    key = CharField(primary_key=True)  # sender node id | rid
    seen_ms = BigIntegerField(index=True)


# -- the merge -----------------------------------------------------------------

class FieldClock(LocalModel):
    entity = CharField()
    row_id = CharField()
    field = CharField()
    hlc = CharField()
    origin = CharField(default="")

    class Meta:
        primary_key = CompositeKey("entity", "row_id", "field")


class PendingRow(LocalModel):
    """A row whose events are stored but that cannot be written yet."""

    entity = CharField()
    row_id = CharField()
    # parent: a row it refers to has not arrived; insert: only updates so far;
    # unknown: a table this build does not know (a newer schema); incomplete.
    reason = CharField()
    since = DateTimeField(null=True)

    class Meta:
        primary_key = CompositeKey("entity", "row_id")


CONFLICT_REASONS = {
    "concurrent": _l("Changed on two stations at the same time"),
    "skew": _l("Sent by a station whose clock is wrong"),
    "status": _l("A status change that came too late"),
    "locked": _l("Changed after the work order was settled"),
}


class Conflict(LocalModel):
    id = AutoField()
    entity = CharField()
    row_id = CharField(index=True)
    field = CharField()  # a column, or "*": a whole line added to a locked order
    reason = CharField()  # concurrent | skew | status | locked
    kept_value = TextField(null=True)  # JSON: what the row holds (as of its last merge)
    lost_value = TextField(null=True)  # JSON (for "*": the line's fields)
    kept_hlc = CharField(default="")
    kept_origin = CharField(default="")
    lost_hlc = CharField()
    lost_origin = CharField(default="")
    lost_event = CharField(default="")
    created_at = DateTimeField()
    resolved = BooleanField(default=False, index=True)
    resolved_by = CharField(default="")  # staff id (hex)
    resolved_at = DateTimeField(null=True)
    resolution = CharField(default="")  # kept | lost

    class Meta:
        # One entry per lost write and field, however often the row is merged again.
        indexes = ((("entity", "row_id", "field", "lost_hlc"), True),)

    @property
    def kept(self):
        return json.loads(self.kept_value) if self.kept_value is not None else None

    @property
    def lost(self):
        return json.loads(self.lost_value) if self.lost_value is not None else None

    def reason_label(self):
        """Why the value was kept out, in words for the manager."""
        return CONFLICT_REASONS.get(self.reason, self.reason)
