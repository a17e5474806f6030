"""Sessions live on the server (issue #19, item 8): the signed cookie only names a
session, so after logout, badge-out or idle time a copy of it opens nothing; each
login starts a new session id; a page refreshing itself on a timer does not keep
a session alive; a deactivated person's session ends."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.db import connected
from kiosk.models import Staff, StaffSession
from tests.support import PIN

HX = {"HX-Request": "true"}


def cookie_of(client, app) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def with_cookie(app, value: str):
    """Another browser (an attacker's) holding a copy of the cookie."""
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return other


@pytest.mark.postgres  # the session rows on a hub's PostgreSQL too
def test_a_copied_cookie_opens_nothing_after_logout(app, client, make_staff, login):
    login(make_staff("advisor", badge="ADV-S1"))
    assert client.get("/reception/").status_code == 200
    stolen = cookie_of(client, app)
    assert with_cookie(app, stolen).get("/reception/").status_code == 200  # while the session lasts
    client.post("/logout")
    assert client.get("/reception/").status_code == 302
    assert with_cookie(app, stolen).get("/reception/").status_code == 302  # ended on the server
    with app.app_context(), connected():
        assert StaffSession.select().where(StaffSession.ended_at.is_null()).count() == 0


def test_each_login_starts_a_new_session(app, client, make_staff):
    person = make_staff("advisor", badge="ADV-S2")
    client.get("/login")
    before = cookie_of(client, app)  # an attacker may have planted this one
    client.post("/login", data={"badge": person.badge, "pin": PIN})
    after = cookie_of(client, app)
    assert after != before
    assert with_cookie(app, before).get("/reception/").status_code == 302
    client.post("/login", data={"badge": person.badge, "pin": PIN})  # logging in again
    assert with_cookie(app, after).get("/reception/").status_code == 302  # the older session ended
    assert client.get("/reception/").status_code == 200


def test_idle_time_ends_the_session_on_the_server(app, client, make_staff, login):
    login(make_staff("advisor", badge="ADV-S3"))
    stolen = cookie_of(client, app)
    with app.app_context(), connected():
        StaffSession.update(seen_at=times.utcnow() - dt.timedelta(hours=1)).execute()
    assert with_cookie(app, stolen).get("/reception/").status_code == 302
    assert client.get("/reception/").status_code == 302


def test_a_page_refreshing_itself_does_not_keep_the_session_alive(app, client, make_staff, login):
    login(make_staff("advisor", badge="ADV-S4"))
    long_ago = times.utcnow() - dt.timedelta(seconds=60)
    with app.app_context(), connected():
        StaffSession.update(seen_at=long_ago).execute()
    client.get("/sync-status", headers={**HX, "X-Bayflow-Poll": "1"})
    with app.app_context(), connected():
        assert StaffSession.get().seen_at == long_ago
    client.get("/reception/")  # a person touching the screen
    with app.app_context(), connected():
        assert StaffSession.get().seen_at > long_ago


def test_badging_out_ends_the_bay_session_for_a_copied_cookie(app, client, make_staff):
    make_staff("technician", badge="TEC-S5")
    client.post("/bay/scan", data={"code": "TEC-S5", "source": "wedge"}, headers=HX)
    assert 'data-bay-screen="home"' in client.get("/bay/").get_data(as_text=True)
    stolen = cookie_of(client, app)
    client.post("/bay/leave", headers=HX)
    assert 'data-bay-screen="idle"' in with_cookie(app, stolen).get("/bay/").get_data(as_text=True)


def test_a_deactivated_person_is_logged_out(app, client, make_staff, login):
    person = login(make_staff("advisor", badge="ADV-S6"))
    with app.app_context(), connected():
        Staff.update(active=False).where(Staff.id == person.id).execute()
    assert client.get("/reception/").status_code == 302
