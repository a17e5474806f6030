"""Small builders for the parts-counter tests: a work order with job lines, parts with stock."""
from __future__ import annotations

from kiosk.services import customers, parts, stock, workorders


def order_with_jobs(*jobs: dict, advisor=None):
    """An open work order with the given job lines (``{"description", "pay_type"}``)."""
    customer = customers.create_customer("张三", "13812345678")
    vehicle = customers.create_vehicle(customer, "沪A12345", model="Passat")
    return workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="保养",
                                      jobs=list(jobs) or [{"description": "保养"}])


def part_in_stock(part_no="06L115562B", qty=5, barcode="6901234567892", bin_="A-01-01", price="68", cost="40"):
    """A catalogue part with ``qty`` received into its bin."""
    part = parts.create_part(part_no, "机油滤清器", name_en="Oil filter", barcodes_=[barcode] if barcode else [],
                             price=price, cost=cost, bin=bin_)
    if qty:
        stock.receive(part, qty)
    return part
