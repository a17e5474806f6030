"""Appointments on a PostgreSQL hub: booking, a day's list by TIMESTAMP range,
cancelling, advisors by role, all-or-nothing booking.

These tests of tests/test_appointments.py run here again with ``app`` on PostgreSQL
(tests/postgres/conftest.py): the ones whose SQL differs between the two, not
the input-checking matrices, which never reach the database."""
from tests.test_appointments import (  # noqa: F401  (collected again, on PostgreSQL)
    car,
    en,
    test_advisors_are_active_staff_with_the_role,
    test_book_visit_is_all_or_nothing,
    test_booking_for_a_new_customer_creates_customer_and_vehicle,
    test_booking_for_a_vehicle_on_file,
    test_cancel_an_appointment,
    test_list_by_day_with_today_and_tomorrow_tabs,
)
