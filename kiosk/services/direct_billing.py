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
KIND = "share"  # the bill's lines that move money between the insurer's and the customer's share
NOT_COVERED = "INS-REST"  # the code of the lines moved to the customer's share
COVERED = "INS-COVER"  # the code of the lines the insurer takes over from the customer's share
# The frozen bill keeps the English text (bills are data, frozen outside any request); pages and
# printouts show LABELS, the same texts translated (tests/services/test_direct_billing.py checks).
TEXTS = {"INS-EXCESS": "Excess", "INS-DEPRECIATION": "Depreciation",
         NOT_COVERED: "Not covered by the insurer (refused by the assessor)",
         "INS-CLAIM": "Not billed to the insurer directly: the customer claims it",
         COVERED: "Covered by the insurer (assessment)"}
LABELS = {"INS-EXCESS": _l("Excess"), "INS-DEPRECIATION": _l("Depreciation"),
          NOT_COVERED: _l("Not covered by the insurer (refused by the assessor)"),
          "INS-CLAIM": _l("Not billed to the insurer directly: the customer claims it"),
          COVERED: _l("Covered by the insurer (assessment)")}


def line_text(line: dict):
    """A bill line's text as pages print it: the share lines translated, the others as billed."""
    return LABELS.get(line.get("code") or "", line["description"]) if line.get("kind") == KIND \
        else line["description"]


def _move(code: str, amount: Decimal) -> dict:
    return {"code": code, "description": TEXTS[code], "amount": amount}


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
        return [_move(COVERED, rest)]
    if not share["direct_billing"]:
        return [_move("INS-CLAIM", rest)]
    found = []
    for key in ("excess", "depreciation"):
        part = min(share[key], rest)
        if part > 0:
            found.append(_move(f"INS-{key.upper()}", part))
            rest -= part
    if rest > 0:
        found.append(_move(NOT_COVERED, rest))
    return found
