"""Editing a work order's priced lines (the jobs and the estimated parts): each edit is one
transaction with its change events, refused once the order is locked, and a change to a
signed order's priced lines sends it back to the customer (kiosk.services.estimate).
``kiosk.services.workorders`` re-exports these; every door calls them through it.
"""
from __future__ import annotations

from decimal import Decimal

from kiosk.core import limits, times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import JobLine, PartLine, PartsRequest, WorkOrder
from kiosk.services import catalogue, estimate, labour, stock
from kiosk.services.order_lines import PAY_TYPES, check_editable, decimal_of, given, live_part_lines
from sync import changelog


def _after_priced_change(order: WorkOrder, staff=None, note: str = "") -> None:
    """A signed order whose priced lines changed waits for the customer (kiosk.services.estimate)."""
    estimate.await_customer(order, staff, note)


def add_job(order: WorkOrder, description: str = "", sold_hours=None, price=None, pay_type: str = "customer",
            operation: str = "", technician=None, *, package: str = "", staff=None) -> JobLine:
    """A labour line on the order. With a catalogue ``operation`` code, what is left empty is
    filled from the catalogue: its name, its standard hours, hours × the pay type's rate."""
    check_editable(order)
    if pay_type not in PAY_TYPES:
        raise ServiceError(_l("Choose who pays for this job."), field="pay_type")
    code = (operation or "").strip().upper()
    catalogue = labour.find_operation(code) if code else None
    # A description over the limit is refused with its message (kiosk.core.limits), never cut short.
    description = limits.check_text("description", (description or "").strip()) or (catalogue.name if catalogue else "")
    if not description:  # a code not in the catalogue needs the words too
        if code:
            raise ServiceError(_l("No labour operation %(code)s in the catalogue. Describe the job.", code=code),
                               field="description")
        raise ServiceError(_l("Describe the job."), field="description")
    hours = decimal_of(sold_hours, "sold_hours") if given(sold_hours) else (catalogue.hours if catalogue else Decimal(0))
    if given(price):
        amount = decimal_of(price, "price")
    else:
        amount = labour.price(catalogue, pay_type, hours) if catalogue else Decimal(0)
    with transaction():
        position = JobLine.select().where(JobLine.work_order == order).count() + 1
        job = JobLine(work_order=order, position=position, operation=code, description=description,
                      sold_hours=hours, price=amount, pay_type=pay_type, technician=technician, package=package)
        changelog.save(job)
        _after_priced_change(order, staff, description)
    return job


def update_job(job: JobLine, *, sold_hours=None, price=None, pay_type: str | None = None, staff=None) -> JobLine:
    """Change a job's hours, price or payer (after the signature it waits for the customer again)."""
    check_editable(job.work_order)
    values = {}
    if given(sold_hours):
        values["sold_hours"] = decimal_of(sold_hours, "sold_hours")
    if given(price):
        values["price"] = decimal_of(price, "price")
    if pay_type is not None:
        if pay_type not in PAY_TYPES:
            raise ServiceError(_l("Choose who pays for this job."), field="pay_type")
        values["pay_type"] = pay_type
    with transaction():
        if changelog.save_changes(job, values):
            _after_priced_change(job.work_order, staff, job.description)
    return job


def remove_job(job: JobLine, staff=None) -> None:
    """Tombstone a job line and its parts (nothing is hard-deleted across nodes)."""
    check_editable(job.work_order)
    with transaction():
        job.deleted = True
        changelog.save(job, fields=["deleted"])
        for line in live_part_lines(job.work_order):
            if line.job_id == job.id:
                remove_part_line(line, check=False)
        _after_priced_change(job.work_order, staff, job.description)


def add_part_line(order: WorkOrder, description: str = "", qty=1, unit_price=None, part_no: str = "",
                  pay_type: str = "customer", job=None, *, non_catalogue: bool = False, package: str = "",
                  staff=None) -> PartLine:
    """An estimated part on the order, from the parts catalogue (number, barcode or any code on
    it, or its exact name: its name and price are filled when left empty), or, said explicitly, a non-catalogue
    line with a name and a price. A part short in stock is marked to order and reaches the
    parts counter's ordering list."""
    check_editable(order)
    description, code = (description or "").strip(), (part_no or "").strip()
    if pay_type not in PAY_TYPES:
        raise ServiceError(_l("Choose who pays for this part."), field="pay_type")
    quantity = decimal_of(qty if given(qty) else 1, "qty")
    if quantity == 0:
        raise ServiceError(_l("The quantity must be more than zero."), field="qty")
    if job is not None and (job.work_order_id != order.id or job.deleted):
        raise ServiceError(_l("This job is not on work order %(number)s.", number=order.number), field="job")
    part = None
    if non_catalogue:
        if not description:
            raise ServiceError(_l("Name the part that is not in the catalogue."), field="description")
        if not given(unit_price):
            raise ServiceError(_l("Enter the price of the part that is not in the catalogue."), field="unit_price")
        price = decimal_of(unit_price, "unit_price")
    else:
        if not code:
            raise ServiceError(_l("Scan or type the part number, or add it as a part not in the catalogue."),
                               field="part_no")
        part = catalogue.find_part_by_code_or_name(code)
        if part is None:
            raise ServiceError(_l("Part %(code)s is not in the catalogue. Check the number, or add it as a part "
                                  "not in the catalogue with its name and price.", code=code.upper()),
                               field="part_no")
        description = description or part.name
        price = decimal_of(unit_price, "unit_price") if given(unit_price) else part.price
    short = part is not None and stock.on_hand(part) < quantity
    with transaction():
        line = PartLine(work_order=order, job=job, part_no=part.part_no if part else code.upper(),
                        description=description[:200], qty=quantity, unit_price=price, pay_type=pay_type,
                        non_catalogue=bool(non_catalogue), to_order=short, package=package)
        changelog.save(line)
        if short:
            _order_for(order, line, job, staff)
        _after_priced_change(order, staff, description)
    return line


def _order_for(order: WorkOrder, line: PartLine, job, staff) -> None:
    """A part short in stock: a request on the parts counter's ordering list (配件订购)."""
    changelog.save(PartsRequest(work_order=order, job=job, requested_by=staff, part_no=line.part_no,
                                description=line.description, qty=line.qty, part_line=line.id.hex,
                                requested_at=times.utcnow().replace(microsecond=0)))


def update_part_line(line: PartLine, *, qty=None, unit_price=None, pay_type: str | None = None,
                     staff=None) -> PartLine:
    """Change an estimated part's quantity, unit price or payer."""
    check_editable(line.work_order)
    values = {}
    if given(qty):
        values["qty"] = decimal_of(qty, "qty")
        if values["qty"] == 0:
            raise ServiceError(_l("The quantity must be more than zero."), field="qty")
    if given(unit_price):
        values["unit_price"] = decimal_of(unit_price, "unit_price")
    if pay_type is not None:
        if pay_type not in PAY_TYPES:
            raise ServiceError(_l("Choose who pays for this part."), field="pay_type")
        values["pay_type"] = pay_type
    with transaction():
        if changelog.save_changes(line, values):
            _after_priced_change(line.work_order, staff, line.description)
    return line


def remove_part_line(line: PartLine, *, check: bool = True, staff=None) -> None:
    """Tombstone an estimated part; a request ordered for it and not yet ordered is cancelled."""
    if check:
        check_editable(line.work_order)
    with transaction():
        line.deleted = True
        changelog.save(line, fields=["deleted"])
        for request in PartsRequest.select().where((PartsRequest.part_line == line.id.hex)
                                                   & (PartsRequest.status == "requested")):
            request.status = "cancelled"
            changelog.save(request, fields=["status"])
        if check:
            _after_priced_change(line.work_order, staff, line.description)
