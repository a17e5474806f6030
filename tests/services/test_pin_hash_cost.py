"""A kiosk hashes PINs at its own argon2 cost; the tests' people are hashed cheaper
(tests/support/speed.py), which the same login checks the same way."""
from __future__ import annotations

import pytest

from kiosk.core.errors import ServiceError
from kiosk.services import staff
from tests.support import speed


def test_a_kiosk_hashes_pins_with_argon2id_at_its_own_cost(db, monkeypatch):
    monkeypatch.setattr(staff, "_hasher", speed.kiosk_pin_hasher())
    person = staff.create_staff("张三", "B-COST-1", ["advisor"], "9753")
    assert person.pin_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert staff.login("B-COST-1", "9753").id == person.id
    with pytest.raises(ServiceError):
        staff.login("B-COST-1", "9754")


def test_the_tests_cheaper_hashes_are_checked_by_the_same_login(db):
    person = staff.create_staff("李四", "B-COST-2", ["advisor"], "9753")
    assert person.pin_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert staff.login("B-COST-2", "9753").id == person.id
    with pytest.raises(ServiceError):
        staff.login("B-COST-2", "9754")
