"""What every view and template uses: the page-or-fragment helper, answers to
htmx and to scans, error pages and stored files, formatting, the status bar."""
from __future__ import annotations

import json
import secrets
from decimal import Decimal
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, make_response, render_template, request, send_file
from babel import dates, numbers
from flask_babel import format_datetime, format_decimal, get_locale, get_translations
from jinja2 import pass_context

from kiosk import menu
from kiosk.access import current_staff, idle_seconds
from kiosk.core import status as states, times
from kiosk.core.errors import ServiceError
from kiosk.language import LANGUAGES
from kiosk.services import catalogue, direct_billing, files, stock
from kiosk.services.customers import mask_phone
from kiosk.page_chrome import WhenAsked, WhenListed, sync_status
from kiosk.template_cache import TemplateCache, csrf_token, kept_links, per_language
from kiosk.version import app_version


def wants_fragment(target: str | None = None) -> bool:
    """Whether this request wants a part of a page (an htmx swap), not the whole page:
    the one rule every view asks.

    A history restore (back button) and a boosted link ask for the whole page
    even though they come from htmx, so the header alone does not decide. With
    ``target``, only a swap of the element with that id counts (one endpoint may
    serve a part and the whole screen). Answers that follow this rule carry
    ``Vary: HX-Request`` (``render``, ``scan_reply``, ``go_to``).
    """
    headers = request.headers
    if (headers.get("HX-Request") != "true" or headers.get("HX-History-Restore-Request") == "true"
            or headers.get("HX-Boosted")):
        return False
    return target is None or headers.get("HX-Target") == target


def render(page: str, fragment: str | None = None, **context):
    """Render ``fragment`` for an htmx swap, ``page`` otherwise (``wants_fragment``).

    ``Vary`` keeps caches from mixing the two.
    """
    response = make_response(render_template(fragment if fragment and wants_fragment() else page, **context))
    response.headers["Vary"] = "HX-Request"
    return response


def trigger(response, *events: str, feedback: bool | None = None):
    """Tell the rest of the page what changed (``hx-trigger="name from:body"``), and
    with ``feedback`` the success or failure tone (static/kiosk.js).

    Every event a view sends goes through here (or ``scan_reply``'s ``events``), and
    each has a listener in a template or script (tests/pages/test_events.py checks).
    """
    payload: dict = {e: True for e in events}
    if feedback is not None:
        payload["feedback"] = "ok" if feedback else "bad"  # htmx hands it to kiosk.js as detail.value
    if payload:
        response.headers["HX-Trigger"] = json.dumps(payload)
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
    response = trigger(make_response(html + bar, status), *events, feedback=ok)
    if not html:  # only the scan bar changes: leave the station's screen as it is
        response.headers["HX-Reswap"] = "none"
    response.headers["Vary"] = "HX-Request"
    return response


def csp_nonce() -> str:
    """This response's nonce for the few ``<style>`` elements made per request (label sizes)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def security_headers(response):
    """What every answer tells the browser (issue #19, item 15).

    The pages load nothing from elsewhere and run no inline script, so the
    policy allows only this node's own files (and the nonce'd ``<style>`` of a
    label page), no eval, no plugins; no other site may frame a page
    (clickjacking a kiosk's buttons); content types are taken as sent.
    """
    headers = response.headers
    style = f"style-src 'self' 'nonce-{g.csp_nonce}'" if has_request_context() and "csp_nonce" in g \
        else "style-src 'self'"
    headers.setdefault("Content-Security-Policy", "; ".join((
        "default-src 'self'", "script-src 'self'", style, "img-src 'self' data: blob:", "connect-src 'self'",
        "font-src 'self'", "media-src 'self' blob:", "object-src 'none'", "base-uri 'none'",
        "form-action 'self'", "frame-ancestors 'none'")))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def error_page(status: int, kind: str):
    """The page for a missing page (``not_found``) or a form sent without its token (``csrf``)."""
    return render_template("error.html", status=status, kind=kind)


def send_stored_file(digest: str, mimetype: str):
    """A photo or signature kept by its content hash (kiosk.services.files), or a 404 page.

    Content-addressed: the bytes behind a name never change, so caches may keep them.
    Callers decide who may see it.
    """
    try:
        path = files.path_of(current_app.config["BLOB_FOLDER"], digest)
    except ServiceError:
        path = None
    if path is None or not path.exists():
        return error_page(404, "not_found"), 404
    return send_file(path, mimetype=mimetype, max_age=365 * 24 * 3600)


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
    """A stored time (naive UTC, see kiosk.core.times) in the store's zone and the page's
    language. Flask-Babel converts naive datetimes from UTC to the store's zone
    (its time zone is ``STORE_TIMEZONE``, kiosk.app): the one conversion, never a second."""
    if not value:
        return ""
    return format_datetime(value, fmt)


def _format_day(value, fmt: str = "medium") -> str:
    """A date (a store-local day: no zone to convert) in the page's language."""
    if not value:
        return ""
    return dates.format_date(value, fmt, locale=get_locale())


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
    # Loaded templates in a plain dict, not Jinja's 400-entry LRU: every include and macro
    # import looks its template up (35 times on the work-order page), and the LRU's bookkeeping
    # scans a list each time; bayflow's templates are a fixed set of about 120.
    app.jinja_env.cache = {}
    try:
        app.jinja_env.bytecode_cache = TemplateCache(Path(app.instance_path) / "cache" / "templates")
    except OSError:
        pass  # no instance folder to write to: every start compiles, as before
    app.jinja_env.globals.update(url_for=kept_links(app), status_label=states.label, mask_phone=mask_phone,
                                 station_label=menu.station_label, csp_nonce=csp_nonce, csrf_token=csrf_token)
    app.jinja_env.filters["station_label"] = menu.station_label
    # The callables Flask-Babel installs, with its per-call lookup done once per render.
    app.jinja_env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext,
                                            npgettext=_npgettext, newstyle=True)
    per_language(app)  # after the gettext callables: texts with values still use them
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["qty"] = quantity
    app.jinja_env.filters["line_text"] = direct_billing.line_text  # a bill line's text, translated
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
        me = current_staff()
        return {
            "me": me,
            "menu_tabs": WhenListed(lambda: menu.tabs(me)),
            "menu_entries": WhenListed(lambda: menu.offered(me)),
            "sync_status": WhenAsked(sync_status),
            "node_role": current_app.config["ROLE"],
            "stations": current_app.config["ENABLED_STATIONS"],
            "languages": LANGUAGES,
            "locale": str(get_locale()),
            "idle_seconds": idle_seconds(),
            "app_version": app_version(),
            "_catalogue": _translations(),
        }
