"""Vehicle check-in on a PostgreSQL hub: from an appointment (once only), walk-ins,
the warranty date, and all-or-nothing writes.

These tests of tests/test_checkin.py run here again with ``app`` on PostgreSQL
(tests/postgres/conftest.py): the ones whose SQL differs between the two, not
the input-checking matrices, which never reach the database."""
from tests.test_checkin import (  # noqa: F401  (collected again, on PostgreSQL)
    booked,
    car,
    en,
    test_check_in_from_an_appointment,
    test_check_in_walk_in_service_is_all_or_nothing,
    test_checking_in_an_appointment_twice_is_refused,
    test_walk_in_with_a_new_customer_and_vehicle,
    test_walk_in_with_a_vehicle_on_file,
    test_warranty_active,
)
