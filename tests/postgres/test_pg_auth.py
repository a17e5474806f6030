"""Badge and PIN login on a PostgreSQL hub, and the lockout's upsert (ON CONFLICT
... DO UPDATE there, not SQLite's REPLACE).

These tests of tests/test_auth.py run here again with ``app`` on PostgreSQL
(tests/postgres/conftest.py): the ones whose SQL differs between the two, not
the input-checking matrices, which never reach the database."""
from tests.test_auth import (  # noqa: F401  (collected again, on PostgreSQL)
    test_badge_then_pin_logs_in,
    test_forms_need_the_csrf_token,
    test_idle_logout_returns_to_home,
    test_lockout_grows_with_each_wrong_pin,
    test_unknown_badge_and_wrong_pin_say_so,
)
