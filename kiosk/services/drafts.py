"""Drafts at a counter screen: what a person has scanned but not yet confirmed.

Kept in this node's database per person (kiosk.models.CounterDraft), not in the
browser session, so an idle logout, another screen or a restart loses none of
it; confirming or cancelling clears it. A draft is a small JSON document the
screen owns.
"""
from __future__ import annotations

import json

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import CounterDraft


def load(staff, name: str, default: dict) -> dict:
    """``staff``'s draft ``name``, or a copy of ``default`` when there is none."""
    if staff is None:
        return dict(default)
    row = CounterDraft.get_or_none((CounterDraft.staff_id == staff.id.hex) & (CounterDraft.name == name))
    if row is None:
        return dict(default)
    try:
        data = json.loads(row.data)
    except ValueError:
        return dict(default)
    return {**default, **data} if isinstance(data, dict) else dict(default)


def save(staff, name: str, data: dict) -> None:
    """Keep ``data`` as ``staff``'s draft ``name`` (replacing the last)."""
    if staff is None:
        return
    with transaction():
        (CounterDraft.insert(staff_id=staff.id.hex, name=name, data=json.dumps(data), updated_at=times.utcnow())
         .on_conflict(conflict_target=[CounterDraft.staff_id, CounterDraft.name],
                      preserve=[CounterDraft.data, CounterDraft.updated_at]).execute())


def clear(staff, name: str) -> None:
    """Drop the draft (confirmed or cancelled)."""
    if staff is None:
        return
    with transaction():
        CounterDraft.delete().where((CounterDraft.staff_id == staff.id.hex) & (CounterDraft.name == name)).execute()
