"""What every template can use: the page-or-fragment helper, formatting, the status bar."""
from __future__ import annotations

import json

from flask import Flask, current_app, make_response, render_template, request
from babel import dates
from flask_babel import format_decimal, get_locale

from kiosk.services import status as states
from kiosk.services.customers import mask_phone


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


def _format_local(value, fmt: str = "short") -> str:
    """Times are stored as the store's local wall time (naive), so they are shown
    as they are; flask_babel's format_datetime would take them for UTC and shift them."""
    if not value:
        return ""
    return dates.format_datetime(value, fmt, tzinfo=None, locale=get_locale())


def _sync_status() -> dict:
    from sync.changelog import outbox_size
    from sync.state import get, last_sync

    return {"online": get("online") == "1", "last_sync": last_sync(), "outbox": outbox_size(),
            "paired": bool(get("hub_url"))}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(status_label=states.label, mask_phone=mask_phone)
    app.jinja_env.filters["money"] = lambda v: format_decimal(v or 0, format="#,##0.00")
    app.jinja_env.filters["dt"] = _format_local
    app.jinja_env.filters["fromjson"] = lambda v: json.loads(v or "null")

    @app.context_processor
    def _common():
        from kiosk.access import current_staff
        from kiosk.web import LANGUAGES

        return {
            "me": current_staff(),
            "sync_status": _sync_status(),
            "node_role": current_app.config["ROLE"],
            "stations": current_app.config["ENABLED_STATIONS"],
            "languages": LANGUAGES,
            "locale": str(get_locale()),
            "idle_seconds": current_app.config["IDLE_TIMEOUT_SECONDS"],
        }
