"""Retried calls and PIN lockout on a PostgreSQL hub: the idempotent answer is kept in
the call's own transaction, the PIN count read and written in one (the advisory write
lock), as on SQLite. Tests of tests/test_idempotency.py and tests/test_pin_lockout.py,
collected again with ``app`` on PostgreSQL (tests/postgres/conftest.py)."""
from tests.test_idempotency import (  # noqa: F401  (collected again, on PostgreSQL)
    test_a_refusal_is_not_kept_so_a_corrected_retry_runs,
    test_the_same_key_again_gets_the_first_answer_and_writes_nothing,
    test_the_same_key_for_another_request_is_refused,
)
from tests.test_pin_lockout import test_a_manager_unlocks_without_giving_new_free_tries  # noqa: F401
from tests.test_sessions import test_a_copied_cookie_opens_nothing_after_logout  # noqa: F401
