"""API tokens have a name, scopes and an expiry, are listed and revoked, and every use is
audited (issue #19, item 12). `bayflow token` with no options still prints a token that
makes every call of the contract — staff of ordinary roles included — while creating an
administrator takes an admin's session or a token with the staff_admin scope."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from kiosk.core import times
from kiosk.app import create_app
from kiosk.db import connected, database
from kiosk.models import ApiKey, ApiKeyUse, Staff
from kiosk.services import api_keys
from kiosk.services import staff as staff_service
from kiosk.core.errors import ServiceError
from tests.support import PIN

ORDER = {"customer": {"name": "张建华", "phone": "13800138000"}, "vehicle": {"plate": "沪A12345"},
         "complaint": "保养", "jobs": [{"description": "更换机油", "hours": 1, "price": 300}]}


def call(client, token, method, path, **kwargs):
    return getattr(client, method)(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, **kwargs)


def cli_token(runner, *options) -> str:
    done = runner.invoke(args=["token", *options])
    assert done.exit_code == 0, done.output
    return done.output.strip().splitlines()[-1]


@pytest.fixture
def runner(app):
    from click.testing import CliRunner

    from kiosk.cli import main

    class Runner:
        def invoke(self, args):
            return CliRunner().invoke(main, [*args, "--db", app.config["DATABASE"]])

    yield Runner()
    if not database.is_closed():
        database.close()


def test_the_default_token_makes_every_call_of_the_contract_but_no_administrator(app, client, runner):
    token = cli_token(runner)
    assert call(client, token, "get", "/health").status_code == 200
    made = call(client, token, "post", "/work-orders", json=ORDER)
    assert made.status_code == 201
    number = made.get_json()["number"]
    assert call(client, token, "get", f"/work-orders/{number}").status_code == 200
    assert call(client, token, "post", "/parts", json={"part_no": "P-1", "name": "机油滤清器", "price": 30}).status_code == 201
    assert call(client, token, "post", "/parts/P-1/receipts", json={"qty": 5}).status_code == 201
    assert call(client, token, "post", "/staff", json={"name": "张伟", "badge": "TEC-T1", "roles": ["technician"],
                                                      "pin": "2468"}).status_code == 201
    refused = call(client, token, "post", "/staff", json={"name": "黑客", "badge": "ADM-666", "roles": ["admin"],
                                                         "pin": "1234"})
    assert refused.status_code == 403 and refused.get_json()["detail"]["field"] == "roles"
    assert "staff_admin" in refused.get_json()["detail"]["message"]
    with app.app_context(), connected():
        assert Staff.get_or_none(Staff.badge == "ADM-666") is None


def test_a_staff_admin_token_may_create_an_administrator(client, runner):
    token = cli_token(runner, "--name", "hr-system", "--scope", "read,write", "--scope", "staff_admin")
    made = call(client, token, "post", "/staff", json={"name": "林晓东", "badge": "ADM-002", "roles": ["admin"],
                                                      "pin": "9991"})
    assert made.status_code == 201


def test_a_read_token_only_reads(client, runner):
    token = cli_token(runner, "--scope", "read", "--name", "dashboard")
    assert call(client, token, "get", "/health").status_code == 200
    refused = call(client, token, "post", "/work-orders", json=ORDER)
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"


def test_an_expired_or_revoked_token_opens_nothing(app, client, runner):
    token = cli_token(runner, "--expires", "30d", "--name", "temp")
    assert call(client, token, "get", "/health").status_code == 200
    with app.app_context(), connected():
        ApiKey.update(expires_at=times.utcnow() - dt.timedelta(minutes=1)).where(ApiKey.name == "temp").execute()
    expired = call(client, token, "get", "/health")
    assert expired.status_code == 401 and "expired" in expired.get_json()["detail"]
    other = cli_token(runner, "--name", "dms")
    assert runner.invoke(["token", "--revoke", "dms"]).exit_code == 0
    revoked = call(client, other, "get", "/health")
    assert revoked.status_code == 401 and "revoked" in revoked.get_json()["detail"]


def test_bad_token_options_say_why_in_one_line(runner):
    for options in (["--scope", "everything"], ["--expires", "soon"], ["--expires", "2000-01-01"]):
        done = runner.invoke(["token", *options])
        assert done.exit_code != 0 and len(done.output.strip().splitlines()) == 1, done.output


def test_every_use_leaves_an_audit_row_and_the_list_shows_no_secret(app, client, runner):
    token = cli_token(runner, "--name", "dms")
    call(client, token, "get", "/health")
    call(client, token, "post", "/staff", json={"name": "x", "badge": "ADM-9", "roles": ["admin"], "pin": "1234"})
    with app.app_context(), connected():
        api_keys.flush_uses()  # written in batches (at the latest a second later, by the server's timer)
        uses = [(u.method, u.path, u.status) for u in ApiKeyUse.select().order_by(ApiKeyUse.id)]
    assert uses == [("GET", "/api/v1/health", 200), ("POST", "/api/v1/staff", 403)]
    listed = runner.invoke(["token", "--list"]).output
    assert "dms" in listed and "used 2 times" in listed and token not in listed


@pytest.fixture
def hub(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": str(tmp_path / "hub.sqlite"), "ROLE": "hub",
                      "NODE_PREFIX": "H1", "WTF_CSRF_ENABLED": False, "BABEL_DEFAULT_LOCALE": "en",
                      "DISCOVERY": False})
    with app.app_context(), connected():
        staff_service.create_staff("马志强", "MGR-001", ["manager"], PIN)
        staff_service.create_staff("林晓东", "ADM-001", ["admin"], PIN)
    yield app
    if not database.is_closed():
        database.close()


def logged_in(app, badge):
    client = app.test_client()
    assert client.post("/login", data={"badge": badge, "pin": PIN}).status_code == 302
    return client


def test_the_hub_lists_makes_and_revokes_tokens(hub):
    manager = logged_in(hub, "MGR-001")
    page = manager.post("/hub/tokens", data={"name": "DMS 接口", "scope": ["read", "write"], "expires_days": "90"})
    text = page.get_data(as_text=True)
    token = re.search(r'<code class="big-code">([^<]+)</code>', text).group(1)
    assert call(hub.test_client(), token, "get", "/health").status_code == 200
    listed = manager.get("/hub/tokens").get_data(as_text=True)
    assert "DMS 接口" in listed and token not in listed and "GET /api/v1/health" in listed
    with hub.app_context(), connected():
        key_id = ApiKey.get(ApiKey.name == "DMS 接口").id
    assert manager.post(f"/hub/tokens/{key_id}/revoke").status_code == 302
    assert call(hub.test_client(), token, "get", "/health").status_code == 401
    # Only an administrator hands out the staff_admin scope.
    refused = manager.post("/hub/tokens", data={"name": "hr", "scope": ["read", "write", "staff_admin"]})
    assert refused.status_code == 422 and "Only an administrator" in refused.get_data(as_text=True)
    admin = logged_in(hub, "ADM-001")
    assert admin.post("/hub/tokens", data={"name": "hr", "scope": ["staff_admin", "write"]}).status_code == 200


def test_tokens_made_before_scopes_still_work(tmp_path):
    """A node made before this release: its old token keeps every call it had (read and write)."""
    import sqlite3

    from kiosk.migrations import migrate

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": str(tmp_path / "old.sqlite")})
    database.close()
    raw = sqlite3.connect(tmp_path / "old.sqlite")
    raw.execute("DELETE FROM migrations WHERE name = 'm0008a_security_tables'")
    for table in ("api_key", "api_key_use", "idempotent_answer", "staff_session", "login_attempt"):
        raw.execute(f'DROP TABLE "{table}"')
    raw.execute("INSERT INTO api_token (token_hash, label, created_at) VALUES (?, 'old-dms', '2026-01-01 00:00:00')",
                (api_keys.token_hash("old-secret"),))
    raw.commit()
    raw.close()
    with app.app_context(), connected():
        migrate(database)
        key = api_keys.authenticate("old-secret")
        assert key.name == "old-dms" and api_keys.scopes_of(key) == {"read", "write"}
        # Its old row is kept for a rollback to the previous release, until it is revoked here.
        from kiosk.models import ApiToken

        assert ApiToken.select().where(ApiToken.label == "old-dms").exists()
        api_keys.revoke("old-dms")
        assert not ApiToken.select().where(ApiToken.label == "old-dms").exists()
    with pytest.raises(ServiceError):
        with app.app_context(), connected():
            api_keys.authenticate("another")
