"""What every station's scan endpoint shares: which screen scanned (``terminal_id``),
the scan itself from the posted form (``scan_from_request``), a reply that leaves
the page as it is when there is only a message (``reply``), and the answers for a
repeat, an unknown code and a code this station does not use.

A station's endpoint then reads::

    @bp.post("/scan")
    def scan():
        done = scan_from_request("bay")
        answer = answer_unknown(done)
        if answer is not None:
            return answer
        if done.kind == "job_line":
            ...
        return not_used_here(done)
"""
from __future__ import annotations

import secrets

from flask import request, session
from flask_babel import gettext as _

from kiosk.services import scanning
from kiosk.services.codes import Code
from kiosk.templating import scan_reply


def terminal_id() -> str:
    """This browser's id, kept in its session: the scan cool-down is per screen."""
    terminal = session.get("terminal")
    if not terminal:
        terminal = session["terminal"] = secrets.token_hex(8)
    return f"{request.remote_addr or ''}:{terminal}"


def scan_from_request(station: str):
    """The scan the page posted (form fields ``code`` and ``source``), through the one scan service."""
    source = request.form.get("source", "typed")
    if source not in scanning.SOURCES:
        source = "typed"
    return scanning.scan(station, request.form.get("code", ""), terminal=terminal_id(), source=source)


def reply(message, ok: bool, html: str = "", *, events: tuple[str, ...] = (), status: int = 200):
    """``scan_reply``, except that a reply with no html keeps the page as it is
    (``HX-Reswap: none``; the scan bar still shows the message)."""
    response = scan_reply(message, ok, html, events=events, status=status)
    if not html:
        response.headers["HX-Reswap"] = "none"
    return response


def describe(code: Code) -> str:
    """A code in words, for "this is X" messages: kind, text and the name it carries."""
    ref = code.ref
    if code.kind == "work_order":
        return _("work order %(number)s", number=code.text)
    if code.kind == "job_line":
        return _("job %(tag)s", tag=code.text)
    if code.kind == "badge":
        return _("the staff badge of %(name)s (%(badge)s)", name=ref.name, badge=code.text)
    if code.kind == "bin":
        return _("bin label %(bin)s", bin=ref)
    if code.kind == "part":
        return _("part %(part_no)s %(name)s", part_no=ref.part_no, name=ref.name)
    return code.text


def answer_unknown(scan):
    """The reply to a repeat ("Already scanned: X (ignored)") or an unknown code (its
    problem), or None when the station should act on the code."""
    if scan.repeat:
        return reply(_("Already scanned: %(code)s (ignored)", code=scan.code.text), False)
    if not scan.code.known:
        return reply(scan.code.problem, False)
    return None


def not_used_here(scan):
    """The reply for a code this station has no use for: what it is, and that it is not used here."""
    return reply(_("This is %(what)s. It is not used here.", what=describe(scan.code)), False)
