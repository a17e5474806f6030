"""Login by badge scan plus PIN; logout; language choice."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from kiosk.access import log_in, log_out, safe_next
from kiosk.core import times
from kiosk.services import pin_lock
from kiosk.services import staff as staff_service
from kiosk.core.errors import ServiceError
from kiosk.stations.scan_helpers import answer_unknown, describe, reply, scan_from_request
from kiosk.language import LANGUAGES

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Step 1: scan or type the badge. Step 2: the PIN on a big keypad. Nobody is named before
    the PIN is right: a badge code alone must not tell a stranger whose it is."""
    badge = (request.values.get("badge") or "").strip()
    next_url = safe_next(request.values.get("next"))
    client = request.remote_addr or ""
    error = None
    person = None
    if request.method == "POST":
        try:
            if not badge:
                error = _("Scan your badge or type its code.")
            elif "pin" in request.form:
                person = staff_service.login(badge, request.form["pin"], client=client)
            else:
                person = staff_service.badge_step(badge, client)
        except ServiceError as exc:
            error = str(exc.message)
            person = person or (staff_service.find_by_badge(badge) if exc.field == "pin" else None)
        else:
            if "pin" in request.form:
                log_in(person)
                flash(_("Welcome, %(name)s.", name=person.name), "success")
                return redirect(next_url)
    status = 400 if error else 200
    return render_template("auth/login.html", badge=person.badge if person else "", person=person,
                           error=error, next=next_url), status


@bp.post("/login/scan")
def scan_badge():
    """A badge scanned on the login page: straight to the PIN step (the card swaps in place)."""
    client, now = request.remote_addr or "", times.utcnow()
    try:
        pin_lock.check_client(client, now)  # a screen that guessed too many badge codes waits first
    except ServiceError as exc:
        return reply(exc.message, False)
    done = scan_from_request("login")
    answer = answer_unknown(done)
    if answer is not None:
        if not done.repeat:
            pin_lock.unknown_badge(client, now)  # guessing badge codes slows the screen down
        return answer
    if done.kind != "badge":
        return reply(_("This is %(what)s, not a staff badge. Scan your badge.", what=describe(done.code)), False)
    # The page's own ?next= (htmx sends the page's address), so the login ends where it was asked for.
    asked = parse_qs(urlsplit(request.headers.get("HX-Current-URL", "")).query).get("next", [None])[0]
    person = done.code.ref
    card = render_template("auth/_login_card.html", badge=person.badge, person=person, error=None,
                           next=safe_next(asked))
    return reply(_("Badge %(badge)s. Enter your PIN.", badge=person.badge), True, card)


@bp.post("/logout")
def logout():
    log_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("home.index"))


@bp.post("/lang/<code>")
def set_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next") or request.referrer and request.referrer.split(request.host, 1)[-1]))
