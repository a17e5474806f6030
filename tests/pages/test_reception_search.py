"""The desk's search on a trigram index (migration m0004): the same answers as a
scan of every vehicle, kept current by triggers whatever writes the rows, and
one query each for the found vehicles' open orders and appointments."""
from __future__ import annotations

import pytest
from peewee import JOIN

from kiosk.core import times
from kiosk.db import database
from kiosk.migrations import m0004_reception_indexes
from kiosk.demo import with_check_digit
from kiosk.models import Customer, Vehicle
from kiosk.services import appointments, customers, identifiers, workorders

PLATES = ["京A12345", "京A12346", "京B67890", "沪C00123", "粤B1_2%3"]


def scanned(query: str) -> list:
    """What a plain LIKE scan finds (the search without its index)."""
    text = query.strip()
    plate = customers.normalize_plate(text)
    phone = customers.normalize_phone(text) if customers.PHONE_TYPED_RE.match(text) else ""
    cond = Vehicle.plate.contains(plate) | Vehicle.vin.contains(plate)
    if len(phone) >= 4:
        cond |= Customer.phone.contains(phone)
    return [v.id for v in Vehicle.select(Vehicle, Customer).join(Customer, JOIN.LEFT_OUTER)
            .where(cond & (Vehicle.deleted == False)).order_by(Vehicle.plate).limit(20)]  # noqa: E712


@pytest.fixture
def cars(db):
    made = []
    for i, plate in enumerate(PLATES):
        vin = with_check_digit(f"LSVAB4BG0DN12345{i}")
        # 粤B1_2%3 tests the LIKE escapes: not a Chinese plate, so taken as an unusual one.
        made.append(customers.find_or_create(f"客户{i}", f"1381234{i:04d}", plate, vin, "大众 帕萨特",
                                             confirm=identifiers.Confirmations(unusual_plate=True))[1])
    return made


def found(query: str) -> list:
    return [v.id for v in customers.find_vehicles(query)]


def test_the_index_answers_like_a_scan(cars):
    assert "vehicle_search" in database.get_tables()
    for query in ("京a 12345", "A1234", "a123", "12345", "B67", "DN123452", "lsvab4bg0dn123451", "13812340003",
                  "1381234", "138 1234 0004", "0123", "沪C", "1_2", "1%3", "_", "%", "Z", "zzz", '"a', "京"):
        assert found(query) == scanned(query), query
    assert found("A1234") == [cars[0].id, cars[1].id]


def test_a_plate_with_digits_is_not_searched_as_a_phone(cars):
    # 京B0123 holds the digits 0123, but a phone number has no letters: only
    # typed digits (and spaces, dashes) search the owner's phone too.
    owner_0123 = customers.find_or_create("赵六", "13900012399", "京Q55555")[1]
    assert owner_0123.id in found("0123") and cars[3].id in found("0123")
    assert found("京B0123") == [] and found("C00123") == [cars[3].id]


def test_the_index_follows_every_change(cars):
    car = cars[0]
    customers.update_vehicle(car, plate="京A99999")
    assert found("A99999") == [car.id] and found("A12345") == []
    customers.update_vehicle(car, vin="LFV2A21K2D3000001")
    assert found("K2D3000001") == [car.id]
    owner = Customer.get_by_id(car.customer_id)
    owner.phone = "13700001111"
    owner.save()  # any write reaches the index, not only the services'
    assert found("13700001111") == [car.id] and car.id not in found("13812340000")
    other = customers.create_customer("新车主", "13600002222")
    customers.update_vehicle(car, customer=other)
    assert found("13600002222") == [car.id]
    Vehicle.update(deleted=True).where(Vehicle.id == car.id).execute()  # a tombstone: no longer found
    assert found("A99999") == []
    Vehicle.delete().where(Vehicle.id == cars[1].id).execute()
    assert found("A12346") == [] and found("A1234") == scanned("A1234")


def test_upserts_from_the_sync_merge_reach_the_index(cars):
    # The merge writes rows with INSERT … ON CONFLICT DO UPDATE.
    car = cars[2]
    row = {**car.__data__, "plate": "京M00001"}
    Vehicle.insert(row).on_conflict(conflict_target=[Vehicle.id],
                                    preserve=[Vehicle.plate, Vehicle.vin]).execute()
    assert found("M00001") == [car.id] and found("B67890") == []
    Vehicle.replace({**row, "plate": "京M00002"}).execute()  # and INSERT OR REPLACE, should anything use it
    assert found("M0000") == [car.id] and found("M00002") == [car.id]


def test_the_migration_indexes_vehicles_already_on_file(cars):
    for name in ("vehicle_search_insert", "vehicle_search_update", "vehicle_search_delete",
                 "customer_search_insert", "customer_search_update"):
        database.execute_sql(f"DROP TRIGGER {name}")
    database.execute_sql("DROP TABLE vehicle_search")
    database.execute_sql("DROP TABLE vehicle_search_key")
    m0004_reception_indexes(database)
    assert found("A1234") == [cars[0].id, cars[1].id] and found("13812340002") == [cars[2].id]


def test_without_the_index_the_search_scans(cars, monkeypatch):
    monkeypatch.setitem(customers._search_index, database.obj, False)
    assert found("A1234") == [cars[0].id, cars[1].id] == scanned("A1234")


def test_results_carry_open_orders_and_todays_booking_of_each_vehicle(client, advisor, cars):
    first, second = cars[0], cars[1]
    order = workorders.open_work_order(first.customer, first, complaint="异响")
    closed = workorders.open_work_order(first.customer, first, complaint="保养")
    workorders.move(closed, "cancelled")
    soon = times.utcnow().replace(second=0, microsecond=0)
    booked = appointments.book(second.customer, second, soon, "保养")
    html = client.get("/reception/", query_string={"q": "A1234"}, headers={"HX-Request": "true"}).get_data(True)
    assert order.number in html and closed.number not in html
    assert f"/reception/check-in?appointment={booked.id.hex}" in html
    assert f"/reception/check-in?vehicle={first.id.hex}" in html
    assert workorders.open_orders_of([first.id, second.id]) == {first.id: [order]}
    assert appointments.booked_for_vehicles([first.id, second.id], soon.date()) == {second.id: booked}
