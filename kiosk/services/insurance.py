"""Insurance repairs (保险理赔): the case, the insurer's assessment (定损) and its
supplements (追加定损), direct billing (直赔) and what each insurer owes.

For the cashier's settlement (#12) — what the lead wires at the merge:
    ``insurer_share(order)`` answers ``None`` for an order without an insurance case,
    else a dict of Decimals: ``store_amount`` (what the store priced), ``assessed``
    (the insurer's assessed total, supplements included), ``refused`` (items the
    assessor refused or cut: store amount minus assessed amount, line by line),
    ``excess`` (免赔额), ``depreciation`` (折旧), ``insurer`` (= assessed − excess −
    depreciation, never below 0) and ``customer`` (= store amount − insurer).
    With ``direct_billing`` true (and the assignment signed: ``assignment_signed``),
    the settlement bills ``insurer`` to payer ``insurance`` (settled to the insurer)
    and the customer pays ``customer``; without direct billing the customer pays
    everything and claims from the insurer. ``check_direct_billing(order)`` refuses
    (409) a direct-billed settlement before the customer signed the assignment.
The settlement does both (kiosk.services.settlement, kiosk.services.direct_billing): the
frozen bill's insurance share is ``insurer``, the rest is on the customer's share as
lines of their own. The insurer's payments and the receivables per insurer are
kiosk.services.insurer_accounts (the cashier's ``payments.payer_account(order,
"insurance")``, one rule).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.core import times
from kiosk.core.errors import NotFound, ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import WorkOrder
from kiosk.models.claims import Assessment, AssessmentLine, AssessmentPhoto, InsuranceCase
from kiosk.services import claim_codes, files, signatures
from kiosk.services.findings import photo_jpeg
from sync import changelog

ZERO = Decimal("0.00")
LINE_KINDS = ("replace", "repair", "paint", "labour", "material")
LINE_LABELS = {"replace": _l("Replace"), "repair": _l("Repair"), "paint": _l("Paint"), "labour": _l("Labour"),
               "material": _l("Materials")}
LIABILITIES = ("full", "main", "equal", "minor", "none")
LIABILITY_LABELS = {"full": _l("Full liability"), "main": _l("Main liability"), "equal": _l("Equal liability"),
                    "minor": _l("Minor liability"), "none": _l("No liability")}


def case_of(order: WorkOrder) -> InsuranceCase | None:
    return InsuranceCase.get_or_none((InsuranceCase.work_order == order) & (InsuranceCase.deleted == False))  # noqa: E712


def _clean(values: dict) -> dict:
    out = {}
    for key in ("insurer", "policy_no", "report_no", "assessor"):
        if key in values:
            out[key] = str(values[key] or "").strip()[:80]
    if "liability" in values:
        if values["liability"] not in LIABILITIES:
            raise ServiceError(_l("Choose the liability."), field="liability")
        out["liability"] = values["liability"]
    if values.get("accident_date") not in (None, ""):
        try:
            out["accident_date"] = dt.date.fromisoformat(str(values["accident_date"]).strip())
        except ValueError:
            raise ServiceError(_l("Enter the date as YYYY-MM-DD."), field="accident_date")
    for key in ("excess", "depreciation"):
        if values.get(key) not in (None, ""):
            out[key] = claim_codes.money(values[key], key)
    if "direct_billing" in values:
        out["direct_billing"] = str(values["direct_billing"]).lower() in ("1", "true", "on", "yes")
    return out


def open_case(order: WorkOrder, values: dict, staff=None) -> InsuranceCase:
    """Record the accident repair's insurance (or correct it): insurer, policy, report number …"""
    clean = _clean(values)
    case = case_of(order)
    with transaction():
        if case is None:
            if not clean.get("insurer") or not clean.get("report_no"):
                raise ServiceError(_l("Enter the insurer and the report number."), field="insurer")
            case = InsuranceCase(work_order=order, opened_at=times.utcnow(), opened_by=staff, **clean)
            changelog.save(case)
        else:
            changelog.save_changes(case, clean)
        changelog.save_changes(order, {"insurer": case.insurer, "insurance_claim_no": case.report_no})
    return case


def add_assessment(case: InsuranceCase, lines: list[dict], *, assessor: str = "", note: str = "", staff=None,
                   photos: list[bytes] = (), folder=None) -> Assessment:
    """The assessment (the first) or a supplement (every later one), with lines and photos."""
    clean = []
    for n, line in enumerate(lines, start=1):
        if line.get("kind") not in LINE_KINDS:
            raise ServiceError(_l("Line %(n)s: choose replace, repair, paint, labour or materials.", n=n),
                               field="kind")
        description = str(line.get("description") or "").strip()[:120]
        if not description:
            raise ServiceError(_l("Line %(n)s: describe the item.", n=n), field="description")
        clean.append((line["kind"], description, claim_codes.money(line.get("store_amount", 0), "store_amount"),
                      claim_codes.money(line.get("assessed_amount", 0), "assessed_amount")))
    if not clean:
        raise ServiceError(_l("Enter at least one line."), field="description")
    stored = [files.store(folder, photo_jpeg(p)) for p in photos]
    seq = Assessment.select().where(Assessment.case == case).count()
    with transaction():
        row = Assessment(case=case, seq=seq, assessor=(assessor or case.assessor)[:80], staff=staff,
                         at=times.utcnow(), note=(note or "")[:500])
        changelog.save(row)
        for kind, description, store_amount, assessed in clean:
            changelog.save(AssessmentLine(assessment=row, kind=kind, description=description,
                                          store_amount=store_amount, assessed_amount=assessed))
        for digest in stored:
            changelog.save(AssessmentPhoto(assessment=row, photo=digest, at=row.at))
    return row


def assessments(case: InsuranceCase) -> list[dict]:
    """Each assessment with its lines, photos and totals, the first one first."""
    out = []
    for row in Assessment.select().where(Assessment.case == case).order_by(Assessment.at, Assessment.id):
        lines = list(AssessmentLine.select().where(AssessmentLine.assessment == row).order_by(AssessmentLine.id))
        out.append({"assessment": row, "lines": lines,
                    "photos": [p.photo for p in AssessmentPhoto.select().where(AssessmentPhoto.assessment == row)],
                    "store_amount": sum((x.store_amount for x in lines), ZERO),
                    "assessed": sum((x.assessed_amount for x in lines), ZERO)})
    return out


def sign_assignment(case: InsuranceCase, data_url: str, folder, staff=None) -> InsuranceCase:
    """The customer signs the assignment of the claim to the store (直赔)."""
    content = signatures.checked_png(data_url)
    with signatures.stored(folder, content) as digest:
        return record_assignment(case, digest, staff)


def record_assignment(case: InsuranceCase, digest: str, staff=None) -> InsuranceCase:
    """The signed assignment (its stored PNG's hash) on the case: the case is billed directly."""
    if not digest:
        raise ServiceError(_l("The signature is empty. Ask the customer to sign in the box."), field="signature")
    with transaction():
        changelog.save_changes(case, {"assignment_signature": digest, "assignment_signed_at": times.utcnow(),
                                      "direct_billing": True})
    return case


def share_of_case(case: InsuranceCase) -> dict:
    """The parts of the insurer's share (see the module's docstring)."""
    lines = [x for a in assessments(case) for x in a["lines"]]
    store_amount = sum((x.store_amount for x in lines), ZERO)
    assessed = sum((x.assessed_amount for x in lines), ZERO)
    refused = sum((max(x.store_amount - x.assessed_amount, ZERO) for x in lines), ZERO)
    insurer = max(assessed - case.excess - case.depreciation, ZERO)
    return {"store_amount": store_amount, "assessed": assessed, "refused": refused, "excess": case.excess,
            "depreciation": case.depreciation, "insurer": insurer, "customer": store_amount - insurer,
            "direct_billing": bool(case.direct_billing), "assignment_signed": bool(case.assignment_signature)}


def insurer_share(order: WorkOrder) -> dict | None:
    """The insurer's share of ``order`` and its parts, or None without an insurance case."""
    case = case_of(order)
    return share_of_case(case) if case is not None else None


def check_direct_billing(order: WorkOrder) -> None:
    """A direct-billed order is settled only after the customer signed the assignment."""
    case = case_of(order)
    if case is not None and case.direct_billing and not case.assignment_signature:
        raise ServiceError(_l("The customer has not signed the assignment for direct billing."), status=409)


def get_case(case_id) -> InsuranceCase:
    case = InsuranceCase.get_or_none((InsuranceCase.id == case_id) & (InsuranceCase.deleted == False))  # noqa: E712
    if case is None:
        raise NotFound(_l("There is no such insurance case."))
    return case


def open_cases() -> list[InsuranceCase]:
    return list(InsuranceCase.select().where(InsuranceCase.deleted == False)  # noqa: E712
                .order_by(InsuranceCase.opened_at.desc()).limit(200))
