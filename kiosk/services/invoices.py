"""Invoice requests (发票): queued for the store's invoicing system and exported for finance.

``request(order, staff, title=..., tax_no=..., personal=..., payer=..., amount=...)``
queues an ``InvoiceRequest`` (kind "blue"); a refund queues a red-letter reversal
(kind "red", ``red_letter(...)``, called by kiosk.services.payments). The queue is
exported as CSV (UTF-8 with BOM, for Excel) or XLSX with the same columns, in this
order (documented in the README, "Export files"): requested_at, work_order,
settlement_number, kind, personal, title, tax_no, payer, amount.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

from openpyxl import Workbook

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import InvoiceRequest, Staff, WorkOrder
from kiosk.services import billing, settlement
from sync import changelog

COLUMNS = ("requested_at", "work_order", "settlement_number", "kind", "personal", "title", "tax_no", "payer",
           "amount")
# The unified social credit code (统一社会信用代码) has 18 characters; older tax numbers 15 to 20.
_TAX_NO = re.compile(r"^[0-9A-Z]{15,20}$")


def request(order: WorkOrder, staff: Staff | None, *, title: str = "", tax_no: str = "", personal: bool = False,
            payer: str = "customer", amount=None) -> InvoiceRequest:
    """Queue an invoice for ``order`` (settled): a company's title and tax number, or a personal one."""
    live = settlement.current(order)
    if live is None:
        raise ServiceError(_l("Settle the work order before requesting its invoice."), status=409)
    title = " ".join(str(title or "").split())[:100]
    tax_no = str(tax_no or "").strip().upper()
    if not title:
        raise ServiceError(_l("Enter the invoice title (the buyer's name)."), field="title")
    if not personal and not _TAX_NO.match(tax_no):
        raise ServiceError(_l("Enter the buyer's tax number (15 to 20 letters and digits), or choose a personal "
                              "invoice."), field="tax_no")
    if payer not in billing.PAYERS:
        raise ServiceError(_l("Choose who pays."), field="payer")
    share = live.customer_due if payer == "customer" else Decimal(settlement.frozen_bill(live)["by_payer"][payer])
    amount = share if amount in (None, "") else billing.money(amount)
    if amount <= 0 or amount > share:
        raise ServiceError(_l("The invoice amount must be more than 0 and at most ¥%(share)s.", share=share),
                           field="amount")
    with transaction():
        row = InvoiceRequest(work_order=order, settlement_number=live.number, title=title,
                             tax_no="" if personal else tax_no, personal=bool(personal), payer=payer, amount=amount,
                             staff=staff, at=times.utcnow())
        changelog.save(row)
    return row


def red_letter(order: WorkOrder, staff: Staff | None, refund: Decimal) -> InvoiceRequest | None:
    """After a refund: a red-letter reversal of the order's last invoice, for the refunded amount
    (None when no invoice was requested). Call inside the refund's transaction."""
    last = (InvoiceRequest.select().where((InvoiceRequest.work_order == order) & (InvoiceRequest.kind == "blue"))
            .order_by(InvoiceRequest.at.desc()).first())
    if last is None:
        return None
    row = InvoiceRequest(work_order=order, settlement_number=last.settlement_number, kind="red", title=last.title,
                         tax_no=last.tax_no, personal=last.personal, payer=last.payer,
                         amount=-min(abs(refund), last.amount), staff=staff, at=times.utcnow())
    changelog.save(row)
    return row


def queued(since: dt.datetime | None = None) -> list[InvoiceRequest]:
    query = InvoiceRequest.select(InvoiceRequest, WorkOrder).join(WorkOrder).order_by(InvoiceRequest.at)
    if since is not None:
        query = query.where(InvoiceRequest.at >= since)
    return list(query)


def rows(since: dt.datetime | None = None) -> list[tuple]:
    """The export's rows (without the header): see ``COLUMNS``."""
    return [(times.isoformat(r.at), r.work_order.number, r.settlement_number, r.kind, "1" if r.personal else "0",
             r.title, r.tax_no, r.payer, billing.text(r.amount)) for r in queued(since)]


def export_csv(since: dt.datetime | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(since))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: Excel reads the Chinese titles right


def export_xlsx(since: dt.datetime | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "invoices"
    sheet.append(COLUMNS)
    for row in rows(since):
        sheet.append(list(row[:-1]) + [float(row[-1])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def queued_for(order: WorkOrder) -> list[InvoiceRequest]:
    """The order's invoice requests (and red-letter reversals), oldest first."""
    return list(InvoiceRequest.select().where(InvoiceRequest.work_order == order).order_by(InvoiceRequest.at))
