"""Service packages (保养套餐): a named set of labour operations and parts for a model and
an interval ("朗逸 1万公里保养"), priced as the sum of its lines or at a fixed price.

One tap puts every line of a package on the estimate: labour from the labour
catalogue (kiosk.services.labour), parts from the parts catalogue, each line
marked with the package's code. A fixed price is shared out over the lines in
proportion to their catalogue prices (the cents left by rounding go to the
first job), so every line still carries its own price on the estimate, the
signed version and the bill.
"""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

from kiosk.i18n import lazy_gettext as _l

from kiosk.db import transaction
from kiosk.models import ServicePackage, WorkOrder
from kiosk.services import catalogue, labour, workorders
from kiosk.services.errors import NotFound, ServiceError
from sync import changelog

Q = Decimal("0.01")
PRICINGS = ("sum", "fixed")


def _live():
    return ServicePackage.select().where(ServicePackage.deleted == False)  # noqa: E712


def get(code: str) -> ServicePackage:
    """The live package with this code (any case)."""
    found = _live().where(ServicePackage.code == (code or "").strip().upper()).first()
    if found is None:
        raise NotFound(_l("No service package %(code)s.", code=(code or "").strip().upper()), field="package")
    return found


def for_model(model: str = "") -> list[ServicePackage]:
    """Packages made for ``model`` (and those for any model); every package without a model given."""
    rows = list(_live().order_by(ServicePackage.model, ServicePackage.interval_km, ServicePackage.code))
    model = (model or "").strip()
    if not model:
        return rows
    return [p for p in rows if not p.model or p.model == model]


def items_of(package: ServicePackage) -> list[dict]:
    return json.loads(package.items or "[]")


def _clean_items(items: list[dict]) -> list[dict]:
    clean = []
    for item in items:
        if item.get("kind") == "labour":
            operation = labour.get_operation(item.get("code", ""))
            clean.append({"kind": "labour", "code": operation.code})
        elif item.get("kind") == "part":
            part = catalogue.find_part(str(item.get("part_no", "")))
            if part is None:
                raise ServiceError(_l("Part %(code)s is not in the catalogue.", code=item.get("part_no", "")),
                                   field="items")
            qty = workorders.decimal_of(item.get("qty") or 1, "qty")
            if qty == 0:
                raise ServiceError(_l("The quantity must be more than zero."), field="items")
            clean.append({"kind": "part", "part_no": part.part_no, "qty": str(qty)})
        else:
            raise ServiceError(_l("A package line is a labour operation or a part."), field="items")
    if not clean:
        raise ServiceError(_l("A package needs at least one job or part."), field="items")
    return clean


def save_package(code: str, name: str, items: list[dict], *, model: str = "", interval_km: int = 0,
                 pricing: str = "sum", price=0) -> ServicePackage:
    """Add a package, or change the one with the same code."""
    code, name = (code or "").strip().upper(), (name or "").strip()
    if not code or not name:
        raise ServiceError(_l("A package needs a code and a name."), field="name" if code else "code")
    if pricing not in PRICINGS:
        raise ServiceError(_l("Choose a fixed or a summed price."), field="pricing")
    clean = _clean_items(items)
    amount = workorders.decimal_of(price or 0, "price")
    if pricing == "fixed" and (amount <= 0 or not any(i["kind"] == "labour" for i in clean)):
        raise ServiceError(_l("A fixed-price package needs its price and at least one job."), field="price")
    values = {"code": code, "name": name[:120], "model": (model or "").strip()[:60],
              "interval_km": int(interval_km or 0), "pricing": pricing, "price": amount,
              "items": json.dumps(clean, ensure_ascii=False)}
    with transaction():
        existing = _live().where(ServicePackage.code == code).first()
        if existing is not None:
            changelog.save_changes(existing, values)
            return existing
        package = ServicePackage(**values)
        changelog.save(package)
    return package


def _catalogue_rows(packages_: list[ServicePackage]) -> tuple[dict, dict]:
    """The labour operations and parts the packages name, by code: two queries for all of them."""
    from kiosk.models import LabourOperation, Part

    items = [i for p in packages_ for i in items_of(p)]
    codes = {i["code"] for i in items if i["kind"] == "labour"}
    numbers = {i["part_no"] for i in items if i["kind"] == "part"}
    operations = {o.code: o for o in LabourOperation.select().where(
        LabourOperation.code.in_(codes) & (LabourOperation.deleted == False))} if codes else {}  # noqa: E712
    parts = {p.part_no: p for p in Part.select().where(
        Part.part_no.in_(numbers) & (Part.deleted == False))} if numbers else {}  # noqa: E712
    return operations, parts


def plan(package: ServicePackage, pay_type: str = "customer", known: tuple[dict, dict] | None = None) -> list[dict]:
    """The lines the package puts on an estimate, priced: ``{"kind", "operation"|"part", "qty", "price"}``
    (price: a job's labour price, a part's unit price), the fixed price shared out. ``known``:
    the catalogue rows already read (``_catalogue_rows``)."""
    operations, parts = known or _catalogue_rows([package])
    lines = []
    for item in items_of(package):
        if item["kind"] == "labour":
            operation = operations.get(item["code"])
            if operation is None:
                raise ServiceError(_l("The package's labour operation %(code)s is no longer in the catalogue.",
                                      code=item["code"]), field="package")
            lines.append({"kind": "labour", "operation": operation, "qty": operation.hours,
                          "price": labour.price(operation, pay_type)})
        else:
            part = parts.get(item["part_no"])
            if part is None:
                raise ServiceError(_l("The package's part %(code)s is no longer in the catalogue.",
                                      code=item["part_no"]), field="package")
            lines.append({"kind": "part", "part": part, "qty": Decimal(item["qty"]), "price": part.price})
    if package.pricing == "fixed":
        _share_out(lines, package.price)
    return lines


def _share_out(lines: list[dict], fixed: Decimal) -> None:
    """Scale the lines to ``fixed``; the rounding's cents go to the first job."""
    whole = sum((_amount(x) for x in lines), Decimal(0))
    if whole <= 0:
        return
    factor = fixed / whole
    for line in lines:
        line["price"] = (line["price"] * factor).quantize(Q, rounding=ROUND_HALF_UP)
    first_job = next(x for x in lines if x["kind"] == "labour")
    first_job["price"] += fixed - sum((_amount(x) for x in lines), Decimal(0))


def _amount(line: dict) -> Decimal:
    return line["price"] if line["kind"] == "labour" else line["price"] * line["qty"]


def price_of(package: ServicePackage, pay_type: str = "customer", known: tuple[dict, dict] | None = None) -> Decimal:
    """What the whole package costs ``pay_type`` now."""
    return sum((_amount(x) for x in plan(package, pay_type, known)), Decimal(0)).quantize(Q)


def offers(model: str) -> list[dict]:
    """The packages for ``model`` with their price to the customer now and their size; a package
    whose catalogue line was removed is left out. Three queries, however many packages."""
    found = for_model(model)
    known = _catalogue_rows(found)
    out = []
    for package in found:
        try:
            price = price_of(package, known=known)
        except ServiceError:
            continue
        items = items_of(package)
        out.append({"package": package, "price": price, "jobs": sum(1 for i in items if i["kind"] == "labour"),
                    "parts": sum(1 for i in items if i["kind"] == "part")})
    return out


def add_to_order(order: WorkOrder, package: ServicePackage, *, pay_type: str = "customer", staff=None):
    """Every line of ``package`` onto ``order``'s estimate in one transaction; the parts go with
    the package's first job. Returns (jobs, part lines)."""
    lines = plan(package, pay_type)
    jobs, parts = [], []
    with transaction():
        for line in lines:
            if line["kind"] == "labour":
                op = line["operation"]
                jobs.append(workorders.add_job(order, op.name, op.hours, line["price"], pay_type, op.code,
                                               package=package.code, staff=staff))
        for line in lines:
            if line["kind"] == "part":
                part = line["part"]
                parts.append(workorders.add_part_line(order, part.name, line["qty"], line["price"], part.part_no,
                                                      pay_type, jobs[0] if jobs else None, package=package.code,
                                                      staff=staff))
    return jobs, parts


def as_dict(package: ServicePackage) -> dict:
    """A package for the API: its lines and its price to the customer now."""
    return {"code": package.code, "name": package.name, "model": package.model,
            "interval_km": package.interval_km, "pricing": package.pricing,
            "price": float(price_of(package)), "items": items_of(package)}


def items_from_text(text: str) -> list[dict]:
    """A package's lines as typed, one a line: a labour code, or a part number or barcode with an
    optional quantity (``06L115562B x 1``, ``G052195M4 *2``); the catalogues say which is which."""
    import re

    items = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = re.fullmatch(r"(\S+)(?:\s*[x×*]\s*(\S+))?", line, flags=re.IGNORECASE)
        if match is None:
            raise ServiceError(_l("Line %(n)s: write a labour code or a part number, and a quantity after ×.",
                                  n=number), field="items")
        code, qty = match.group(1), match.group(2)
        if labour.find_operation(code) is not None and qty is None:
            items.append({"kind": "labour", "code": code})
        elif catalogue.find_part(code) is not None:
            items.append({"kind": "part", "part_no": code, "qty": qty or "1"})
        else:
            raise ServiceError(_l("Line %(n)s: %(code)s is neither a labour code nor a part in the catalogue.",
                                  n=number, code=code), field="items")
    return items


def items_as_text(package: ServicePackage) -> str:
    """The package's lines the way ``items_from_text`` reads them."""
    return "\n".join(i["code"] if i["kind"] == "labour" else f"{i['part_no']} × {i['qty']}"
                     for i in items_of(package))
