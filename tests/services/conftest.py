"""Service tests call kiosk/services directly: their node serves no pages, and
the people in them exist without logging in anywhere."""
from __future__ import annotations

import pytest


@pytest.fixture
def web_pages():
    return False


@pytest.fixture
def advisor(make_staff):
    """A service advisor (not logged in: services take the person as an argument)."""
    return make_staff("advisor", name="王顾问")
