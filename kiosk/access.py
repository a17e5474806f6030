"""Who is at the kiosk: sessions kept on the server, idle logout, and role checks.

A browser's cookie holds only a random session id; the ``StaffSession`` row it
names says whose session it is, of which kind, and whether it still counts. So
logging out, badging out and idle time end a session for good — a copy of the
cookie opens nothing afterwards — and every login starts a new one.

Two kinds: ``login`` (badge and PIN, the desk stations) and ``badge`` (the bay
kiosk, where a technician's badge alone opens their jobs). A badge session
carries ``pin`` once the person typed their PIN at the bay (a foreman, a QC
inspector, a manager: everything but a technician's own work asks for it).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from urllib.parse import urlsplit

from flask import (Flask, current_app, flash, g, has_request_context, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from kiosk.core import times
from kiosk.models import Staff, StaffSession
from kiosk.services import station_settings
from kiosk.roles import allowed
from kiosk.core.prepared import Prepared

LOGIN, BADGE = "login", "badge"
_COOKIE_KEYS = {LOGIN: "sid", BADGE: "bay_sid"}
SEEN_EVERY_SECONDS = 5  # the last-seen time is written at most this often per session
POLL_HEADER = "X-Bayflow-Poll"  # a page refreshing itself on a timer: not a person touching the screen
# What a badge alone allows at a badge-only station: a technician's own work.
BADGE_ONLY_PERMISSIONS = {"bay"}

# Every page and form asks who is logged in: the queries' SQL is built once.
_ACTIVE_STAFF = Prepared(lambda slot: Staff.select().where(
    (Staff.id == slot(Staff.id)) & (Staff.active == True)))  # noqa: E712
_OPEN_SESSION = Prepared(lambda slot: StaffSession.select().where(
    (StaffSession.key == slot(StaffSession.key)) & StaffSession.ended_at.is_null()))


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def idle_limit(kind: str) -> int:
    """Seconds without use after which a session of ``kind`` ends: the idle time of the station
    whose page is asked for (a badge session: the bay's on its screens, the workshop's at the QC
    gate or dispatch, where a road test takes longer than a job card; the bay's outside a page)."""
    if kind == BADGE and not has_request_context():
        return idle_seconds("bay")
    return idle_seconds(None)


def _staff_by_id(staff_id: str) -> Staff | None:
    try:
        return _ACTIVE_STAFF.first(staff_id)
    except ValueError:  # not a staff id at all
        return None


def _open_row(kind: str) -> StaffSession | None:
    """This browser's session row of ``kind`` while it counts; ends it when it ran idle."""
    cache = g.setdefault("_staff_sessions", {})
    if kind in cache:
        return cache[kind]
    row = None
    sid = session.get(_COOKIE_KEYS[kind])
    if isinstance(sid, str) and sid:
        row = _OPEN_SESSION.first(_key(sid))
        if row is not None and row.kind != kind:
            row = None
        now = times.utcnow()
        if row is not None and (now - row.seen_at).total_seconds() > idle_limit(kind):
            _end_row(row, now)
            g.session_ran_idle = True
            row = None
        elif row is not None and (now - row.seen_at).total_seconds() > SEEN_EVERY_SECONDS \
                and not request.headers.get(POLL_HEADER) and request.endpoint != "stream.events":
            StaffSession.update(seen_at=now).where(StaffSession.key == row.key).execute()
        if row is None:
            session.pop(_COOKIE_KEYS[kind], None)
    cache[kind] = row
    return row


def _end_row(row: StaffSession, now: dt.datetime | None = None) -> None:
    StaffSession.update(ended_at=now or times.utcnow()).where(
        (StaffSession.key == row.key) & StaffSession.ended_at.is_null()).execute()


def session_person(kind: str) -> tuple[Staff | None, bool]:
    """(who holds this browser's session of ``kind``, whether they typed their PIN), or (None, False)."""
    row = _open_row(kind)
    if row is None:
        return None, False
    person = _staff_by_id(row.staff_id)
    if person is None:  # deactivated meanwhile: the session ends with the person
        _end_row(row)
        session.pop(_COOKIE_KEYS[kind], None)
        g._staff_sessions[kind] = None
        return None, False
    return person, bool(row.pin)


def current_staff() -> Staff | None:
    """Who is logged in at this browser with badge and PIN, or None."""
    if "staff" not in g:
        g.staff = session_person(LOGIN)[0]
    return g.staff


def open_session(staff: Staff, kind: str, *, pin: bool) -> None:
    """Start a new session of ``kind`` for ``staff`` at this browser (ending the one it had)."""
    end_session(kind)
    sid = secrets.token_urlsafe(32)
    now = times.utcnow()
    StaffSession.create(key=_key(sid), staff_id=staff.id.hex, kind=kind, pin=pin, created_at=now, seen_at=now)
    session[_COOKIE_KEYS[kind]] = sid
    g.setdefault("_staff_sessions", {})[kind] = None  # looked up again when asked
    if kind == LOGIN:
        g.staff = staff
    # Rows of sessions long over are not kept for ever.
    StaffSession.delete().where(StaffSession.seen_at < now - dt.timedelta(days=7)).execute()


def end_session(kind: str) -> None:
    """End this browser's session of ``kind`` on the server; its cookie opens nothing after."""
    sid = session.pop(_COOKIE_KEYS[kind], None)
    if isinstance(sid, str) and sid:
        StaffSession.update(ended_at=times.utcnow()).where(
            (StaffSession.key == _key(sid)) & StaffSession.ended_at.is_null()).execute()
    g.setdefault("_staff_sessions", {})[kind] = None
    if kind == LOGIN:
        g.staff = None


def log_in(staff: Staff) -> None:
    """Badge and PIN were right: a fresh session (a new id, a new CSRF token), nothing of the last person's."""
    lang = session.get("lang")
    for kind in _COOKIE_KEYS:
        end_session(kind)
    session.clear()
    if lang:
        session["lang"] = lang
    open_session(staff, LOGIN, pin=True)
    # The new CSRF token now, in the cookie the login answers with: otherwise the first page
    # made it and sent the cookie again (and a client that keeps the login's cookie, such as
    # the load benchmark, made one and re-signed the session on every page).
    g.pop("csrf_token", None)
    generate_csrf()


def log_out() -> None:
    """End every session of this browser on the server and forget its cookie's contents."""
    lang = session.get("lang")
    for kind in _COOKIE_KEYS:
        end_session(kind)
    session.clear()
    if lang:
        session["lang"] = lang


def may(permission: str) -> bool:
    staff = current_staff()
    return staff is not None and allowed(staff.role_list, permission)


def badge_may(permission: str) -> Staff | None:
    """The person badged in at this bay screen, if their badge session may do ``permission``:
    a technician's own work on the badge alone, anything else only after their PIN."""
    person, pin = session_person(BADGE)
    if person is None or not allowed(person.role_list, permission):
        return None
    return person if pin or permission in BADGE_ONLY_PERMISSIONS else None


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this node, else the home page.

    A scanned, typed or linked "next" must not send the kiosk elsewhere. Browsers
    drop tabs and line breaks inside an address and read a backslash as a slash, so
    ``/%09/evil.example`` (a tab) or ``/%5Cevil.example`` would become
    ``//evil.example``, another host: anything holding a control character or a
    backslash is refused outright.
    """
    home = url_for("home.index")
    if not target or any(ord(c) < 0x20 or c in "\\\x7f" for c in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return home
    return target


def go_to(url: str):
    """A redirect that also works when htmx made the request."""
    if request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true":
        response = current_app.make_response("")
        response.headers["HX-Redirect"] = url
    else:
        response = redirect(url)
    response.headers["Vary"] = "HX-Request"
    return response


def requires(permission: str):
    """Only staff whose role grants ``permission`` may use the view."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                return go_to(url_for("auth.login", next=request.full_path))
            if not allowed(staff.role_list, permission):
                return render_template("forbidden.html", permission=permission), 403
            return view(*args, **kwargs)

        return wrapped

    return decorator


# The pages of each station, by blueprint: the workshop's pages (dispatch, QC, the
# board) stand beside the bay; everything else (home, settings …) is "other".
_STATION_OF_BLUEPRINT = {"reception": "reception", "bay": "bay", "workshop": "workshop", "parts": "parts",
                         "cashier": "cashier", "care": "care", "claims": "care",
                         "hub": "hub"}


def idle_seconds(station: str | None = None) -> int:
    """How long a session lasts untouched at ``station`` (the page's own, by default).

    One setting, kept by ``kiosk.services.station_settings`` (the station settings
    page edits it): a bay short, reception and the cashier long, so a customer
    conversation does not end in a logout.
    """
    if station is None:
        station = _STATION_OF_BLUEPRINT.get(request.blueprint or "", "other") if request else "other"
    return station_settings.idle_seconds(station)


def init_app(app: Flask) -> None:
    @app.before_request
    def _idle_logout():
        if _COOKIE_KEYS[LOGIN] not in session or request.endpoint in (None, "static") \
                or request.path.startswith("/api/") or request.endpoint == "stream.events":
            return None
        if current_staff() is None and g.get("session_ran_idle"):
            log_out()
            flash(_("You were logged out after a while without use."), "info")
            return go_to(url_for("home.index"))
        return None
