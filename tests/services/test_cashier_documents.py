"""The cashier's printed documents render for every printer: the settlement list on A4 (PDF for
CUPS) and on the receipt printer, and the gate pass once the car is handed back."""
from __future__ import annotations

import pytest

from hardware.labels_a4 import render_sheet_pdf
from hardware.labels_slip import slip_image
from kiosk.core.errors import NotFound
from kiosk.services import delivery, documents, payments, printing, settlement
from tests.support.cashier import part, ready_order


def test_the_settlement_list_and_the_gate_pass_render(db, make_staff):
    cashier = make_staff("cashier")
    order = ready_order(issue=[(part(), 1, 0)])
    with pytest.raises(NotFound):
        documents.document_for("settlement", order.number)  # not settled yet
    settlement.settle(order, cashier, old_parts="returned", repair_type="major")
    sheet = printing.as_data("settlement", documents.document_for("settlement", order.number))
    assert render_sheet_pdf(sheet)[:4] == b"%PDF"
    texts = " ".join(t for pair in sheet.texts for t in pair)
    assert "20,000" in texts and "100" in texts
    slip = printing.as_data("settlement_slip", documents.document_for("settlement_slip", order.number))
    assert slip_image(slip).width > 0 and any("268.00" in right for _left, right in slip.lines)
    with pytest.raises(NotFound):
        documents.document_for("gate_pass", order.number)  # not handed back yet
    payments.pay(order, cashier, "268", "cash")
    delivery.deliver(order, cashier)
    gate = printing.as_data("gate_pass", documents.document_for("gate_pass", order.number))
    assert gate.number == order.number and slip_image(gate).height > 0
