"""Shared template helpers."""
from __future__ import annotations

import datetime as dt

from flask import render_template_string


def test_local_times_are_shown_as_stored(app):
    with app.test_request_context():
        shown = render_template_string("{{ t|dt }}", t=dt.datetime(2026, 11, 27, 9, 30))
    assert "9:30" in shown and "17:30" not in shown


def test_page_or_fragment_follows_htmx_but_not_history_restore(client, advisor):
    page = client.get("/reception/")
    fragment = client.get("/reception/", headers={"HX-Request": "true"})
    restore = client.get("/reception/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in page.data.decode() and "<html" not in fragment.data.decode()
    assert "<html" in restore.data.decode()
    assert "HX-Request" in page.headers["Vary"]
