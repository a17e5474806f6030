"""Bin labels and part labels: print through the station's label printer
(kiosk.services.printing, when it is set up) or in the browser from a page
that shows the label exactly as the printer would get it (hardware.labels_kinds).
"""
from __future__ import annotations

import json

from flask import current_app, render_template
from flask_babel import gettext as _
from markupsafe import Markup

from hardware.labels_kinds import SIZES, BinLabelData, PartLabelData, render_label
from kiosk.access import requires
from kiosk.models import Part
from kiosk.services.codes import BIN_PREFIX
from kiosk.stations.parts import bp


def bin_data(bin_code: str) -> BinLabelData:
    """What a bin label shows: ``BIN:<bin>`` as a barcode, the bin big, the parts kept there."""
    bin_code = bin_code.strip().upper()
    names = [p.name for p in Part.select().where((Part.bin == bin_code) & (Part.deleted == False))  # noqa: E712
             .order_by(Part.part_no).limit(3)]
    return BinLabelData(bin_code=bin_code, description=" · ".join(names), title=_("Bin"))


def part_data(part: Part) -> PartLabelData:
    """What a part label shows: name, number, bin, and the part's first barcode (or its number)."""
    codes = [c.code for c in part.codes if not c.deleted] or json.loads(part.barcodes or "[]")
    return PartLabelData(part_no=part.part_no, name=part.name, barcode=codes[0] if codes else "",
                         bin_code=part.bin, bin_title=_("Bin"))


def _page(kind: str, ref: str, data, title: str):
    try:
        svg = Markup(render_label(data, "svg").decode())
    except ValueError:
        return render_template("parts/labels_page.html", problem=_("This code cannot be printed on a label."),
                               title=title), 422
    width, height = SIZES[kind]
    can_print = "printing.print_document" in current_app.view_functions
    return render_template("parts/labels_page.html", svg=svg, kind=kind, ref=ref, code=data.code, title=title,
                           width=width, height=height, can_print=can_print, problem=None)


@bp.get("/labels/bin/<path:bin_code>")
@requires("parts")
def label_bin(bin_code: str):
    """The bin label, ready for the browser's print dialog or the label printer."""
    bin_code = bin_code.strip().upper()
    if bin_code.startswith(BIN_PREFIX):
        bin_code = bin_code[len(BIN_PREFIX):]
    if not bin_code or len(bin_code) > 40:
        return render_template("parts/labels_page.html", problem=_("Enter a bin code."), title=_("Bin label")), 404
    return _page("bin", bin_code, bin_data(bin_code), _("Bin label %(bin)s", bin=bin_code))


@bp.get("/labels/part/<path:part_no>")
@requires("parts")
def label_part(part_no: str):
    """The part label, for packaging that came without a readable barcode."""
    part = Part.get_or_none((Part.part_no == part_no.strip().upper()) & (Part.deleted == False))  # noqa: E712
    if part is None:
        return render_template("parts/labels_page.html", problem=_("No part with this number."),
                               title=_("Part label")), 404
    return _page("part", part.part_no, part_data(part), _("Part label %(part_no)s", part_no=part.part_no))
