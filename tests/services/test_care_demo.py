"""The demo store's care desk: calls due today, open complaints (one overdue), reminders of
every kind, consent records, a queued text."""
from __future__ import annotations

import pytest

from kiosk.core import times
from kiosk.models import Consent, OutboxMessage
from kiosk.services import complaints, followups, reminders


@pytest.mark.demo_store
def test_the_demo_has_work_for_the_care_desk(db):
    today = times.today()
    due = followups.due_calls(today)
    assert len(due) >= 3 and any(r["attempts"] == 1 for r in due)
    listed = complaints.listing("open")
    assert len(listed) >= 3 and sum(r["overdue"] for r in listed) == 1
    assert any(r["complaint"].channel == "follow_up" for r in listed)
    kinds = {r["kind"] for r in reminders.due(today, 7)}
    assert kinds == {"maintenance", "first_service", "warranty", "insurance", "declined_work"}
    assert any(r["own_pace"] for r in reminders.due(today, 7) if r["kind"] == "maintenance")
    assert Consent.select().count() >= 4 and OutboxMessage.select().count() == 1
