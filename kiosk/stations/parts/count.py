"""Count mode: scan a bin label, then every part in the bin; submit for the manager.

Unlike a delivery, a count is written as it goes (``CountScan`` facts,
kiosk.services.counting): a long count survives a logout or a second kiosk.
The session only remembers which count this screen is on.
"""
from __future__ import annotations

import uuid

from flask import render_template, session
from flask import request as http_request
from kiosk.i18n import lazy_gettext as _l

from kiosk.access import current_staff, requires
from kiosk.models import Part
from kiosk.services import counting
from kiosk.services.errors import ServiceError
from kiosk.stations.parts import bp
from kiosk.stations.parts.scan import register_mode
from kiosk.templating import scan_reply

KEY = "parts_count"


def _current():
    """The open count this screen is on, or None."""
    count_id = session.get(KEY, {}).get("count", "")
    if not count_id:
        return None
    try:
        count = counting.get_count(count_id)
    except ServiceError:
        return None
    return count if count.status == "open" else None


def _remember(count=None, *, submitted: str = "", part: str = "") -> None:
    session[KEY] = {"count": count.id.hex if count else "", "submitted": submitted, "part": part}


def panel() -> str:
    """The count panel: the bin being counted and its running count, or what to scan."""
    count, state = _current(), session.get(KEY, {})
    submitted = None
    if count is None and state.get("submitted"):
        try:
            submitted = counting.get_count(state["submitted"])
        except ServiceError:
            submitted = None
    counted = list(counting.counted(count).items()) if count else []
    current = next((i for i, (p, _q) in enumerate(counted) if p.id.hex == state.get("part")), len(counted) - 1)
    return render_template("parts/count_panel.html", count=count, counted=counted, current=current,
                           submitted=submitted, moves=counting.moves_during(submitted) if submitted else 0,
                           waiting=len(counting.awaiting_approval()))


@register_mode("count", _l("Count"), panel=panel, order=50)
def count_scan(scan):
    """One scan in count mode: a bin label starts (or resumes) its count; parts add one each."""
    code = scan.code
    try:
        if code.kind == "bin":
            count = counting.start(code.ref, staff=current_staff())
            _remember(count)
            message = _l("Counting bin %(bin)s: scan every part in it.", bin=count.bin)
        elif code.kind == "part":
            count = _current()
            if count is None:
                raise ServiceError(_l("Scan the bin label first."))
            counting.add(count, code.ref, staff=current_staff())
            _remember(count, part=code.ref.id.hex)
            message = _l("%(part_no)s %(name)s: %(count)s counted.", part_no=code.ref.part_no, name=code.ref.name,
                         count=counting.counted(count).get(code.ref, 0))
        elif code.kind == "unknown":
            return scan_reply(code.problem, False, panel() + render_template(
                "parts/_attach_offer.html", code=code.text))
        else:
            raise ServiceError(_l("In count mode, scan a bin label, then the parts in the bin."))
    except ServiceError as error:
        return scan_reply(error.message, False, panel())
    return scan_reply(message, True, panel())


def _part(part_id: str) -> Part:
    try:
        part = Part.get_or_none(Part.id == uuid.UUID(part_id))
    except ValueError:
        part = None
    if part is None:
        raise ServiceError(_l("This line is no longer in the count."))
    return part


@bp.post("/count/line/<part_id>/<action>")
@requires("parts")
def count_line(part_id: str, action: str):
    """Undo one scan of a part, set its count from the keypad, or pick it for the keypad."""
    try:
        count = _current()
        if count is None:
            raise ServiceError(_l("Scan the bin label first."))
        part = _part(part_id)
        if action == "undo":
            done = counting.undo(count, part, staff=current_staff())
            message = _l("One scan undone.") if done else _l("Nothing to undo.")
        elif action == "qty":
            counting.set_quantity(count, part, http_request.form.get("qty", ""), staff=current_staff())
            message = _l("Quantity set to %(qty)s.", qty=counting.counted(count).get(part, 0))
        elif action != "pick":
            raise ServiceError(_l("This line is no longer in the count."))
        else:
            message = _l("Type the quantity on the keypad.")
        _remember(count, part=part.id.hex)
    except ServiceError as error:
        return scan_reply(error.message, False, panel())
    return scan_reply(message, True, panel())


@bp.post("/count/submit")
@requires("parts")
def count_submit():
    """The bin is counted: the differences go to the parts manager."""
    try:
        count = _current()
        if count is None:
            raise ServiceError(_l("Scan the bin label first."))
        counting.submit(count, staff=current_staff())
    except ServiceError as error:
        return scan_reply(error.message, False, panel())
    _remember(submitted=count.id.hex)
    return scan_reply(_l("Count of bin %(bin)s submitted for approval.", bin=count.bin), True, panel(),
                      events=("stockcount-changed",))


@bp.post("/count/leave")
@requires("parts")
def count_leave():
    """Stop counting here; the count stays open and resumes when its bin is scanned again."""
    _remember()
    return scan_reply(_l("The count stays open: scan its bin label to carry on."), True, panel())
