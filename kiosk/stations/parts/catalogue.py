"""Catalogue pages: find a part, view it with its stock and moves, add or edit
it, attach a scanned barcode to it; and the stock exceptions for the manager."""
from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, go_to, may, requires
from kiosk.models import StockMove
from kiosk.services import parts, stock, stock_checks
from kiosk.core.errors import ServiceError
from kiosk.stations.parts import bp
from kiosk.templating import render

FORM_FIELDS = ("name", "name_en", "manufacturer_no", "supplier_no", "unit", "price", "cost", "bin",
               "reorder_point", "superseded_by")


@bp.get("/catalogue")
@requires("parts")
def catalogue():
    """Find parts by number, name or barcode (live as you type)."""
    q = request.args.get("q", "")
    found = parts.search(q)
    return render("parts/catalogue.html", "parts/_catalogue_results.html", q=q, found=found,
                  on_hand={p.id: stock.on_hand(p) for p in found})


def _part_page(part, error=None, values=None, status=200):
    moves = list(StockMove.select().where(StockMove.part == part).order_by(StockMove.at.desc()).limit(30))
    return render_template("parts/part.html", part=part, codes=parts.barcodes(part), moves=moves,
                           bins=stock.on_hand_by_bin(part), on_hand=stock.on_hand(part), error=error,
                           values=values or {}, symbologies=parts.SYMBOLOGIES,
                           can_manage=may("parts_manage")), status


def _part_or_404(part_no: str):
    """The part, or the request ends with the "no such part" page (404)."""
    try:
        return parts.get(part_no)
    except ServiceError as error:
        abort(make_response(render_template("parts/part_missing.html", message=error.message), 404))


@bp.get("/part/<part_no>")
@requires("parts")
def part_page(part_no: str):
    """One part: details, barcodes, stock per bin, recent moves."""
    return _part_page(_part_or_404(part_no))


@bp.post("/part/<part_no>")
@requires("parts_manage")
def edit_part(part_no: str):
    """Change a part's details (parts manager)."""
    part = _part_or_404(part_no)
    values = {k: request.form[k] for k in FORM_FIELDS if k in request.form}
    try:
        parts.update_part(part, **values)
    except ServiceError as error:
        return _part_page(part, error, values, 400)
    flash(_("Saved."), "ok")
    return go_to(url_for("parts.part_page", part_no=part.part_no))


@bp.route("/new", methods=["GET", "POST"])
@requires("parts_manage")
def new_part():
    """Add a part to the catalogue, optionally with the barcode that was just scanned."""
    values = dict(request.values)
    if request.method == "GET":
        return render_template("parts/new.html", values=values, error=None, symbologies=parts.SYMBOLOGIES)
    code = values.get("code", "").strip()
    try:
        part = parts.create_part(values.get("part_no", ""), values.get("name", ""),
                                 barcodes_=[{"code": code, "symbology": values.get("symbology", "")}] if code else [],
                                 **{k: values[k] for k in FORM_FIELDS if k in values and k != "name"})
    except ServiceError as error:
        return render_template("parts/new.html", values=values, error=error,
                               symbologies=parts.SYMBOLOGIES), 400
    flash(_("Part %(part_no)s added.", part_no=part.part_no), "ok")
    return go_to(url_for("parts.part_page", part_no=part.part_no))


@bp.route("/attach", methods=["GET", "POST"])
@requires("parts")
def attach():
    """An unknown barcode: pick the part it belongs to (search), then attach it."""
    code = request.values.get("code", "")
    q = request.values.get("q", "")
    error = None
    if request.method == "POST":
        try:
            part = parts.get(request.form.get("part_no", ""))
            parts.attach_barcode(part, code, request.form.get("symbology", ""))
        except ServiceError as err:
            error = err
        else:
            flash(_("Barcode %(code)s now belongs to %(part_no)s.", code=code, part_no=part.part_no), "ok")
            return go_to(url_for("parts.part_page", part_no=part.part_no))
    return render_template("parts/attach.html", code=code, q=q, found=parts.search(q) if q else [], error=error,
                           guess=parts.guess_symbology(code) if code else "", symbologies=parts.SYMBOLOGIES,
                           can_add=may("parts_manage")), 400 if error else 200


@bp.get("/exceptions")
@requires("parts")
def exceptions():
    """Negative and suspicious stock, for the parts manager to resolve."""
    return render_template("parts/exceptions.html", items=stock_checks.exceptions(), error=None, key="",
                           can_manage=may("parts_manage"))


@bp.post("/exceptions/resolve")
@requires("parts_manage")
def resolve_exception():
    """Resolve one exception with an adjustment and a reason."""
    key = request.form.get("key", "")
    try:
        stock_checks.resolve(key, reason=request.form.get("reason", ""), staff=current_staff(),
                             actual=request.form.get("actual"))
    except ServiceError as error:
        return render_template("parts/exceptions.html", items=stock_checks.exceptions(), error=error, key=key,
                               can_manage=True), 400
    flash(_("Resolved with an adjustment."), "ok")
    return go_to(url_for("parts.exceptions"))
