"""The settlement list (维修结算清单) on A4 for the browser's print dialog; the receipt
printer and a CUPS A4 printer print the same content through the print buttons
(kiosk.services.cashier_documents)."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from hardware.labels import code_svg

from kiosk.access import requires
from kiosk.services import cashier_documents
from kiosk.stations.cashier import bp
from kiosk.stations.cashier.order import with_order


@bp.get("/orders/<number>/settlement-list")
@requires("cashier")
@with_order
def settlement_list(order):
    """The list as settled (the live bill, marked as not settled, before)."""
    return render_template("cashier/settlement_list.html", **cashier_documents.settlement_context(order),
                           barcode=Markup(code_svg(order.number, "code128")))
