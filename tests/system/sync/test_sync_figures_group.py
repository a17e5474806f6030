"""A dealer group on one PostgreSQL hub: the kiosks of two stores (prefixes SH1 and SZ1) pair
to the group's hub and sync; the group page shows each store's figures exactly and the
group's totals as the sums of the stores' counts."""
from __future__ import annotations

import re
import urllib.parse
import urllib.request

from tests.support import figures as history
from tests.support.node_db import on
from tests.support.nodes import start_all

STORES = "上海店=SH1;苏州店=SZ1"


def suzhou_history():
    """The second store's month: two cars, one late, both fixed first time."""
    from kiosk.services import staff as staff_service
    from tests.support.aftersales import deliver_for_test
    from tests.support.workshop import make_order

    advisor = staff_service.create_staff("钱顾问", "ADV-901", ["advisor"], "2901")
    for day, promised, delivered in ((8, 17, 16), (9, 12, 13)):
        order = make_order([("保养", 1.0)], advisor=advisor)
        order.opened_at, order.promised_at = history.at(day, 8), history.at(day, promised)
        history._save(order, ["opened_at", "promised_at"])
        deliver_for_test(order, at=history.at(day, delivered))


def test_two_stores_side_by_side_on_a_postgresql_group_hub(nodes, pg_url, tmp_path):
    hub = nodes("group", role="hub", db=pg_url)
    hub.env["BAYFLOW_GROUP_STORES"] = STORES
    shanghai, suzhou = nodes("sh", prefix="SH1"), nodes("sz", prefix="SZ1")
    start_all(hub, shanghai, suzhou)
    shanghai.pair_with(hub)
    suzhou.pair_with(hub)
    with on(shanghai):
        history.build()
    with on(suzhou):
        suzhou_history()
    for node in (shanghai, suzhou, shanghai):
        node.sync()

    from kiosk.services.figures import group, period
    from kiosk.services.figures.registry import FIGURES

    with on(hub):
        side = group.side_by_side(period.month(history.MONTH), group.stores_of(STORES))
    sh, sz, total = side.by_store["上海店"], side.by_store["苏州店"], side.total
    stations = {key for key, figure in FIGURES.items() if not figure.per_store}
    # Every figure of the Shanghai store is its own history's, the stations' too (settlements,
    # calls, complaints, claims and insurance cases of its orders only) — but a complaint about no
    # order (TS-T-2) belongs to no store: the group's total only.
    for key, expected in history.EXPECTED.items():
        if key not in ("complaint_rate", "complaints_on_time"):
            assert history.close(sh[key].value, expected), (key, sh[key])
    assert history.close(sh["complaint_rate"].value, 1 / 5) and sh["complaints_on_time"].value == 1.0
    assert sh["revenue"].value == 3400.0 and sh["revenue"].parts == history.REVENUE
    # Suzhou's two cars had no settlement, call, complaint, claim or insurance case.
    assert {key: sz[key].value for key in stations} == {
        "revenue": 0.0, "revenue_per_order": 0.0, "csi": None, "top_share": None, "complaint_rate": 0.0,
        "complaints_on_time": None, "claim_approval": None, "receivables": 0.0}
    assert sz["follow_up_rate"].value == 0.0 and history.close(total["follow_up_rate"].value, 3 / 7)
    assert total["revenue"].value == 3400.0 and history.close(total["revenue_per_order"].value, 3400 / 7)
    assert history.close(total["complaint_rate"].value, 2 / 7) and total["csi"].value == 80.0
    assert total["receivables"].value == 250.0 and total["claim_approval"].value == 0.5
    assert sz["delivered"].value == 2 and sz["first_time_fix"].value == 1.0 and sz["on_time"].value == 0.5
    assert sz["first_service_rate"].value is None and sz["efficiency"].value is None
    assert total["delivered"].value == 7
    assert history.close(total["first_time_fix"].value, 5 / 7) and history.close(total["on_time"].value, 3 / 5)
    assert history.close(total["first_service_rate"].value, 0.5)

    # The group page itself, from the hub's process on PostgreSQL, in English.
    with on(hub):
        from kiosk.services import staff as staff_service
        staff_service.create_staff("集团经理", "MGR-901", ["manager"], "2468")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    form = opener.open(f"{hub.url}/login", timeout=30).read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    login = urllib.request.Request(f"{hub.url}/login", data=urllib.parse.urlencode(
        {"badge": "MGR-901", "pin": "2468", "next": "/", "csrf_token": csrf}).encode(), method="POST")
    login.add_header("Content-Type", "application/x-www-form-urlencoded")
    login.add_header("Accept-Language", "en")
    opener.open(login, timeout=30)
    page = opener.open(f"{hub.url}/figures/group?period=month&day={history.MONTH.isoformat()}", timeout=30)
    html = page.read().decode()
    row = re.search(r'<tr data-figure="delivered">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r">\s*(\d+)\s*<", row)[-3:] == ["5", "2", "7"]
