"""The claims desk's list: every claim with its state, checks, old part and age, and
the totals the clerk chases: what the manufacturer owes, what it credited, and how
old the unpaid claims are."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.core import times
from kiosk.models.claims import WarrantyClaim
from kiosk.services import claim_checks, claims, old_parts

ZERO = Decimal("0.00")
AGE_BUCKETS = ((30, "0–30"), (60, "31–60"), (90, "61–90"), (None, "90+"))


def _submitted_on(events) -> dt.date | None:
    for event in events:
        if event.state == "submitted":
            return times.local_date(event.at)
    return None


def entry(claim: WarrantyClaim, today: dt.date | None = None) -> dict:
    """One claim as the list shows it."""
    today = today or times.today()
    history = claims.events(claim)
    state = history[-1].state if history else "draft"
    submitted = _submitted_on(history)
    approved = claims.approved_amount(claim)
    credited = claims.credited_amount(claim)
    if state in ("submitted", "resubmitted"):
        owed = claims.claimed(claim)
    elif state in ("approved", "partly_approved"):
        owed = approved
    else:
        owed = ZERO
    tags = old_parts.tags_of(claim)
    return {"claim": claim, "state": state, "state_label": claims.STATE_LABELS[state],
            "claimed": claims.claimed(claim), "approved": approved, "credited": credited, "owed": owed,
            "age_days": (today - submitted).days if submitted else None,
            "checks": claim_checks.run(claim, today) if state in ("draft", "rejected") else [],
            "old_parts": [(t, old_parts.place(t)) for t in tags],
            "old_part_overdue": any(old_parts.overdue(t, today) for t in tags),
            "reason_code": next((e.reason_code for e in reversed(history) if e.state == "rejected"), "")}


def listing(state: str = "", today: dt.date | None = None, limit: int = 200) -> list[dict]:
    """The claims, newest first, optionally of one state (``open`` for every unfinished one)."""
    rows = WarrantyClaim.select().where(WarrantyClaim.deleted == False)  # noqa: E712
    out = [entry(c, today) for c in rows.order_by(WarrantyClaim.created_at.desc()).limit(limit)]
    if state == "open":
        return [e for e in out if e["state"] in claims.OPEN_STATES]
    return [e for e in out if e["state"] == state] if state else out


def totals(entries: list[dict]) -> dict:
    """Owed, credited, and the owed amount by age since submission (days)."""
    ageing = {label: ZERO for _limit, label in AGE_BUCKETS}
    for e in entries:
        if e["owed"] and e["age_days"] is not None:
            label = next(lb for limit, lb in AGE_BUCKETS if limit is None or e["age_days"] <= limit)
            ageing[label] += e["owed"]
    return {"owed": sum((e["owed"] for e in entries), ZERO), "credited": sum((e["credited"] for e in entries), ZERO),
            "ageing": ageing, "count": len(entries)}
