"""The reception desk on a PostgreSQL hub: search by plate, VIN and phone (ILIKE
there, LIKE on SQLite), today's appointments and open orders.

These tests of tests/test_reception_desk.py run here again with ``app`` on PostgreSQL
(tests/postgres/conftest.py): the ones whose SQL differs between the two, not
the input-checking matrices, which never reach the database."""
from tests.test_reception_desk import (  # noqa: F401  (collected again, on PostgreSQL)
    car,
    en,
    test_a_scanned_work_order_number_opens_that_order,
    test_desk_shows_today_and_tomorrow_and_open_orders_with_masked_phones,
    test_live_search_answers_with_the_results_fragment,
    test_search_finds_a_vehicle_by_plate_vin_and_phone,
    test_unknown_plate_says_so_and_offers_to_create_the_customer,
)
