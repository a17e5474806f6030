"""Login by badge and PIN, lockout, idle logout, CSRF, and role checks."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from kiosk.core import times
from kiosk.db import connected
from kiosk.models import StaffSession
from kiosk.services import pin_lock
from kiosk.services import staff as staff_service
from kiosk.core.errors import ServiceError
from tests.support import PIN


@pytest.mark.postgres
def test_badge_then_pin_logs_in(client, make_staff):
    person = make_staff("advisor", name="王芳", badge="ADV-900")
    step1 = client.post("/login", data={"badge": "adv-900"})
    # The PIN step names the badge, not the person: a badge code alone tells a stranger nothing.
    assert step1.status_code == 200 and "ADV-900" in step1.data.decode() and "王芳" not in step1.data.decode()
    done = client.post("/login", data={"badge": "ADV-900", "pin": PIN, "next": "/reception/"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/reception/")
    assert "王芳" in client.get("/reception/").data.decode()
    assert person.badge == "ADV-900"


@pytest.mark.postgres
def test_unknown_badge_and_wrong_pin_say_so(client, make_staff):
    make_staff("advisor", badge="ADV-901")
    unknown = client.post("/login", data={"badge": "NOPE-1"})
    assert unknown.status_code == 400 and 'id="login-error"' in unknown.data.decode()
    wrong = client.post("/login", data={"badge": "ADV-901", "pin": "0000"})
    assert wrong.status_code == 400 and 'id="login-error"' in wrong.data.decode()
    assert client.get("/reception/").status_code == 302  # still not logged in


@pytest.mark.postgres
def test_lockout_grows_with_each_wrong_pin(db, make_staff):
    make_staff("cashier", badge="CSH-1")
    now = dt.datetime(2026, 11, 27, 9, 0)
    waits = []
    for attempt in range(5):
        with pytest.raises(ServiceError) as info:
            staff_service.login("CSH-1", "0000", now=now)
        waits.append((info.value.detail or {}).get("retry_after", 0))
        now += dt.timedelta(seconds=waits[-1] + 1)
    assert waits[:2] == [0, 0] and waits[2] > 0
    assert waits[2] < waits[3] < waits[4]
    # While locked, even the right PIN is refused.
    locked_until = pin_lock.state("CSH-1", now).locked_until
    with pytest.raises(ServiceError):
        staff_service.login("CSH-1", PIN, now=locked_until - dt.timedelta(seconds=1))
    # After the lock, the right PIN works and clears the count.
    assert staff_service.login("CSH-1", PIN, now=locked_until + dt.timedelta(seconds=1))
    assert pin_lock.state("CSH-1", locked_until + dt.timedelta(seconds=2)).failures == 0


def untouched_for(app, seconds: int) -> None:
    """The sessions kept on the server were last used ``seconds`` ago."""
    with app.app_context(), connected():
        StaffSession.update(seen_at=times.utcnow() - dt.timedelta(seconds=seconds)).execute()


@pytest.mark.postgres
def test_idle_logout_returns_to_home(app, client, advisor):
    assert client.get("/reception/").status_code == 200
    untouched_for(app, app.config["IDLE_SECONDS"]["reception"] + 5)
    response = client.get("/reception/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/reception/").status_code == 302  # logged out for good


def test_idle_time_is_a_setting_per_station(app, client, make_staff, login):
    """Reception keeps a session through a customer conversation; the parts counter and the bay end sooner."""
    login(make_staff("advisor", "parts_clerk"))
    idle = app.config["IDLE_SECONDS"]
    assert idle["reception"] >= 600 and idle["cashier"] >= 600 and idle["bay"] < idle["parts"] < idle["reception"]
    page = client.get("/reception/").get_data(as_text=True)
    assert f'data-idle-seconds="{idle["reception"]}"' in page
    untouched_for(app, 600)  # ten minutes without a touch, talking to the customer
    assert client.get("/reception/").status_code == 200
    assert f'data-idle-seconds="{idle["parts"]}"' in client.get("/parts/").get_data(as_text=True)
    untouched_for(app, idle["parts"] + 5)
    assert client.get("/parts/").status_code == 302  # the counter's shorter idle time ended it
    app.config["IDLE_SECONDS"] = {**idle, "parts": 3600}
    login(make_staff("parts_clerk", badge="PRT-909"))
    untouched_for(app, 1800)
    assert client.get("/parts/").status_code == 200  # a store may set its own


def test_role_sees_only_its_own_work(client, make_staff, login):
    login(make_staff("technician"))
    response = client.get("/reception/")
    assert response.status_code == 403


@pytest.mark.postgres
def test_forms_need_the_csrf_token(app, make_staff):
    app.config["WTF_CSRF_ENABLED"] = True
    make_staff("advisor", badge="ADV-902")
    client = app.test_client()
    refused = client.post("/login", data={"badge": "ADV-902", "pin": PIN})
    assert refused.status_code == 400
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    accepted = client.post("/login", data={"badge": "ADV-902", "pin": PIN, "csrf_token": token})
    assert accepted.status_code == 302
    # htmx sends the same token as a header, taken from <body hx-headers>.
    assert 'hx-headers=\'{"X-CSRFToken": "' in client.get("/").data.decode()


def test_chinese_by_default_and_english_on_request(app, client):
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_Hans_CN"  # the shipped default
    assert "扫描" in client.get("/login").data.decode()
    client.post("/lang/en", data={"next": "/login"})
    assert "Scan your badge" in client.get("/login").data.decode()
