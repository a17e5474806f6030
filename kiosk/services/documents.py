"""The data of every printed document: the key tag, a job line's tag, the A4
work order, a parts slip, a staff badge, bin and part labels.

One function per document, called by every door that prints it: the print
buttons (``kiosk.stations.print_api``), the reception pages, and ``bayflow tag``.
``document_for(kind, ref)`` looks a print button's reference up and returns the
label's data class with every text translated and masked for a label that
hangs in the open.
A parts counter's issue or return slip is looked up by its slip id
(``IS-…`` / ``RT-…``, kiosk.services.stock); other slips are passed to
``kiosk.services.printing.print_label`` by the station that prints them.
"""
from __future__ import annotations

import json
from decimal import Decimal

from flask import current_app
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _

from hardware.labels import TagData
from hardware.labels_a4 import SheetData
from hardware.labels_slip import SlipData
from hardware.labels_kinds import BIN_PREFIX, BadgeData, BinLabelData, JobTagData, PartLabelData
from kiosk.models import JobLine, Part, Staff
from kiosk.roles import label as role_label
from kiosk.services import cashier_documents, estimate, stock, workorders
from kiosk.services.customers import mask_phone
from kiosk.core.errors import NotFound, ServiceError

# Who may print each kind (any one of the permissions).
KIND_PERMISSIONS = {
    "key_tag": ("reception",),
    "job_tag": ("reception", "bay", "dispatch"),
    "bin": ("parts",),
    "part": ("parts", "claims"),  # the claims desk prints old-part tags on the parts label
    "badge": ("staff_admin", "reports"),
    "workorder": ("reception",),
    "estimate": ("reception",),
    "slip": ("parts",),
    **cashier_documents.PERMISSIONS,  # the settlement list and the gate pass (issue #12)
}


def document_for(kind: str, ref: str):
    """The data of ``kind`` for ``ref``; NotFound with a clear message when there is none."""
    ref = (ref or "").strip()
    if kind in cashier_documents.LOOKUPS:
        return cashier_documents.LOOKUPS[kind](ref)
    if kind == "key_tag":
        return tag_data(workorders.get_by_number(ref))
    if kind == "job_tag":
        return job_tag_data(ref)
    if kind == "workorder":
        return sheet_data(workorders.get_by_number(ref))
    if kind == "estimate":
        return sheet_data(workorders.get_by_number(ref), title=_("Estimate (报价单)"))
    if kind == "badge":
        person = Staff.get_or_none((Staff.badge == ref.upper()) & (Staff.deleted == False))  # noqa: E712
        if person is None:
            raise NotFound(_("No staff member has this badge."))
        return BadgeData(badge=person.badge, name=person.name,
                         role=" · ".join(str(role_label(r)) for r in person.role_list),
                         store_name=current_app.config["STORE_NAME"] or "")
    if kind == "bin":
        bin_code = ref.upper().removeprefix(BIN_PREFIX)
        if not bin_code:
            raise ServiceError(_("Enter a bin code."))
        # The same label as the parts counter's page shows: the parts kept there as its description.
        names = [p.name for p in Part.select(Part.name).where((Part.bin == bin_code) & (Part.deleted == False))  # noqa: E712
                 .order_by(Part.part_no).limit(3)]
        return BinLabelData(bin_code=bin_code, description=" · ".join(names), title=_("Bin"))
    if kind == "part":
        part = Part.get_or_none((Part.part_no == ref.upper()) & (Part.deleted == False))  # noqa: E712
        if part is None:
            raise NotFound(_("No part with this number."))
        return PartLabelData(part_no=part.part_no, name=part.name, barcode=first_barcode(part),
                             bin_code=part.bin, bin_title=_("Bin"))
    if kind == "slip":
        return slip_data(ref)
    raise NotFound(_("This cannot be printed."))


def store_name() -> str:
    """The store's name as configured, or a plain title when none is set."""
    return current_app.config["STORE_NAME"] or _("Service department")


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
                   promised_text=promised, store_name=current_app.config["STORE_NAME"] or "",
                   title=_("Work order"))


def slip_data(slip: str) -> SlipData:
    """The parts counter's slip ``slip``: what was issued or returned, for whom, by whom."""
    moves = stock.slip_moves(slip)
    if not moves:
        raise NotFound(_("No slip with this number."))
    first = moves[0]
    lines = [(f"{m.part.part_no} {m.part.name}" + (f" ({_('old part')})" if m.old_part else ""),
              f"× {format_decimal(abs(m.qty))}") for m in moves]
    people = (_("Parts clerk: %(name)s", name=first.staff.name if first.staff else "—"),
              _("Technician: %(name)s", name=first.receiver.name if first.receiver else "—"))
    title = _("Issue slip") if first.kind == "issue" else _("Return slip")
    order = first.work_order
    heading = [(_("Slip"), slip)]
    if order is not None:
        heading.append((_("Work order"), f"{order.number} {order.vehicle.plate}"))
    return SlipData(title=title, number=order.number if order else slip, lines=tuple(heading + lines),
                    header=(current_app.config["STORE_NAME"] or "", format_datetime(first.at, "yyyy-MM-dd HH:mm")),
                    footer=(*people, _("Received by: ____________")))


def first_barcode(part) -> str:
    """The part's first barcode on file (the parts counter's list, then the catalogue's), or ""."""
    codes = [c.code for c in getattr(part, "codes", []) if not c.deleted] or json.loads(part.barcodes or "[]")
    return codes[0] if codes else ""


def job_tag_data(ref: str) -> JobTagData:
    """``R1-20261127-0042/2``: the order's second job line."""
    number, _slash, position = ref.rpartition("/")
    if not number or not position.isdigit():
        raise NotFound(_("No job line with this number."))
    order = workorders.get_by_number(number)
    job = JobLine.get_or_none((JobLine.work_order == order) & (JobLine.position == int(position))
                              & (JobLine.deleted == False))  # noqa: E712
    if job is None:
        raise NotFound(_("No job line with this number."))
    technician = job.technician.name if job.technician_id else ""
    return JobTagData(number=order.number, position=job.position, description=job.description,
                      plate=order.vehicle.plate, technician=technician, title=_("Job line"))


def _money(value) -> str:
    return format_decimal(value or 0, format="#,##0.00")


def _numbers(totals: dict) -> dict:
    """A snapshot's totals (text) as numbers for the money filter."""
    return {**{k: Decimal(v) for k, v in totals.items() if k != "by_payer"},
            "by_payer": {k: Decimal(v) for k, v in totals["by_payer"].items()}}


def version_context(order, wanted: str | None = None) -> dict | None:
    """The version of the estimate a print shows: ``wanted`` (its number, or "current" for
    the draft), by default the last one signed, else the draft; with the lines changed
    against the version before it. None when no version has that number."""
    current = estimate.state(order)
    versions = current.versions
    if wanted in (None, "") and versions:
        wanted = str(versions[-1].version)
    if wanted in (None, "", "current"):
        snap, version, previous = current.current, None, versions[-1] if versions else None
    else:
        found = [v for v in versions if str(v.version) == wanted]
        if not found:
            return None
        version = found[-1]
        snap = estimate.lines_of(version)
        earlier = [v for v in versions if v.at < version.at or (v.at == version.at and v.hlc < version.hlc)]
        previous = earlier[-1] if earlier else None
    changes = estimate.diff(estimate.lines_of(previous)["lines"], snap["lines"]) if previous else []
    return {"shown": version, "previous": previous, "changes": changes, "versions": versions,
            "lines": snap["lines"], "sums": _numbers(snap["totals"]), "promised": snap.get("promised_at"),
            "pending": current.changes, "is_current": version is None,
            # An order signed before versions were kept: its signature, bound to nothing stored.
            "legacy_signature": order.signature if not versions else ""}


def sheet_data(order, *, title: str | None = None) -> SheetData:
    """The work order (or, with ``title``, the estimate) on A4 for a CUPS printer: the lines and
    totals of the version the customer signed — the draft before anyone signed — as the
    browser's A4 page shows them (``version_context``)."""
    pay = {"customer": _("Customer"), "warranty": _("Warranty"), "insurance": _("Insurance"),
           "internal": _("Internal")}
    shown = version_context(order)
    lines, totals, version = shown["lines"], shown["sums"], shown["shown"]
    vehicle = order.vehicle
    facts = (
        (_("Customer"), order.customer.name), (_("Phone"), mask_phone(order.customer.phone)),
        (_("Plate"), vehicle.plate or "—"), (_("Model"), vehicle.model or "—"),
        (_("VIN"), vehicle.vin or "—"), (_("Mileage"), _("%(km)s km", km="{:,}".format(order.mileage))),
        (_("Advisor"), order.advisor.name if order.advisor else "—"),
        (_("Promised delivery"), format_datetime(order.promised_at, "yyyy-MM-dd HH:mm") if order.promised_at else "—"),
    )
    job_rows = ((("#", _("Operation code"), _("Description"), _("Sold hours"), _("Price"), _("Paid by")),)
                + tuple((str(n), j["code"], j["description"], _money(Decimal(j["hours"])), _money(Decimal(j["amount"])),
                         pay.get(j["payer"], j["payer"]))
                        for n, j in enumerate((x for x in lines if x["kind"] == "labour"), 1)))
    part_rows = (((_("Part number"), _("Part name"), _("Qty"), _("Unit price"), _("Amount"), _("Paid by")),)
                 + tuple((p["code"], p["description"], _money(Decimal(p["qty"])), _money(Decimal(p["unit_price"])),
                          _money(Decimal(p["amount"])), pay.get(p["payer"], p["payer"]))
                         for p in lines if p["kind"] == "part"))
    sums = ((_("Totals"), _("Amount")), (_("Labour"), "¥ " + _money(totals["labour"])),
            (_("Parts"), "¥ " + _money(totals["parts"])), (_("Total"), "¥ " + _money(totals["total"])))
    signed = (_("Version %(v)s signed by %(name)s on %(time)s", v=version.version, name=version.signer,
                time=format_datetime(version.at, "yyyy-MM-dd HH:mm")) if version else _("Not signed yet"))
    store = store_name()
    return SheetData(
        title=title or _("Work order"), number=order.number, store_name=store, facts=facts,
        texts=((_("Customer complaint"), order.complaint or "—"), (_("Customer authorization"), signed)),
        sections=((_("Jobs"), job_rows), (_("Estimated parts"), part_rows), (_("Total"), sums)),
        footer=f"{store} · {order.number}",
    )
