"""The demo parts counter: catalogue parts with their barcodes as PartBarcode
rows, stock received into the bins, and parts requests from the bays, so a new
user can issue parts by scanning right away. Deterministic (its own seed)."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from kiosk.db import transaction
from kiosk.models import JobLine, Part, PartsRequest, WorkOrder
from kiosk.services import parts as catalogue
from kiosk.services import stock
from sync import changelog

SEED = 6_2026
# Code 39 labels the store's own supplier puts on some boxes (a second code per part).
SUPPLIER_PREFIX = "SH"


def add_part(part_no: str, name: str, name_en: str, price: str, bin_: str, barcodes: list[str]) -> Part:
    """A demo catalogue part through the catalogue service: EAN-13 plus a supplier's Code 39 label."""
    price_ = Decimal(price)
    codes = [{"code": c, "symbology": "EAN13"} for c in barcodes]
    codes.append({"code": f"{SUPPLIER_PREFIX}-{part_no}", "symbology": "Code39"})
    return catalogue.create_part(part_no, name, name_en=name_en, price=price_, bin=bin_, barcodes_=codes,
                                 cost=(price_ * Decimal("0.62")).quantize(Decimal("0.01")),
                                 reorder_point=Decimal(4 if price_ < 200 else 1),
                                 manufacturer_no=f"VW-{part_no}", supplier_no=f"{SUPPLIER_PREFIX}-{part_no}")


def seed_stock(parts: dict[str, Part], clerk, now: dt.datetime) -> None:
    """Opening stock for every part (before the work orders, whose estimates then find it in stock)."""
    rng = random.Random(SEED)
    with transaction():
        for part_no in sorted(parts):
            part = parts[part_no]
            qty = 2 + rng.randrange(4) if part.price >= 1000 else 6 + rng.randrange(20)
            stock.receive(part, qty, staff=clerk, reason="opening")


def seed_requests(now: dt.datetime) -> None:
    """A parts request from the bay on each order in repair (its first job's first part)."""
    with transaction():
        in_repair = (WorkOrder.select().where(WorkOrder.status.in_(("in_repair", "authorized")))
                     .order_by(WorkOrder.number))
        for order in in_repair:
            job = JobLine.select().where(JobLine.work_order == order).order_by(JobLine.position).first()
            line = job and job.part_lines.first()
            if line is None:
                continue
            changelog.save(PartsRequest(work_order=order, job=job, requested_by=job.technician,
                                        part_no=line.part_no, description=line.description, qty=line.qty,
                                        requested_at=now))
