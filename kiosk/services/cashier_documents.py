"""The cashier's printed documents: the settlement list (维修结算清单) on A4 and on the
receipt printer, and the gate pass (出门条) for the guard.

``settlement_context(order)`` is everything the list shows — the store, the customer
and vehicle, the mileage, each labour line and part (number, name, quantity, unit
price, amount), materials and other charges apart, the payer subtotals with the
tax included, the discount, paid and balance, the quality-guarantee period of the
repair type (kiosk.services.cashier_settings) and what happens to the old parts —
read by the browser's A4 page and by ``settlement_sheet`` (A4 for a CUPS printer) and
``settlement_slip`` (the receipt printer). ``gate_pass(order)`` is the slip whose
Code 128 is the work-order number.

The print buttons (kiosk.stations.print_api) find these through ``LOOKUPS``.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _

from hardware.labels_a4 import SheetData
from hardware.labels_slip import SlipData
from kiosk.core.errors import NotFound
from kiosk.models import WorkOrder
from kiosk.services import billing, cashier_settings, delivery, direct_billing, payments, settlement, workorders
from kiosk.services.customers import mask_phone


def store() -> str:
    return current_app.config["STORE_NAME"] or _("Service department")


def payer_label(payer: str) -> str:
    return {"customer": _("Customer"), "warranty": _("Warranty (manufacturer)"), "insurance": _("Insurance"),
            "internal": _("Internal")}.get(payer, payer)


def repair_type_label(kind: str) -> str:
    return {"major": _("Major repair"), "maintenance": _("Level-2 maintenance"),
            "minor": _("Minor repair")}.get(kind, _("Minor repair"))


def old_parts_label(kind: str) -> str:
    return {"returned": _("Returned to the customer"), "left": _("Left with the store"),
            "none": _("No old parts")}.get(kind, kind)


def money(value) -> str:
    return format_decimal(billing.money(value), format="#,##0.00")


def settled_order(number: str) -> WorkOrder:
    order = workorders.get_by_number(number)
    if settlement.current(order) is None:
        raise NotFound(_("Work order %(number)s is not settled.", number=number))
    return order


def settlement_context(order: WorkOrder, payer: str | None = None) -> dict:
    """What the settlement list shows (see the module's docstring); money as Decimal text. With
    ``payer``, that payer's own document: its lines and its subtotal only."""
    found = payments.statement(order)
    live = settlement.current(order)
    kind = order.repair_type or "minor"
    km, days = cashier_settings.guarantee(kind)
    lines = found["lines"] if payer is None else billing.lines_of(found, payer)
    payers = [p for p in billing.payers_of(found) if payer in (None, p)]
    return {"store": store(), "order": order, "bill": found, "settled": live, "payer": payer,
            "payer_title": payer_label(payer) if payer else "", "all_payers": billing.payers_of(found),
            "labour": [x for x in lines if x["kind"] == "labour"], "parts": [x for x in lines if x["kind"] == "part"],
            "other": [x for x in lines if x["kind"] == "other"],
            "shares": [x for x in lines if x["kind"] == direct_billing.KIND],
            "payers": [(p, payer_label(p), found["by_payer"][p], found["tax_by_payer"][p]) for p in payers],
            "repair_type": repair_type_label(kind), "guarantee_km": km, "guarantee_days": days,
            "old_parts": old_parts_label(live.old_parts if live else "none"), "phone": mask_phone(order.customer.phone),
            "payer_labels": {p: payer_label(p) for p in billing.PAYERS}}


def _facts(c: dict) -> tuple:
    order = c["order"]
    return ((_("Customer"), order.customer.name), (_("Phone"), c["phone"]), (_("Plate"), order.vehicle.plate or "—"),
            (_("Model"), order.vehicle.model or "—"), (_("VIN"), order.vehicle.vin or "—"),
            (_("Mileage"), _("%(km)s km", km="{:,}".format(order.mileage))),
            (_("Work order"), order.number),
            (_("Settled"), format_datetime(c["settled"].at, "yyyy-MM-dd HH:mm") if c["settled"] else "—"))


def settlement_sheet(order: WorkOrder) -> SheetData:
    """The settlement list on A4 for a CUPS printer."""
    c = settlement_context(order)
    head = (_("Item number"), _("Item name"), _("Qty"), _("Unit price"), _("Amount"), _("Paid by"))
    def rows(lines):
        return (head,) + tuple((x["code"] or "—", str(direct_billing.line_text(x)), money(x["qty"]), money(x["unit_price"]),
                                money(x["amount"]), payer_label(x["payer"])) for x in lines)
    sums = ((_("Paid by"), _("Amount"), _("VAT included")),) + tuple((label, money(a), money(t))
                                                                      for _p, label, a, t in c["payers"])
    bill = c["bill"]
    return SheetData(
        title=_("Vehicle repair settlement list"), number=c["settled"].number if c["settled"] else order.number,
        store_name=c["store"], facts=_facts(c),
        sections=((_("Labour"), rows(c["labour"])), (_("Parts"), rows(c["parts"])),
                  (_("Materials and other charges"), rows(c["other"])),
                  *(((_("Insurer and customer shares"), rows(c["shares"])),) if c["shares"] else ()),
                  (_("Subtotals by payer"), sums)),
        texts=((_("Amounts"),
                _("Total ¥%(total)s · discount ¥%(discount)s · customer pays ¥%(due)s · paid ¥%(paid)s",
                  total=money(bill["total"]), discount=money(bill["discount"]),
                  due=money(bill["customer_due"]), paid=money(bill["paid"]))),
               (_("Quality guarantee"), guarantee_text(c)), (_("Old parts"), c["old_parts"])),
        footer=f"{c['store']} · {order.number}")


def guarantee_text(c: dict) -> str:
    return _("%(kind)s: %(km)s km or %(days)s days from delivery, whichever comes first.",
             kind=c["repair_type"], km="{:,}".format(c["guarantee_km"]), days=c["guarantee_days"])


def settlement_slip(order: WorkOrder) -> SlipData:
    """The settlement list on the 80 mm receipt printer."""
    c = settlement_context(order)
    bill = c["bill"]
    lines = [(f"{direct_billing.line_text(x)} × {format_decimal(billing.money(x['qty']), format='#,##0.##')}",
              money(x["amount"])) for x in bill["lines"]]
    lines += [("", "")] + [(label, money(amount)) for _p, label, amount, _t in c["payers"]]
    lines += [(_("Discount"), money(bill["discount"])), (_("Customer pays"), money(bill["customer_due"])),
              (_("Paid"), money(bill["paid"])), (_("Balance"), money(bill["balance"]))]
    return SlipData(title=_("Vehicle repair settlement list"), number=order.number, lines=tuple(lines),
                    header=(c["store"], c["settled"].number if c["settled"] else ""),
                    footer=(c["repair_type"], _("Guarantee: %(km)s km or %(days)s days", km="{:,}".format(c["guarantee_km"]),
                                                   days=c["guarantee_days"]),
                            _("Old parts") + ": " + c["old_parts"]))


def gate_pass(order: WorkOrder) -> SlipData:
    """The gate pass (出门条): the guard scans its code and lets the car out."""
    handed = delivery.delivery_of(order)
    if handed is None:
        raise NotFound(_("Work order %(number)s has not been delivered.", number=order.number))
    return SlipData(title=_("Gate pass"), number=order.number,
                    lines=((_("Plate"), order.vehicle.plate or "—"), (_("Model"), order.vehicle.model or "—"),
                           (_("Customer"), order.customer.name),
                           (_("Delivered"), format_datetime(handed.at, "yyyy-MM-dd HH:mm"))),
                    header=(store(),), footer=(_("Let this vehicle out."),))


LOOKUPS = {"settlement": lambda ref: settlement_sheet(settled_order(ref)),
           "settlement_slip": lambda ref: settlement_slip(settled_order(ref)),
           "gate_pass": lambda ref: gate_pass(workorders.get_by_number(ref))}
PERMISSIONS = {"settlement": ("cashier",), "settlement_slip": ("cashier",), "gate_pass": ("cashier", "reception")}
