"""The estimate's catalogues at reception: the labour operations (search; the service manager
imports the store's file) and the service packages (the service manager adds and changes them).

``/reception/catalogue`` lists both; ``/reception/catalogue/labour-template.csv`` is an empty
import file with the documented columns.
"""
from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import gettext as _

from kiosk.access import may, requires
from kiosk.services import labour, labour_import, packages
from kiosk.services.errors import ServiceError
from kiosk.stations.reception import bp

TEMPLATE = "code,name,name_en,hours,rate_customer,rate_warranty,rate_insurance,rate_internal\n" \
           "BY-JY,保养机油,Oil service,0.5,300,200,300,150\n"


def _page(status: int = 200, **extra):
    context = {"operations": labour.search(request.args.get("q", ""), limit=60), "q": request.args.get("q", ""),
               "packages": packages.for_model(), "items_text": packages.items_as_text, "price_of": _price,
               "manage": may("catalogue"), "result": None, "errors": {}, "form": {}}
    context.update(extra)
    return render_template("reception/catalogue.html", **context), status


def _price(package):
    try:
        return packages.price_of(package)
    except ServiceError:
        return None


@bp.get("/catalogue")
@requires("reception")
def catalogue():
    """The labour catalogue (``?q=`` code, name, pinyin initials) and the service packages."""
    if request.headers.get("HX-Request") == "true" and request.args.get("fragment") == "operations":
        return render_template("reception/_operations.html", operations=labour.search(request.args.get("q", ""), 60))
    return _page()


@bp.get("/catalogue/labour-template.csv")
@requires("reception")
def labour_template():
    """An import file with the documented columns and one example row (UTF-8 with a BOM, for Excel)."""
    response = Response("\ufeff" + TEMPLATE, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="labour-catalogue.csv"'
    return response


@bp.post("/catalogue/import")
@requires("catalogue")
def import_labour():
    """Import the labour catalogue from a CSV or XLSX file: every row, or none with the reasons."""
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ServiceError(_("Choose the catalogue file (.csv or .xlsx)."), field="file")
        result = labour_import.import_file(upload.filename, upload.read())
    except ServiceError as error:
        return _page(422, errors={"file": error.message})
    return _page(200 if result.ok else 422, result=result)


@bp.post("/catalogue/packages")
@requires("catalogue")
def save_package():
    """Add a service package, or change the one with the same code."""
    form = request.form
    try:
        interval = int(form.get("interval_km") or 0)
    except ValueError:
        return _page(422, errors={"interval_km": _("Enter the interval in kilometres.")}, form=form)
    try:
        package = packages.save_package(form.get("code", ""), form.get("name", ""),
                                        packages.items_from_text(form.get("items", "")), model=form.get("model", ""),
                                        interval_km=interval, pricing=form.get("pricing", "sum"),
                                        price=form.get("price") or 0)
    except ServiceError as error:
        return _page(422, errors={error.field or "items": error.message}, form=form)
    return _page(saved=_("Package %(code)s saved.", code=package.code))
