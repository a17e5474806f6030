"""Work orders ready for the workshop, and the pieces extra work needs (a signature, a part on file)."""
from __future__ import annotations

import base64
import io
import json

from PIL import Image, ImageDraw

from kiosk.db import transaction
from kiosk.models import Part, WorkOrder
from kiosk.services import authorization, customers, workorders
from sync import changelog


def make_order(advisor=None, jobs=(("更换前刹车片", "1.0"), ("四轮定位", "0.8")), *, authorized=True,
               technician=None, plate="沪A12345"):
    """An order with ``jobs`` (description, hours); signed (authorized) unless told otherwise."""
    customer = customers.find_or_create_customer("张先生", "13800000001")
    vehicle = customers.create_vehicle(customer, plate, model="大众 帕萨特", mileage=30000)
    order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="刹车异响")
    for description, hours in jobs:
        workorders.add_job(order, description, hours, 300, technician=technician)
    if authorized:
        workorders.move(order, "diagnosis")
        workorders.move(order, "estimate")
        authorization.authorize(order, "0" * 64)
    return WorkOrder.get_by_id(order.id)


def jobs_of(order):
    return workorders.live_jobs(WorkOrder.get_by_id(order.id))


def fresh(row):
    return type(row).get_by_id(row.id)


def signature(ink: bool = True) -> str:
    image = Image.new("RGBA", (300, 120), (255, 255, 255, 255))
    if ink:
        ImageDraw.Draw(image).line([(20, 60), (120, 20), (200, 100), (280, 40)], fill=(10, 10, 40, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def catalogue_part(part_no="5QD698151", name="前刹车片", price="560.00"):
    with transaction():
        part = Part(part_no=part_no, name=name, price=price, barcodes=json.dumps(["6920000000017"]))
        changelog.save(part)
    return part
