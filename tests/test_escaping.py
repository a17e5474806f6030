"""Messages are text, never markup (issue #19, items 1 and 2): a lazy message's
values — a scanned code, a name from the API or another kiosk — are escaped
wherever the message is shown, and every module takes its ``_l`` from
``kiosk.i18n``. The browser side is tests/browser/test_script_injection_browser.py."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from markupsafe import Markup, escape

from kiosk.i18n import LazyText, lazy_gettext

ATTACK = "<img src=x onerror=alert(1)>"
ROOT = Path(__file__).resolve().parent.parent


def test_a_lazy_message_is_escaped_with_its_values(app):
    with app.test_request_context():
        message = lazy_gettext("Code %(code)s is not a work order, job, badge, bin or part that this kiosk knows.",
                               code=ATTACK)
        assert not hasattr(message, "__html__")
        assert "&lt;img" in str(escape(message)) and "<img" not in str(escape(message))
        assert "<img" not in Markup("<p>%s</p>") % message
        assert "<img" not in app.jinja_env.from_string("{{ m }}").render(m=message)
        # Inside a template's own translated text too.
        assert "<img" not in app.jinja_env.from_string("{{ _('Hello, %(name)s', name=m) }}").render(m=message)
        assert str(message).startswith("Code <img")  # the text itself is unchanged (JSON, logs)


def test_every_module_takes_its_lazy_messages_from_kiosk_i18n():
    for package in ("kiosk", "sync", "hardware"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import lazy_gettext" not in text.replace("from kiosk.i18n import lazy_gettext", ""), path
            assert "flask_babel import lazy_" not in text, path
    # And what the modules hold under ``_l`` is that function.
    import kiosk

    for info in pkgutil.walk_packages(kiosk.__path__, "kiosk."):
        module = importlib.import_module(info.name)
        if hasattr(module, "_l"):
            assert module._l is lazy_gettext, info.name


def test_the_scan_bar_shows_an_unknown_code_as_text(client):
    answer = client.post("/bay/scan", data={"code": ATTACK}, headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html


def test_a_service_message_naming_a_part_is_escaped(client, api, make_staff, login):
    assert api("post", "/parts", json={"part_no": "XSS-1", "name": ATTACK, "price": 1}).status_code == 201
    login(make_staff("parts_clerk", badge="PRT-XSS"))
    html = client.post("/parts/scan", data={"code": "XSS-1"}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "XSS-1 &lt;img" in html and "<img" not in html
    assert isinstance(lazy_gettext("x"), LazyText)
