"""The foreman's clocking rules for the store (kiosk.services.clock_rules):
may technicians take jobs nobody was dispatched to, or jobs of others."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.services import clock_rules, dispatch
from kiosk.core.errors import ServiceError
from kiosk.stations.bay import bp


def _page(error: str | None = None, shift_end: str | None = None, status: int = 200):
    shown = shift_end if shift_end is not None else dispatch.shift_end_time().strftime("%H:%M")
    return render_template("bay/rules.html", rules=clock_rules.all_rules(), labels=clock_rules.LABELS,
                           shift_end=shown, error=error), status


@bp.get("/rules")
@requires("dispatch")
def rules():
    return _page()


@bp.post("/rules")
@requires("dispatch")
def save_rules():
    """Each rule is a checkbox: ticked is allowed; the shift end is "HH:MM".
    Nothing is written unless every field is valid, and only what changed."""
    typed = request.form.get("shift_end")  # absent: left as it is
    try:
        if typed is not None and typed.strip() != dispatch.shift_end_time().strftime("%H:%M"):
            clock_rules.set_shift_end(typed)
    except ServiceError as error:
        return _page(error=str(error.message), shift_end=typed, status=422)
    current = clock_rules.all_rules()
    for key in clock_rules.DEFAULTS:
        wanted = request.form.get(key) == "1"
        if wanted != current[key]:
            clock_rules.set_rule(key, wanted)
    flash(_("Clocking rules saved for the whole store."), "success")
    return redirect(url_for("bay.rules"))
