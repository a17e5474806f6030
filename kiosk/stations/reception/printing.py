"""Printing at reception: the A4 work order the customer signs, the key tag
hung on the car keys, and the tag as a file for a label printer.

Every print carries the work-order number as a Code 128 barcode and a QR code
(from ``hardware``), so the bay and parts kiosks can scan it back.
"""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import format_datetime
from flask_babel import gettext as _
from markupsafe import Markup

from hardware.labels import FORMATS, TagData, code_svg, render_tag
from kiosk.access import requires
from kiosk.stations.reception import bp
from kiosk.stations.reception.workorder import with_order

# What each tag file is sent as. ZPL is plain printer commands (UTF-8, ^CI28).
TAG_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "zpl": "text/plain; charset=utf-8",
}


def store_name() -> str:
    """The store's name as configured, or a plain title when none is set."""
    return current_app.config.get("STORE_NAME") or _("Service department")


def codes(number: str) -> dict:
    """The number as inline SVG: a Code 128 barcode and a QR code."""
    return {"barcode": Markup(code_svg(number, "code128")), "qrcode": Markup(code_svg(number, "qr"))}


def masked_name(name: str) -> str:
    """The surname only (李**): a key tag hangs in an open cabinet."""
    name = (name or "").strip()
    return name[:1] + "*" * min(len(name) - 1, 2) if len(name) > 1 else name


def tag_data(order) -> TagData:
    """What the key tag shows for ``order``: number, plate, model, people, promised time."""
    promised = (_("Promised %(time)s", time=format_datetime(order.promised_at, "yyyy-MM-dd HH:mm"))
                if order.promised_at else "")
    return TagData(number=order.number, plate=order.vehicle.plate, vehicle_model=order.vehicle.model,
                   customer_name=masked_name(order.customer.name), advisor=order.advisor.name if order.advisor else "",
                   promised_text=promised, store_name=current_app.config.get("STORE_NAME") or "",
                   title=_("Work order"))


@bp.get("/work-orders/<number>/print")
@requires("reception")
@with_order
def print_work_order(order):
    """The work order on A4, ready for the browser's print dialog: the signed version's lines,
    total and signature (kiosk.stations.reception.estimate_print)."""
    from kiosk.stations.reception.estimate_print import work_order_print_context

    return render_template("print/workorder.html", store=store_name(), **codes(order.number),
                           **work_order_print_context(order))


@bp.get("/work-orders/<number>/key-tag")
@requires("reception")
@with_order
def key_tag(order):
    """The 80 × 50 mm key tag, for a label printer driven by the browser."""
    return render_template("print/key_tag.html", tag=tag_data(order), formats=FORMATS,
                           **codes(order.number), order=order)


@bp.get("/work-orders/<number>/tag.<fmt>")
@requires("reception")
@with_order
def tag_file(order, fmt):
    """The key tag as a PNG, SVG, PDF or ZPL file to download."""
    if fmt not in TAG_TYPES:
        message = _("Key tags can be made as %(formats)s only.", formats=", ".join(TAG_TYPES).upper())
        return render_template("reception/workorder/missing.html", number=order.number, message=message), 404
    try:
        content = render_tag(tag_data(order), fmt)
    except ValueError:
        message = _("This number does not fit on a key tag.")
        return render_template("reception/workorder/missing.html", number=order.number, message=message), 422
    response = current_app.response_class(content, content_type=TAG_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{order.number}.{fmt}"'
    return response
