"""The pages' languages and the person's choice of one (Flask-Babel's locale selector)."""
from __future__ import annotations

from flask import current_app, has_request_context, session

LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}


def select_locale() -> str:
    """The person's choice for this session; simplified Chinese otherwise (and outside requests)."""
    chosen = session.get("lang") if has_request_context() else None
    return chosen if chosen in LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]
