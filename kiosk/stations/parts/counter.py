"""The counter's front page: mode tabs, the current mode's panel (the scan
target), and the parts requests the bays have open, kept live over SSE."""
from __future__ import annotations

from flask import render_template, url_for
from kiosk.i18n import lazy_gettext as _l

from kiosk.access import go_to, requires
from kiosk.services import stock
from kiosk.stations.parts import bp
from kiosk.stations.parts.scan import MODE_INFO, current_mode, modes_for_me, register_mode, set_mode
from kiosk.templating import render, scan_reply


def lookup_panel(part=None, problem=None, code: str = "") -> str:
    """The lookup mode's panel: the part last scanned with its stock per bin."""
    return render_template("parts/_lookup.html", part=part, problem=problem, code=code,
                           bins=stock.on_hand_by_bin(part) if part is not None else [],
                           on_hand=stock.on_hand(part) if part is not None else None)


@register_mode("lookup", _l("Look up"), panel=lookup_panel, order=10)
def lookup_scan(scan):
    """Show the scanned part and its stock; an unknown code offers to attach it to a part."""
    code = scan.code
    if code.kind == "part":
        return scan_reply(_l("%(part_no)s %(name)s", part_no=code.ref.part_no, name=code.ref.name), True,
                          lookup_panel(code.ref))
    if code.kind == "unknown" and code.text:
        return scan_reply(code.problem, False, lookup_panel(problem=code.problem, code=code.text))
    return scan_reply(_l("Scan a part's barcode to see its stock."), False, lookup_panel())


@bp.get("/")
@requires("parts")
def index():
    """The counter: tabs, the current mode's panel, open requests."""
    mode = current_mode()
    return render("parts/index.html", None, mode=mode, modes=modes_for_me(),
                  panel=MODE_INFO[mode].panel(), requests=stock.open_requests())


@bp.post("/mode/<name>")
@requires("parts")
def mode(name: str):
    """Switch the counter's mode (the tabs)."""
    set_mode(name)
    return go_to(url_for("parts.index"))


@bp.get("/requests")
@requires("parts")
def requests_list():
    """The open parts requests alone (refreshed by SSE partsrequest-changed)."""
    return render_template("parts/_requests.html", requests=stock.open_requests())
