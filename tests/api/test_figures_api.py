"""``GET /api/v1/figures`` (CONTRACT.md): the known history's figures by period and person,
null where nothing counts, a clear 400 for a bad period, and a token to call it."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from tests.support import figures as history


@pytest.fixture
def shop(app):
    with app.app_context(), connected():
        return history.build()


def test_the_month_in_the_contracts_shape(api, shop):
    answer = api("get", "/figures?from=2026-10-01&to=2026-10-31")
    assert answer.status_code == 200
    body = answer.get_json()
    for key in ("delivered", "revenue", "first_time_fix", "csi", "follow_up_rate", "complaint_rate", "on_time",
                "efficiency", "productivity", "fill_rate"):
        assert key in body
    assert body["delivered"] == 5 and body["from"] == "2026-10-01" and body["to"] == "2026-10-31"
    for key, expected in history.EXPECTED.items():
        assert history.close(body[key], expected), key
    assert history.close(body["fill_rate"], 2 / 3)
    assert body["revenue"] == history.REVENUE and body["revenue_total"] == 3400.0
    assert body["csi"] == 80.0 and body["follow_up_rate"] == 0.6 and body["complaint_rate"] == 0.4
    assert body["csi_parts"] == history.CSI_PARTS and body["receivables_by_insurer"] == {"平安保险": 250.0}
    assert body["targets"]["complaint_rate"] == 1.0
    assert body["loss_minutes"]["parts"] == 30
    assert history.close(body["by_advisor"]["ADV-802"]["first_time_fix"], 2 / 3)
    assert history.close(body["by_technician"]["TEC-802"]["efficiency"], 1.5)
    assert history.close(body["by_clerk"]["PRT-801"]["line_fill"], 2 / 3)


def test_a_day_and_an_empty_period(api, shop):
    day = api("get", "/figures?period=day&day=2026-10-06").get_json()
    assert day["delivered"] == 1 and day["on_time"] == 0
    empty = api("get", "/figures?from=2026-08-01&to=2026-08-31").get_json()
    assert empty["delivered"] == 0 and empty["first_time_fix"] is None and empty["efficiency"] is None
    assert empty["csi"] is None and empty["complaint_rate"] is None and empty["follow_up_rate"] is None
    assert empty["revenue"] == {"customer": 0.0, "warranty": 0.0, "insurance": 0.0, "internal": 0.0}


@pytest.mark.parametrize("query, field", [("from=2026-10-40", "from"), ("from=2026-10-05&to=2026-10-01", "to"),
                                          ("period=year", "period"), ("period=day&day=yesterday", "day")])
def test_a_bad_period_is_a_400_that_says_why(api, db, query, field):
    answer = api("get", f"/figures?{query}")
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["error"] == "invalid" and body["detail"]["field"] == field and body["detail"]["message"]


def test_without_a_token_it_is_refused(client, db):
    assert client.get("/api/v1/figures").status_code == 401
