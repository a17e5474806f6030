"""The project's lazy translations: Flask-Babel's, minus the claim to be safe HTML.

Flask-Babel's ``LazyString`` has an ``__html__`` method, so Jinja (and
MarkupSafe's ``escape``, ``Markup % value``) take a lazy message for markup
that is already safe and print it as it is — with whatever its ``%(x)s``
placeholders were filled with: a scanned code, a staff member's or a part's
name from the API or from another kiosk. A ``LazyText`` has no ``__html__``:
it is text, and every template escapes it like any other string.

Services and stations import ``lazy_gettext`` (``_l``) from here, never from
``flask_babel`` (``tests/test_escaping.py`` checks).
"""
from __future__ import annotations

from flask_babel import gettext
from flask_babel.speaklater import LazyString


class LazyText(LazyString):
    """A message translated when it is read, which templates escape like any text."""

    @property
    def __html__(self):
        # An AttributeError here makes ``hasattr(text, "__html__")`` false, which is
        # how Jinja and MarkupSafe tell markup from text.
        raise AttributeError("__html__")

    def __getattr__(self, attr):
        if attr == "__html__":
            raise AttributeError(attr)
        return super().__getattr__(attr)


def lazy_gettext(string: str, **variables) -> LazyText:
    """Like ``flask_babel.lazy_gettext``: translated when used; its values are escaped in pages."""
    return LazyText(gettext, string, **variables)
