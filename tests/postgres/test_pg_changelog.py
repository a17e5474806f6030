"""The change log on PostgreSQL: every service write records its event, and
folding the events gives back exactly the rows (UUID, NUMERIC, BOOLEAN and
TIMESTAMP columns serialise as they do on SQLite)."""
from tests.test_changelog import (  # noqa: F401  (collected again, on PostgreSQL)
    test_events_number_per_node_without_gaps,
    test_every_service_write_is_logged,
    test_facts_are_append_only,
    test_failed_write_leaves_neither_row_nor_event,
    test_staff_is_a_record_with_hashed_pin,
    test_updates_carry_only_changed_fields,
)
