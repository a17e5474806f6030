"""The kept answers of creating API calls sent with an ``Idempotency-Key``
(kiosk.stations.api.idempotency opens the call's transaction and asks here).

An answer is kept under the token and key, with a hash of what was asked, in
the call's own transaction; kept answers are forgotten after ``KEEP_DAYS``.
"""
from __future__ import annotations

import datetime as dt

from kiosk.core import times
from kiosk.models import IdempotentAnswer

KEEP_DAYS = 7


def kept_answer(key: str) -> IdempotentAnswer | None:
    """The answer kept under ``key`` (a hash of the token and its Idempotency-Key), or None."""
    return IdempotentAnswer.get_or_none(IdempotentAnswer.key == key)


def keep(key: str, request_hash: str, status: int, body: str, now: dt.datetime | None = None) -> None:
    """Keep a first successful answer (inside the call's transaction); forget the old ones."""
    now = now or times.utcnow()
    IdempotentAnswer.create(key=key, request_hash=request_hash, status=status, body=body, created_at=now)
    IdempotentAnswer.delete().where(IdempotentAnswer.created_at < now - dt.timedelta(days=KEEP_DAYS)).execute()
