"""The foreman's clocking rules for the store (kiosk.services.clock_rules):
may technicians take jobs nobody was dispatched to, or jobs of others."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.services import clock_rules
from kiosk.stations.bay import bp


@bp.get("/rules")
@requires("dispatch")
def rules():
    return render_template("bay/rules.html", rules=clock_rules.all_rules(), labels=clock_rules.LABELS)


@bp.post("/rules")
@requires("dispatch")
def save_rules():
    """Each rule is a checkbox: ticked is allowed. Only the rules that changed are written."""
    current = clock_rules.all_rules()
    for key in clock_rules.DEFAULTS:
        wanted = request.form.get(key) == "1"
        if wanted != current[key]:
            clock_rules.set_rule(key, wanted)
    flash(_("Clocking rules saved for the whole store."), "success")
    return redirect(url_for("bay.rules"))
