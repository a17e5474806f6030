"""``Idempotency-Key`` on every creating API call (POST): a retry gets the first answer.

A client whose request was committed but whose answer never arrived (the server
was killed, the network dropped) cannot know whether to send it again. With an
``Idempotency-Key: <its own unique text>`` header it can: the call runs in one
write transaction that also keeps its answer under the key (per API token), so
either both the writes and the kept answer are there, or neither is. The same
key again gets that answer back (``Idempotent-Replayed: true``) and writes
nothing; the same key with another body is a 422; concurrent repeats queue on
the write lock and the later ones find the answer.

Refusals (4xx) and failures are not kept: they wrote nothing, so a retry runs
again. Kept answers are forgotten after ``KEEP_DAYS``.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app, g, request
from flask_babel import gettext as _

from kiosk import times
from kiosk.db import transaction
from kiosk.models import IdempotentAnswer
from kiosk.stations.api import bp, error

HEADER = "Idempotency-Key"
KEEP_DAYS = 7
MAX_KEY_LENGTH = 200


def _keys() -> tuple[str, str]:
    """(where the answer is kept: token and key, what was asked: method, path and body)."""
    token = str(g.api_key.id)
    kept = hashlib.sha256(f"{token}\n{request.headers[HEADER]}".encode()).hexdigest()
    asked = hashlib.sha256(request.method.encode() + b" " + request.full_path.encode() + b"\n"
                           + request.get_data(cache=True)).hexdigest()
    return kept, asked


@bp.before_request
def _replay_or_open():
    """Runs after the token check. Opens the call's transaction; answers a repeat at once."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or "api_key" not in g:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        return error("invalid", 400, _("An Idempotency-Key is 1 to %(n)s characters.", n=MAX_KEY_LENGTH))
    kept, asked = _keys()
    context = transaction()
    context.__enter__()  # BEGIN IMMEDIATE: a concurrent repeat waits here for the first to commit
    g.idempotency = (context, kept, asked)
    found = IdempotentAnswer.get_or_none(IdempotentAnswer.key == kept)
    if found is None:
        return None
    if found.request_hash != asked:
        return error("idempotency_key_reused", 422,
                     _("This Idempotency-Key was already used for another request."))
    response = current_app.response_class(found.body, status=found.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    g.idempotency_replayed = True
    return response


@bp.after_request
def _keep_and_commit(response):
    """Keep a successful first answer in the call's own transaction, then commit it."""
    opened = g.pop("idempotency", None)
    if opened is None:
        return response
    context, kept, asked = opened
    if response.status_code >= 500:  # it failed: whatever it began is rolled back
        failure = RuntimeError(f"answered {response.status_code}")
        context.__exit__(RuntimeError, failure, None)
        return response
    try:
        if not g.get("idempotency_replayed") and 200 <= response.status_code < 300:
            now = times.utcnow()
            IdempotentAnswer.create(key=kept, request_hash=asked, status=response.status_code,
                                    body=response.get_data(as_text=True), created_at=now)
            IdempotentAnswer.delete().where(IdempotentAnswer.created_at < now - dt.timedelta(days=KEEP_DAYS)).execute()
    except BaseException as exc:
        context.__exit__(type(exc), exc, exc.__traceback__)
        raise
    context.__exit__(None, None, None)  # commit: the writes and their answer together
    return response


@bp.teardown_request
def _roll_back(exc):
    """A call that failed before its answer was made: nothing of it is kept."""
    opened = g.pop("idempotency", None)
    if opened is not None:
        context = opened[0]
        failure = exc or RuntimeError("the request ended without an answer")
        context.__exit__(type(failure), failure, failure.__traceback__)
