"""The counter's one scan endpoint, dispatching by the counter's current mode.

The mode (lookup, issue, return, and receive/count from their own modules)
is kept in the session. A module adds a mode with::

    from kiosk.stations.parts.scan import register_mode

    def receive_panel() -> str:          # the HTML of #parts-main in this mode
        return render_template("parts/_receive.html", ...)

    @register_mode("receive", _l("Receive"), panel=receive_panel, permission="parts", order=40)
    def receive_scan(scan: Scan):        # kiosk.services.scanning.Scan, never a repeat
        ...
        return scan_reply(message, ok, html=receive_panel())

``MODES`` maps a name to its handler; ``MODE_INFO`` keeps the label, panel,
permission and tab order. A repeat within the cool-down never reaches a handler.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import request, session
from kiosk.i18n import lazy_gettext as _l

from kiosk.access import may, requires
from kiosk.services import scanning
from kiosk.stations.parts import bp
from kiosk.templating import scan_reply

SESSION_KEY = "parts_mode"
DEFAULT_MODE = "lookup"


@dataclass(frozen=True)
class Mode:
    name: str
    label: object
    handler: Callable
    panel: Callable[[], str]
    permission: str = "parts"
    order: int = 50


MODES: dict[str, Callable] = {}
MODE_INFO: dict[str, Mode] = {}


def register_mode(name: str, label, *, panel: Callable[[], str], permission: str = "parts", order: int = 50):
    """Register ``handler(scan) -> response`` as the counter's scan handler in mode ``name``."""

    def decorator(handler):
        MODES[name] = handler
        MODE_INFO[name] = Mode(name, label, handler, panel, permission, order)
        return handler

    return decorator


def modes_for_me() -> list[Mode]:
    """The modes the person logged in may use, in tab order."""
    return sorted((m for m in MODE_INFO.values() if may(m.permission)), key=lambda m: (m.order, m.name))


def current_mode() -> str:
    """The counter's mode from the session; lookup when unset, unknown or not allowed."""
    name = session.get(SESSION_KEY, DEFAULT_MODE)
    if name not in MODE_INFO or not may(MODE_INFO[name].permission):
        return DEFAULT_MODE
    return name


def set_mode(name: str) -> bool:
    """Switch the counter to ``name``; False when there is no such mode or it is not allowed."""
    if name not in MODE_INFO or not may(MODE_INFO[name].permission):
        return False
    session[SESSION_KEY] = name
    return True


def terminal() -> str:
    """Something naming this kiosk screen, for the scan cool-down."""
    try:
        from kiosk.stations.scan_helpers import terminal_id
    except ImportError:
        return f"{request.remote_addr}{session.get('terminal', '')}"
    return terminal_id()


@bp.post("/scan")
@requires("parts")
def scan():
    """Every scan at the counter (wedge, camera, typed) comes here."""
    source = request.form.get("source", "wedge")
    source = source if source in scanning.SOURCES else "wedge"
    result = scanning.scan("parts", request.form.get("code", ""), terminal=terminal(), source=source)
    if result.repeat:
        return scan_reply(_l("Already scanned: %(code)s. Nothing was added.", code=result.code.text), False)
    return MODES[current_mode()](result)
