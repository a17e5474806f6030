"""Old parts' chain of custody: a part replaced under warranty is tagged, scanned into
the old-parts store with its bin, scanned out into a return shipment to the
manufacturer (its packing list prints), or scrapped after the retention period.

The tag (``OldPartTag``, barcode = its number) is printed at the bay or the parts
counter; every scan is an ``OldPartScan`` fact, so two kiosks that scanned
offline converge by union, and where a part is is always its latest scan. A
warranty part never goes home with the customer: ``check_customer_return``
refuses it whatever the settlement's choice says (the cashier's settlement calls
it, #12).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.core import times
from kiosk.core.errors import NotFound, ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import JobLine, Part, StockMove, WorkOrder
from kiosk.models.claims import OldPartScan, OldPartTag, WarrantyClaim
from kiosk.services import claim_settings
from kiosk.services.numbers import next_number
from sync import changelog

ACTIONS = ("store", "ship", "scrap")
PLACE_LABELS = {"tagged": _l("Tagged, not yet in the store"), "store": _l("In the old-parts store"),
                "ship": _l("Shipped to the manufacturer"), "scrap": _l("Scrapped")}


def issued(order: WorkOrder) -> dict[tuple, Decimal]:
    """Net parts issued to ``order`` per (part id, job id); an old part handed back to the
    counter (a return marked ``old_part``) is kept for the claim, so it does not count back."""
    net: dict = {}
    for move in StockMove.select().where((StockMove.work_order == order) & StockMove.kind.in_(("issue", "return"))
                                         & (StockMove.old_part == False)):  # noqa: E712
        key = (move.part_id, move.job_id)
        net[key] = net.get(key, Decimal(0)) - move.qty
    return net


def issued_part_nos(order: WorkOrder, job_ids=None) -> dict[str, Decimal]:
    """{part number: net qty} issued to ``order`` (to the jobs ``job_ids`` when given)."""
    net: dict = {}
    for (part, job), qty in issued(order).items():
        if qty > 0 and (job_ids is None or job in job_ids):
            net[part] = net.get(part, Decimal(0)) + qty
    parts = {p.id: p.part_no for p in Part.select().where(Part.id.in_(list(net)))} if net else {}
    return {parts[p]: q for p, q in net.items()}


def tags_of_job(job) -> list[OldPartTag]:
    """The old-part tags of a warranty job, oldest first."""
    return list(OldPartTag.select().where((OldPartTag.job == job) & (OldPartTag.deleted == False))  # noqa: E712
                .order_by(OldPartTag.tagged_at))


def tags_of(claim: WarrantyClaim) -> list[OldPartTag]:
    """The claim's old-part tags: those of its job."""
    return tags_of_job(claim.job_id)


def claim_of(tag_row: OldPartTag) -> WarrantyClaim | None:
    """The claim of the tag's job, once it is built."""
    return WarrantyClaim.get_or_none((WarrantyClaim.job == tag_row.job_id)
                                     & (WarrantyClaim.deleted == False))  # noqa: E712


def get_tag(code: str) -> OldPartTag:
    tag = OldPartTag.get_or_none((OldPartTag.number == (code or "").strip().upper())
                                 & (OldPartTag.deleted == False))  # noqa: E712
    if tag is None:
        raise NotFound(_l("No old-part tag %(code)s.", code=code), field="code")
    return tag


def tag_job(job: JobLine, part_no: str, staff=None) -> OldPartTag:
    """A print-ready tag for a part issued to a warranty job (one tag a part number): at the
    bay, the parts counter or the claims desk."""
    part_no = (part_no or "").strip().upper()
    if job.pay_type != "warranty":
        raise ServiceError(_l("Only a part replaced under warranty gets an old-part tag."), field="part_no",
                           status=409)
    order = job.work_order
    if part_no not in issued_part_nos(order, {job.id}):
        raise ServiceError(_l("Part %(part)s was not issued to this job.", part=part_no), field="part_no",
                           status=409)
    if any(t.part_no == part_no for t in tags_of_job(job)):
        raise ServiceError(_l("Part %(part)s is tagged already.", part=part_no), field="part_no", status=409)
    with transaction():
        # Short enough for a Code 128 on the parts label: OPR1-261202-0001.
        row = OldPartTag(number="OP" + next_number("OP").replace("-20", "-", 1), work_order=order, job=job,
                         part_no=part_no, vin=order.vehicle.vin, tagged_at=times.utcnow(), tagged_by=staff)
        changelog.save(row)
    return row


def tag(claim: WarrantyClaim, part_no: str, staff=None) -> OldPartTag:
    """The tag of a part of the claim's job (the claims desk, the API)."""
    return tag_job(claim.job, part_no, staff)


def job_parts_to_tag(job: JobLine) -> list[tuple[str, OldPartTag | None]]:
    """A warranty job's parts issued and their tags (None: not tagged yet), for the bay and counter."""
    if job.pay_type != "warranty":
        return []
    tags = {t.part_no: t for t in tags_of_job(job)}
    return [(p, tags.get(p)) for p in sorted(issued_part_nos(job.work_order, {job.id}))]


def scans(tag_row: OldPartTag) -> list[OldPartScan]:
    return list(OldPartScan.select().where(OldPartScan.tag == tag_row).order_by(OldPartScan.at, OldPartScan.id))


def place(tag_row: OldPartTag) -> dict:
    """Where the part is: ``{"where": tagged|store|ship|scrap, "bin", "shipment", "at"}``."""
    history = scans(tag_row)
    if not history:
        return {"where": "tagged", "bin": "", "shipment": "", "at": tag_row.tagged_at}
    last = history[-1]
    return {"where": last.action, "bin": last.bin, "shipment": last.shipment, "at": last.at}


def overdue(tag_row: OldPartTag, today: dt.date | None = None) -> bool:
    """Not back in the old-parts store within the store's days (a flag on the claim)."""
    if place(tag_row)["where"] != "tagged":
        return False
    days = claim_settings.get("old_part_return_days")
    return (today or times.today()) > times.local_date(tag_row.tagged_at) + dt.timedelta(days=days)


def new_shipment() -> str:
    """A return shipment's number (the packing list groups the parts scanned into it)."""
    with transaction():
        return f"RS-{next_number('RS')}"


def scan(code: str, action: str, *, bin: str = "", shipment: str = "", staff=None, terminal: str = "",
         now: dt.datetime | None = None) -> OldPartScan:
    """One scan of an old-part tag: into the store (a bin), into a shipment, or scrapped."""
    if action not in ACTIONS:
        raise ServiceError(_l("There is no such old-part scan."), field="action")
    row = get_tag(code)
    where = place(row)["where"]
    if where in ("ship", "scrap"):
        raise ServiceError(_l("Old part %(code)s has left the store already.", code=row.number), status=409)
    # A bin label scanned into the field carries its prefix ("BIN:J-01", hardware.labels_kinds).
    bin = (bin or "").strip().upper().removeprefix("BIN:")[:20]
    shipment = (shipment or "").strip().upper()[:40]
    if action == "store" and not bin:
        raise ServiceError(_l("Scan or enter the bin."), field="bin")
    if action == "ship" and not shipment:
        raise ServiceError(_l("Start a return shipment first."), field="shipment")
    if action in ("ship", "scrap") and where != "store":
        raise ServiceError(_l("Old part %(code)s is not in the old-parts store.", code=row.number), status=409)
    now = now or times.utcnow()
    if action == "scrap":
        kept = now - row.tagged_at
        if kept < dt.timedelta(days=claim_settings.get("old_part_retention_days")):
            raise ServiceError(_l("The manufacturer wants old part %(code)s kept for %(days)s days.",
                                  code=row.number, days=claim_settings.get("old_part_retention_days")), status=409)
    with transaction():
        event = OldPartScan(tag=row, action=action, bin=bin if action == "store" else "",
                            shipment=shipment if action == "ship" else "", staff=staff, at=now, terminal=terminal)
        changelog.save(event)
    return event


def packing_list(shipment: str) -> list[dict]:
    """The parts whose latest scan put them into ``shipment``."""
    rows = []
    ids = OldPartScan.select(OldPartScan.tag).where(OldPartScan.shipment == (shipment or "").strip().upper())
    for row in OldPartTag.select().where(OldPartTag.id.in_(ids)).order_by(OldPartTag.number):
        where = place(row)
        if where["where"] == "ship" and where["shipment"] == shipment.strip().upper():
            claim = claim_of(row)
            rows.append({"tag": row.number, "claim": claim.number if claim else "",
                         "work_order": row.work_order.number, "part_no": row.part_no, "vin": row.vin,
                         "tagged_on": times.local_date(row.tagged_at).isoformat()})
    return rows


def in_store() -> list[tuple[OldPartTag, dict]]:
    """Every tagged part still in the store or not yet brought in, with its place."""
    live = OldPartTag.select().where(OldPartTag.deleted == False).order_by(OldPartTag.tagged_at)  # noqa: E712
    return [(t, p) for t in live for p in [place(t)] if p["where"] in ("tagged", "store")]


def warranty_part_nos(order: WorkOrder) -> set[str]:
    """The parts issued to the order's warranty jobs: they stay with the store."""
    jobs = {j.id for j in JobLine.select().where((JobLine.work_order == order) & (JobLine.pay_type == "warranty"))}
    return set(issued_part_nos(order, jobs))


def check_customer_return(order: WorkOrder, part_nos) -> None:
    """Refuse to hand a warranty part to the customer (the manufacturer owns it)."""
    kept = sorted(warranty_part_nos(order) & {str(p).strip().upper() for p in part_nos})
    if kept:
        raise ServiceError(_l("Warranty parts stay with the store for the manufacturer: %(parts)s.",
                              parts=", ".join(kept)), status=409, field="old_parts")


def label_data(tag_row: OldPartTag) -> dict:
    """The tag as the label printer prints it (a part label): the barcode is the tag's number,
    the text the claim (the work order before the claim is built), part number, VIN and date."""
    day = times.local_date(tag_row.tagged_at).isoformat()
    claim = claim_of(tag_row)
    number = claim.number if claim else tag_row.work_order.number
    return {"part_no": tag_row.part_no, "name": f"{number} · {tag_row.vin} · {day}",
            "barcode": tag_row.number}
