"""Shared template helpers."""
from __future__ import annotations

import datetime as dt

from flask import render_template_string


def test_stored_times_are_shown_once_converted_to_the_stores_zone(app):
    """Stored times are UTC (kiosk.core.times): 09:30 UTC is 17:30 in Shanghai, converted once."""
    stored = dt.datetime(2026, 11, 27, 9, 30)
    with app.test_request_context():
        shown = render_template_string("{{ t|dt('yyyy-MM-dd HH:mm') }}", t=stored)
        local = render_template_string("{{ (t|local).strftime('%H:%M') }} {{ t|local_input }}", t=stored)
    assert shown == "2026-11-27 17:30"
    assert local == "17:30 2026-11-27T17:30"
    app.config["STORE_TIMEZONE"] = "Europe/Berlin"  # the one setting: pages follow it
    with app.test_request_context():
        assert render_template_string("{{ t|dt('HH:mm') }}", t=stored) == "10:30"


def test_page_or_fragment_follows_htmx_but_not_history_restore(client, advisor):
    page = client.get("/reception/")
    fragment = client.get("/reception/", headers={"HX-Request": "true"})
    restore = client.get("/reception/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in page.data.decode() and "<html" not in fragment.data.decode()
    assert "<html" in restore.data.decode()
    assert "HX-Request" in page.headers["Vary"]


def test_amounts_read_as_babel_formats_them_in_every_shipped_language(app):
    from decimal import Decimal

    from babel import numbers
    from flask_babel import force_locale

    from kiosk.templating import _MONEY, _PLAIN_AMOUNTS
    from kiosk.language import LANGUAGES

    assert {code.split("_")[0] for code in LANGUAGES} <= set(_PLAIN_AMOUNTS)
    values = [Decimal("1234567.891"), Decimal("-12.5"), 0, None, 3, Decimal("12.345"), Decimal("12.355"),
              Decimal("-0.004"), Decimal("999.995")]
    with app.test_request_context():
        for code in LANGUAGES:
            with force_locale(code):
                shown = render_template_string("{% for v in values %}{{ v|money }}|{% endfor %}", values=values)
            babel = "".join(_MONEY.apply(v or 0, numbers.Locale.parse(code)) + "|" for v in values)
            assert shown == babel, code
