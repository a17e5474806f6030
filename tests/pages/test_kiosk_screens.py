"""What issue #16 saw on the kiosks, each kept fixed (through the test client, on the
demo store): stations offered by role, the bay's plain header, the standalone chip,
the favicon, the wall board's words, QC's complaint and findings, the bay's job
cards, and the words of the parts pages. The layout itself (nothing wider than
1024 px, no label broken inside a word, targets of 44 px) is checked in real
Chromium by tests/browser/test_screens_browser.py."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from kiosk.core import times
from kiosk.db import connected
from kiosk.demo.data import DEMO_STAFF
from kiosk.models import WorkOrder
from kiosk.services import scanning

HX = {"HX-Request": "true"}
PINS = {badge: pin for _name, badge, _roles, pin in DEMO_STAFF}
ROLES = {roles[0]: badge for _name, badge, roles, _pin in DEMO_STAFF}


@pytest.fixture(scope="module")
def store(demo_store_app):
    """The demo store, in Chinese, shared by the tests of this file (they only read)."""
    return demo_store_app


def logged_in(store, badge):
    client = store.test_client()
    response = client.post("/login", data={"badge": badge, "pin": PINS[badge], "next": "/"})
    assert response.status_code == 302
    return client


def links(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<a class="{css_class}[^"]*" href="([^"]+)"', html)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_is_offered_only_the_stations_it_may_use(store, role):
    """Nobody meets a tile with a 403 behind it; the cashier has a station, and the claims clerk,
    who sits at the care desk, is offered the claims desk too."""
    client = logged_in(store, ROLES[role])
    home = client.get("/").get_data(as_text=True)
    offered = links(home, "tile") + links(home, "tab")
    assert offered, role
    for url in offered:
        assert client.get(url).status_code == 200, (role, url)
    if role in ("care", "claims"):
        assert "/care/" in links(home, "tab") and "此终端尚未安装您的岗位" not in home
    if role == "claims":  # the claims desk (#14)
        assert "/claims/" in links(home, "tab")
    if role == "cashier":  # the cashier station and the delivery screen (issue #12)
        assert links(home, "tile") == ["/workshop/board", "/cashier/", "/delivery/", "/complaints/new"]
        assert links(home, "tab") == ["/cashier/"]


def test_nobody_logged_in_sees_every_station_of_the_node(store):
    home = store.test_client().get("/").get_data(as_text=True)
    assert {"/reception/", "/bay/", "/parts/", "/workshop/board"} <= set(links(home, "tile"))


def test_a_technician_at_the_bay_sees_the_bay_only(store):
    client = store.test_client()
    scanning.debouncer._last.clear()
    client.post("/bay/scan", data={"code": "TEC-001", "source": "wedge"}, headers=HX)
    page = client.get("/bay/").get_data(as_text=True)
    header = page.split("</header>")[0]
    assert "张伟" in page and "车间工位" in header
    assert "登录" not in header and "English" not in header and "/lang/" not in header
    assert not links(header, "tab") and 'href="/"' not in header


def test_the_standalone_node_is_not_an_error(store):
    chip = store.test_client().get("/sync-status").get_data(as_text=True)
    assert 'class="sync-status standalone"' in chip and "单机运行" in chip
    assert "未配对" not in chip and "data-outbox" not in chip and "sync-warning" not in chip


def test_the_favicon_is_served(store):
    response = store.test_client().get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    response.close()


def test_the_wall_board_dates_promises_says_durations_and_flags_once(store):
    with store.app_context(), connected():
        waiting = WorkOrder.get(WorkOrder.status == "waiting_parts")
        later = WorkOrder.get(WorkOrder.status == "diagnosis")
        from kiosk.services import workorders

        workorders.set_promised(later, times.at_local(times.today() + dt.timedelta(days=3), dt.time(9)))
        day = (times.today() + dt.timedelta(days=3)).strftime("%m-%d")
    board = store.test_client().get("/workshop/board").get_data(as_text=True)
    row = board.split(f'data-number="{waiting.number}"')[1].split("</tr>")[0]
    assert row.count("待料") == 1  # the status says it; no flag repeats it
    later_row = board.split(f'data-number="{later.number}"')[1].split("</tr>")[0]
    assert day in later_row and "09:00" in later_row  # a promise on another day carries its date
    assert re.search(r'class="ws-left"[^>]*>\s*(\d+ 小时 \d\d 分|\d+ 分钟|超时 [^<]+)\s*<', board)
    assert 'data-fmt-hm="{h} 小时 {m} 分"' in board


def test_qc_shows_the_complaint_and_the_technicians_findings(store):
    client = logged_in(store, "QC-001")
    with store.app_context(), connected():
        order = WorkOrder.get(WorkOrder.status == "qc")
    page = client.get(f"/workshop/qc/{order.number}").get_data(as_text=True)
    assert "客户描述" in page and order.complaint in page
    assert "火花塞电极烧蚀" in page and "陈磊" in page  # what the technician found, and who


def test_the_bays_job_card_shows_planned_parts_vin_and_mileage(store):
    client = store.test_client()
    scanning.debouncer._last.clear()
    client.post("/bay/scan", data={"code": "TEC-001", "source": "wedge"}, headers=HX)
    with store.app_context(), connected():
        from kiosk.demo.workshop import jobs_of_demo_technician

        order = jobs_of_demo_technician()[0].work_order
        vin, mileage = order.vehicle.vin, order.mileage
        planned = [line.part_no for line in order.part_lines]
    page = client.get(f"/bay/orders/{order.number}").get_data(as_text=True)
    assert vin in page and f"{mileage:,} 公里" in page
    assert planned and all(part_no in page.split('class="planned-parts"')[1] for part_no in planned)


def test_the_parts_pages_speak_of_parts_in_chinese(store):
    client = logged_in(store, "PRT-002")
    catalogue = client.get("/parts/catalogue").get_data(as_text=True)
    head = catalogue.split("</thead>")[0].split("<thead>")[-1]
    assert "名称" in head and "单价" in head and "姓名" not in head and "工时费" not in head
    assert "Oil filter" not in catalogue  # the English name is for the English pages
    part = client.get("/parts/part/06L115562B").get_data(as_text=True)
    assert re.search(r'id="on-hand">\d+</strong> 件', part) and "期初库存" in part
    for english in (" pc<", "opening stock", ">count<"):
        assert english not in part
    with store.app_context():
        from flask_babel import force_locale

        from kiosk.services.stock import reason_label
        with store.test_request_context(), force_locale("zh_Hans_CN"):
            assert reason_label("count") == "盘点审批" and reason_label("退货破损") == "退货破损"
