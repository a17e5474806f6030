"""What the customer signed, on paper: the estimate (报价单) of one signed version — or the
current draft before anyone signed — and the signed version the A4 work order carries.

A version after the first is printed as "amended", with the lines that changed against
the version before it.
"""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.services.documents import store_name, version_context
from kiosk.stations.reception import bp
from kiosk.stations.reception.printing import codes
from kiosk.stations.reception.workorder import with_order


@bp.get("/work-orders/<number>/estimate")
@requires("reception")
@with_order
def print_estimate(order):
    """The estimate (报价单) on A4: a signed version (``?version=N``, the last by default) or the draft."""
    shown = version_context(order, request.args.get("version"))
    if shown is None:
        return render_template("reception/workorder/missing.html", number=order.number,
                               message=_("This work order has no signed version %(v)s.",
                                         v=request.args.get("version"))), 404
    return render_template("print/estimate.html", store=store_name(), **codes(order.number),
                           order=order, v=shown)

