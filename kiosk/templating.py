"""What every template can use: the page-or-fragment helper, formatting, the status bar."""
from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal

from flask import Flask, current_app, g, make_response, render_template, request
from babel import dates, numbers
from flask_babel import format_datetime, format_decimal, get_locale, get_translations
from jinja2 import pass_context

from kiosk import times
from kiosk.db import database
from kiosk.services import status as states
from kiosk.services.customers import mask_phone
from kiosk.version import app_version


def render(page: str, fragment: str | None = None, **context):
    """Render ``fragment`` for an htmx swap, ``page`` otherwise.

    A history restore (back button) asks for the whole page even though it
    comes from htmx, so the header alone does not decide. ``Vary`` keeps
    caches from mixing the two.
    """
    wants_fragment = (fragment is not None and request.headers.get("HX-Request") == "true"
                      and request.headers.get("HX-History-Restore-Request") != "true"
                      and not request.headers.get("HX-Boosted"))
    response = make_response(render_template(fragment if wants_fragment else page, **context))
    response.headers["Vary"] = "HX-Request"
    return response


def trigger(response, *events: str):
    """Tell the rest of the page what changed (``hx-trigger="name from:body"``)."""
    response.headers["HX-Trigger"] = json.dumps({e: True for e in events})
    return response


def scan_reply(message, ok: bool, html: str = "", *, events: tuple[str, ...] = (), status: int = 200):
    """The answer to a scan posted by the page-wide listener (static/scanner.js).

    ``html`` (already rendered) replaces the station's scan target; the message
    goes to the scan bar at the top of every page (an out-of-band swap), and
    ``feedback`` makes the success or failure tone and colour. A repeat within
    the cool-down and an unknown code are answered the same way, never with an
    error page.
    """
    bar = render_template("_scan_bar.html", scan_message=message, scan_ok=ok, oob=True)
    response = make_response(html + bar, status)
    payload = {"feedback": "ok" if ok else "bad", **{e: True for e in events}}
    response.headers["HX-Trigger"] = json.dumps(payload)
    if not html:  # only the scan bar changes: leave the station's screen as it is
        response.headers["HX-Reswap"] = "none"
    response.headers["Vary"] = "HX-Request"
    return response


# Amounts: the pattern parsed once (Babel would parse the text on every amount).
_MONEY = numbers.parse_pattern("#,##0.00")


# Locales whose amounts read exactly like Python's "," grouping and "." decimal
# point (tests/test_templating.py checks them against Babel).
_PLAIN_AMOUNTS = ("zh", "en")


def money(value) -> str:
    """An amount with two decimals and grouped thousands in the page's language.

    A page shows dozens; Babel's formatter looks the locale up for each, so the
    languages bayflow ships are formatted directly, with the same result.
    """
    locale = get_locale()
    if locale is not None and locale.language in _PLAIN_AMOUNTS:
        return f"{Decimal(str(value or 0)):,.2f}"
    return format_decimal(value or 0, format=_MONEY)


def quantity(value) -> str:
    """A quantity as people write it: 1, 1.5, 12 (no trailing zeros), grouped thousands."""
    return format_decimal(value or 0, format="#,##0.##")


def _format_local(value, fmt: str = "short") -> str:
    """A stored time (naive UTC, see kiosk.times) in the store's zone and the page's
    language. Flask-Babel converts naive datetimes from UTC to the store's zone
    (``BABEL_DEFAULT_TIMEZONE`` is ``STORE_TIMEZONE``): the one conversion, never a second."""
    if not value:
        return ""
    return format_datetime(value, fmt)


def _format_day(value, fmt: str = "medium") -> str:
    """A date (a store-local day: no zone to convert) in the page's language."""
    if not value:
        return ""
    return dates.format_date(value, fmt, locale=get_locale())


_STATUS_KEYS = ("online", "last_sync", "hub_url", "hub_public_key", "skew_ms", "state", "alert", "hub_newer",
                "hub_version", "refused_answer")
_status_sql: dict[type, tuple[str, list]] = {}


def _sync_status() -> dict:
    """What the status bar on every page shows: online, last sync, outbox, and warnings.

    The sync state's keys come back in one query, its SQL built once per kind
    of database (building a query costs more than SQLite answering it).
    """
    from sync.changelog import outbox_size
    from sync.state import SyncState

    db = database.obj
    sql = _status_sql.get(type(db))
    if sql is None:
        sql = _status_sql[type(db)] = (SyncState.select(SyncState.key, SyncState.value)
                                       .where(SyncState.key.in_(_STATUS_KEYS)).sql())
    kept = dict(db.execute_sql(*sql).fetchall())

    def get(key: str, default: str = "") -> str:
        return kept.get(key, default)

    return {"online": get("online") == "1", "last_sync": _stored_time(get("last_sync")), "outbox": outbox_size(),
            "paired": bool(get("hub_url") or get("hub_public_key")),
            "skew_minutes": abs(int(get("skew_ms", "0") or 0)) // 60000,
            "state": get("state", "ok"), "alert": get("alert"),
            "hub_newer": get("hub_newer") == "1", "hub_version": get("hub_version"),
            "refused": _refused(get("refused_answer"))}


def _refused(raw: str) -> dict | None:
    """Why the last answer at the hub's address was refused unread (sync.wire), or None."""
    try:
        found = json.loads(raw) if raw else None
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _stored_time(text: str):
    """A time kept as ISO text in the sync state (UTC), as a datetime; None when empty or unreadable."""
    return times.from_text(text)


class _WhenAsked(Mapping):
    """A mapping filled by ``load`` on first use: fragments that never show the
    status bar (live search, a work-order section) do not pay for its queries."""

    def __init__(self, load):
        self._load, self._values = load, None

    def _get(self) -> dict:
        if self._values is None:
            self._values = self._load()
        return self._values

    def __getitem__(self, key):
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _translations():
    """This request's translations, looked up once per request and locale.

    A page says ``_('…')`` a hundred times or more, and Flask-Babel finds its
    context, locale and catalogue again for each. The locale object is the key:
    ``force_locale`` and ``refresh`` make a new one, so they still take effect.
    """
    if not g:  # no app context: Flask-Babel answers with no translation
        return get_translations()
    locale = get_locale()
    cached = g.get("_template_translations")
    if cached is None or cached[0] is not locale:
        cached = g._template_translations = (locale, get_translations())
    return cached[1]


def _catalogue(context):
    """The translations a render started with (``_common`` puts them in its context);
    a macro imported without context looks them up."""
    return context.get("_catalogue") or _translations()


# Flask-Babel's template callables, reading the catalogue from the render's context.
_gettext = pass_context(lambda context, s: _catalogue(context).ugettext(s))
_ngettext = pass_context(lambda context, s, p, n: _catalogue(context).ungettext(s, p, n))
_pgettext = pass_context(lambda context, c, s: _catalogue(context).upgettext(c, s))
_npgettext = pass_context(lambda context, c, s, p, n: _catalogue(context).unpgettext(c, s, p, n))


def init_app(app: Flask) -> None:
    from kiosk.menu import station_label
    from kiosk.web import csp_nonce

    app.jinja_env.globals.update(status_label=states.label, mask_phone=mask_phone, station_label=station_label,
                                 csp_nonce=csp_nonce)
    app.jinja_env.filters["station_label"] = station_label
    # The callables Flask-Babel installs, with its per-call lookup done once per render.
    app.jinja_env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext,
                                            npgettext=_npgettext, newstyle=True)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["qty"] = quantity
    from kiosk.services import catalogue, stock

    app.jinja_env.filters["unit"] = catalogue.unit_label
    app.jinja_env.filters["stock_reason"] = stock.reason_label
    app.jinja_env.filters["dt"] = _format_local
    app.jinja_env.filters["day"] = _format_day
    app.jinja_env.filters["local"] = times.to_local  # for strftime in the store's zone
    app.jinja_env.filters["local_input"] = times.local_input  # a datetime-local field's value
    app.jinja_env.filters["iso"] = times.isoformat  # for scripts: ISO 8601 with the store's offset
    # A time kept as text (a setting's JSON, another node's report, a signed snapshot) as a stored
    # time for ``dt``: ``|when`` reads text without an offset as UTC, ``|when('local')`` as the
    # store's wall time (written before the time rule).
    app.jinja_env.filters["when"] = lambda text, naive="utc": times.from_text(text, naive=naive)
    app.jinja_env.filters["fromjson"] = lambda v: json.loads(v or "null")

    @app.context_processor
    def _common():
        from kiosk import menu
        from kiosk.access import current_staff, idle_seconds
        from kiosk.web import LANGUAGES

        me = current_staff()
        return {
            "me": me,
            "menu_tabs": menu.tabs(me),
            "menu_entries": menu.offered(me),
            "sync_status": _WhenAsked(_sync_status),
            "node_role": current_app.config["ROLE"],
            "stations": current_app.config["ENABLED_STATIONS"],
            "languages": LANGUAGES,
            "locale": str(get_locale()),
            "idle_seconds": idle_seconds(),
            "app_version": app_version(),
            "_catalogue": _translations(),
        }
