"""The JSON API on a PostgreSQL hub: open and read work orders, reuse customers,
staff and badges, and refused orders rolled back half-way (PostgreSQL's savepoints).

These tests of tests/test_api.py run here again with ``app`` on PostgreSQL
(tests/postgres/conftest.py): the ones whose SQL differs between the two, not
the input-checking matrices, which never reach the database. The ``api`` and
``token`` fixtures come from tests/conftest.py and follow ``app``."""
import pytest

from tests import test_api as on_sqlite
from tests.test_api import (  # noqa: F401  (collected again, on PostgreSQL)
    test_api_writes_record_change_events,
    test_badge_in_use_is_a_conflict,
    test_create_staff_then_log_in,
    test_known_customer_and_vehicle_are_reused,
    test_open_and_read_work_order,
    test_read_shows_estimated_parts_and_totals,
    test_unknown_work_order_is_404,
    test_vehicle_on_file_with_another_plate_is_a_conflict,
)

# Of the bad orders, the ones the service refuses after it has written the
# customer, vehicle and order: the transaction must undo them on PostgreSQL too.
ROLLED_BACK = ["blank job description", "unknown payer"]


@pytest.mark.parametrize("case", ROLLED_BACK)
def test_refused_order_rolls_back(app, api, case):
    on_sqlite.test_bad_work_order_is_refused_and_writes_nothing(app, api, case)
