"""The reception work-order page on a PostgreSQL hub: lines and NUMERIC totals,
the promised TIMESTAMP, status moves, the signature, locked orders.

These tests of tests/test_workorder_pages.py run here again with ``app`` on PostgreSQL
(tests/postgres/conftest.py): the ones whose SQL differs between the two, not
the input-checking matrices, which never reach the database."""
from tests.test_workorder_pages import (  # noqa: F401  (collected again, on PostgreSQL)
    number,
    query,
    test_a_settled_order_refuses_edits,
    test_add_and_remove_jobs_and_parts_keep_totals,
    test_cancel_asks_first_then_locks_the_order,
    test_customer_signs_and_the_signature_is_kept_by_hash,
    test_page_shows_the_check_in,
    test_promised_time_is_editable,
    test_status_moves_from_the_desk,
    test_what_people_type_is_shown_as_text,
)
