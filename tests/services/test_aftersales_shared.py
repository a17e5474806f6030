"""The schema the after-sales stations share (m0012a): a delivered order's fact travels
like any other, and the test helper that hands cars back moves the order as delivery will."""
from __future__ import annotations

import datetime as dt

from kiosk.models import Delivery, Vehicle, WorkOrder
from sync.tables import ChangeEvent
from tests.support.aftersales import deliver_for_test
from tests.support.bay import make_order


def test_a_delivery_is_a_replicated_fact_and_the_order_is_delivered(db):
    order = make_order()
    order.promised_at = dt.datetime(2026, 12, 1, 10, 0)
    order.save()
    delivery = deliver_for_test(order, at=dt.datetime(2026, 12, 1, 9, 30), mileage=30120)
    assert WorkOrder.get_by_id(order.id).status == "delivered"
    stored = Delivery.get_by_id(delivery.id)
    assert stored.on_time is True and stored.mileage == 30120
    assert ChangeEvent.select().where(ChangeEvent.entity == Delivery._meta.table_name).count() == 1


def test_the_shared_columns_default_to_empty(db):
    order = make_order()
    vehicle = Vehicle.get_by_id(order.vehicle_id)
    assert vehicle.sold_on is None and not vehicle.sold_here and vehicle.insurer == ""
    assert (order.comeback_of, order.repair_type, order.insurer, order.insurance_claim_no) == ("", "", "", "")
