"""The insurer's and the customer's shares on the bill of an insurance repair (直赔, #12 × #14).

One rule: ``kiosk.services.insurance.insurer_share``. With direct billing the insurer
pays its share (assessed amount − excess − depreciation); everything else the
customer pays. Without direct billing the customer pays everything and claims from
the insurer. The bill's lines keep the store's prices; the move between the two
shares is written as a pair of lines (one on the insurance share, its opposite on
the customer's), so every total stays the exact sum of its lines. An order without
an insurance case is left exactly as it is.
"""
from __future__ import annotations

from decimal import Decimal

from kiosk.i18n import lazy_gettext as _l
from kiosk.models import WorkOrder
from kiosk.services import insurance

ZERO = Decimal("0.00")
NOT_COVERED = "INS-REST"  # the code of the lines moved to the customer's share
COVERED = "INS-COVER"  # the code of the lines the insurer takes over from the customer's share


def insurer_pays(share: dict | None, insurance_subtotal: Decimal, customer_subtotal: Decimal) -> Decimal | None:
    """What the insurer pays on the bill, or None when the order has no insurance case. Never more
    than the insurance and customer shares together (it never takes over warranty or internal work)."""
    if share is None:
        return None
    if not share["direct_billing"]:
        return ZERO
    return min(share["insurer"], insurance_subtotal + customer_subtotal)


def moves(order: WorkOrder, by_payer: dict[str, Decimal]) -> list[dict]:
    """The moves between the insurance share and the customer's that the insurer's share makes:
    [{code, description, amount}] (amount > 0 moves from the insurer to the customer)."""
    pays = insurer_pays(insurance.insurer_share(order), by_payer.get("insurance", ZERO),
                        by_payer.get("customer", ZERO))
    if pays is None:
        return []
    share = insurance.insurer_share(order)
    rest = by_payer.get("insurance", ZERO) - pays
    if rest == 0:
        return []
    if rest < 0:
        return [{"code": COVERED, "description": str(_l("Covered by the insurer (assessment)")), "amount": rest}]
    if not share["direct_billing"]:
        return [{"code": NOT_COVERED, "amount": rest,
                 "description": str(_l("Not billed to the insurer directly: the customer claims it"))}]
    found = []
    for key, label in (("excess", _l("Excess (免赔额)")), ("depreciation", _l("Depreciation (折旧)"))):
        part = min(share[key], rest)
        if part > 0:
            found.append({"code": f"INS-{key.upper()}", "description": str(label), "amount": part})
            rest -= part
    if rest > 0:
        found.append({"code": NOT_COVERED, "amount": rest,
                      "description": str(_l("Not covered by the insurer (refused by the assessor)"))})
    return found
