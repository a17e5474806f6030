"""The bill of a work order, built from what happened (issue #12).

``bill_of(order)`` is the live bill: every agreed job line at its price (extra work
declined or still pending left out, and a job changed since the signature, which is
pending too — kiosk.services.estimate says which), every part issued to the order
net of returns at its price when issued (``StockMove.unit_price``), and the
estimate's hand-typed lines (materials, other charges: parts the catalogue does not
have, so stock never issues them) apart as ``kind="other"``. A line's payer is its
job's pay type (a part issued to no job: the customer). Estimated catalogue parts
never issued are listed in ``warnings``, never billed.

Prices include VAT: each line carries the tax included at the store's rate
(kiosk.services.cashier_settings), rounded to the fen; the totals are sums of the
lines, so they add up exactly. Money is Decimal here and text ("12.34") in the bill.

An order with an insurance case (#14) gets its insurer's share by the one rule
(kiosk.services.direct_billing): lines of kind ``share`` move money between the
insurance share and the customer's (excess, depreciation, what the assessor refused),
in pairs that cancel out, so the total is the store's and every subtotal a sum of lines.

The settlement freezes this dict (kiosk.services.settlement); claims (#14) reads
the warranty and insurance lines of a frozen bill with ``lines_of(bill, payer)``.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from peewee import fn

from kiosk.models import JobLine, Part, StockMove, WorkOrder
from kiosk.services import cashier_settings, direct_billing, estimate, order_lines

Q = Decimal("0.01")
ZERO = Decimal(0)
PAYERS = order_lines.PAY_TYPES  # customer, warranty, insurance, internal


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(Q, rounding=ROUND_HALF_UP)


def text(value) -> str:
    return str(money(value))


def tax_included(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside a price that includes it, to the fen: amount − amount / (1 + rate)."""
    return money(amount - amount / (1 + rate))


def agreed_jobs(order: WorkOrder, known=None) -> list[JobLine]:
    """The jobs the customer agreed to: not declined, not pending, not changed since the signature."""
    known = known or estimate.state(order)
    return [j for j in order_lines.live_jobs(order)
            if j.authorization not in ("declined", "pending") and j.id.hex not in known.held_jobs]


def issued_parts(order: WorkOrder) -> list[dict]:
    """Net issues per (part, job) with the price of the last issue: [{part, job_id, qty, unit_price}]."""
    rows = (StockMove.select(StockMove.part, StockMove.job, fn.SUM(StockMove.qty).alias("total"))
            .where((StockMove.work_order == order) & StockMove.kind.in_(("issue", "return")))
            .group_by(StockMove.part, StockMove.job).tuples())
    found = []
    for part_id, job_id, total in rows:
        qty = -Decimal(str(total))
        if qty == 0:
            continue
        last = (StockMove.select(StockMove.unit_price)
                .where((StockMove.work_order == order) & (StockMove.part == part_id) & (StockMove.job == job_id)
                       & (StockMove.kind == "issue")).order_by(StockMove.at.desc()).first())
        found.append({"part": Part.get_by_id(part_id), "job_id": job_id, "qty": qty,
                      "unit_price": money(last.unit_price if last else 0)})
    return sorted(found, key=lambda x: x["part"].part_no)


def _line(kind, code, description, qty, unit_price, amount, payer, job_id, rate) -> dict:
    return {"kind": kind, "code": code, "description": description, "qty": text(qty), "unit_price": text(unit_price),
            "amount": text(amount), "tax": text(tax_included(money(amount), rate)), "payer": payer,
            "job": job_id.hex if job_id else None}


def bill_of(order: WorkOrder) -> dict:
    """The live bill of ``order`` (see the module's docstring): lines, per-payer subtotals
    and tax, totals, the insurer named for an insurance share, and the warnings."""
    rate = cashier_settings.percent(cashier_settings.VAT_PERCENT)
    known = estimate.state(order)
    jobs = agreed_jobs(order, known)
    payer_of = {j.id: j.pay_type for j in order_lines.live_jobs(order)}
    agreed_ids = {j.id for j in jobs}
    lines = [_line("labour", j.operation, j.description, j.sold_hours, j.price, j.price, j.pay_type, j.id, rate)
             for j in jobs]
    issued = issued_parts(order)
    for row in issued:
        payer = payer_of.get(row["job_id"], "customer")
        lines.append(_line("part", row["part"].part_no, row["part"].name, row["qty"], row["unit_price"],
                           row["qty"] * row["unit_price"], payer, row["job_id"], rate))
    warnings = []
    net_by_part: dict = {}
    for row in issued:
        net_by_part[row["part"].part_no] = net_by_part.get(row["part"].part_no, ZERO) + row["qty"]
    for line in order_lines.live_part_lines(order):
        if line.job_id is not None and line.job_id not in agreed_ids:
            continue
        if line.non_catalogue:  # materials and other charges: billed as agreed, never issued from stock
            lines.append(_line("other", line.part_no, line.description, line.qty, line.unit_price,
                               line.qty * line.unit_price, line.pay_type, line.job_id, rate))
            continue
        taken = net_by_part.get(line.part_no, ZERO)
        if taken < line.qty:
            warnings.append({"code": line.part_no, "description": line.description, "estimated": text(line.qty),
                             "issued": text(max(taken, ZERO))})
        net_by_part[line.part_no] = taken - line.qty
    lines += insurer_lines(order, lines, rate)
    return {"lines": lines, **sums_of(lines), "vat_percent": cashier_settings.get(cashier_settings.VAT_PERCENT),
            "insurer": order.insurer or "", "claim_no": order.insurance_claim_no or "", "warnings": warnings}


def insurer_lines(order: WorkOrder, lines: list[dict], rate) -> list[dict]:
    """The insurer's share by the one rule (kiosk.services.direct_billing): each move between the
    insurance share and the customer's as a pair of lines, so totals stay the sums of lines."""
    by_payer: dict = {}
    for line in lines:
        by_payer[line["payer"]] = by_payer.get(line["payer"], ZERO) + Decimal(line["amount"])
    pairs = []
    for move in direct_billing.moves(order, by_payer):
        for payer, amount in (("insurance", -move["amount"]), ("customer", move["amount"])):
            pairs.append(_line(direct_billing.KIND, move["code"], move["description"], 1, amount, amount, payer, None, rate))
    return pairs


def sums_of(lines: list[dict]) -> dict:
    """Per payer and overall: amount and tax, each the exact sum of its lines (as text)."""
    by_payer = {p: ZERO for p in PAYERS}
    tax_by_payer = {p: ZERO for p in PAYERS}
    for line in lines:
        by_payer[line["payer"]] = by_payer.get(line["payer"], ZERO) + Decimal(line["amount"])
        tax_by_payer[line["payer"]] = tax_by_payer.get(line["payer"], ZERO) + Decimal(line["tax"])
    kinds = {k: sum((Decimal(x["amount"]) for x in lines if x["kind"] == k), ZERO) for k in ("labour", "part", "other")}
    return {"by_payer": {k: text(v) for k, v in by_payer.items()},
            "tax_by_payer": {k: text(v) for k, v in tax_by_payer.items()},
            "by_kind": {k: text(v) for k, v in kinds.items()},
            "total": text(sum(by_payer.values(), ZERO)), "tax": text(sum(tax_by_payer.values(), ZERO))}


def lines_of(bill: dict, payer: str) -> list[dict]:
    """The lines of ``bill`` one payer pays (a settlement document per payer, a claim's lines)."""
    return [line for line in bill["lines"] if line["payer"] == payer]


def payers_of(bill: dict) -> list[str]:
    """The payers with a share on ``bill``, in the fixed order."""
    return [p for p in PAYERS if lines_of(bill, p)]
