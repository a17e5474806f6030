"""A customer saved before the identifier rule (the phone kept with +86 in front) is found
again by the rule's form: a returning customer is not made twice, nor refused their own car."""
from __future__ import annotations

import pytest

from kiosk.models import Customer, Vehicle
from kiosk.services import customers


@pytest.mark.parametrize("on_file", ["+8613812345678", "008613812345678", "8613812345678"])
@pytest.mark.parametrize("typed", ["13812345678", "+86 138 1234 5678"])
def test_a_phone_saved_with_the_country_code_is_the_same_customer(db, on_file, typed):
    before = Customer.create(name="张三", phone=on_file)  # as a release before the rule stored it
    Vehicle.create(customer=before, plate="京A12345", vin="LSVAB4BG1DN123456", model="帕萨特")
    found, vehicle = customers.find_or_create("张三", typed, "京A12345", "LSVAB4BG1DN123456", "帕萨特")
    assert found.id == before.id and vehicle.customer_id == before.id
    assert Customer.select().count() == 1
    assert [v.id for v in customers.find_vehicles(typed)] == [vehicle.id]  # the desk's search finds them too


def test_a_new_customer_is_stored_without_the_country_code(db):
    customer, _ = customers.find_or_create("李四", "+86 139 8765 4321", "京C11111", "LFV2A21K1A3012345", "捷达")
    assert customer.phone == "13987654321"
    assert customers.mask_phone("+8613987654321") == customers.mask_phone(customer.phone)
