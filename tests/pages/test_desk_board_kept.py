"""The reception desk's board (appointments, open orders) is rendered once and kept while
nothing changes (#20: every desk's refresh rendered it again), and made again as soon as
anything is written: here, by another process (a command, a pull), or in another language."""
from __future__ import annotations

import re

import pytest

from kiosk.core import events
from kiosk.db import connected
from kiosk.services import customers, workorders
from kiosk.stations.reception import desk


def rows(html: str) -> list[str]:
    return re.findall(r'<td><a class="btn" href="/reception/work-orders/([^"]+)">', html)


def open_order(i: int):
    customer, car = customers.find_or_create(f"客户{i}", f"139{i:08d}", f"京K{i:05d}")
    return workorders.open_work_order(customer, car, complaint="保养")


@pytest.fixture
def made(monkeypatch):
    """How many times the board was made (its queries and its template)."""
    calls = []
    board = desk.desk_board
    monkeypatch.setattr(desk, "desk_board", lambda shown=0: calls.append(shown) or board(shown))
    return calls


def test_the_board_is_made_once_while_nothing_changes(client, advisor, db, made):
    first = open_order(1)
    pages = [client.get("/reception/").get_data(as_text=True) for _ in range(3)]
    fragment = client.get("/reception/board", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert len(made) == 1
    assert all(rows(page) == [first.number] for page in pages)
    assert fragment.lstrip().startswith('<div id="desk-board"') and rows(fragment) == [first.number]
    # A live search shows no board, and makes none.
    client.get("/reception/", query_string={"q": "京K"}, headers={"HX-Request": "true"})
    assert len(made) == 1


def test_an_order_opened_here_shows_on_the_next_desk(client, advisor, db, made):
    first = open_order(1)
    assert rows(client.get("/reception/").get_data(as_text=True)) == [first.number]
    second = open_order(2)
    assert rows(client.get("/reception/").get_data(as_text=True)) == [second.number, first.number]
    workorders.move(second, "cancelled")
    assert rows(client.get("/reception/").get_data(as_text=True)) == [first.number]
    assert len(made) == 3


def test_a_change_written_by_another_process_shows_too(client, advisor, db, made, monkeypatch):
    first = open_order(1)
    assert rows(client.get("/reception/").get_data(as_text=True)) == [first.number]
    # Another process (a command, the sync of another server) sends this one no page event;
    # its write still adds a change event to the store.
    monkeypatch.setattr(events, "flush_pending", events.discard_pending)
    delivered = events.delivered()
    second = open_order(2)
    assert events.delivered() == delivered
    assert rows(client.get("/reception/").get_data(as_text=True)) == [second.number, first.number]


def test_each_language_and_each_length_has_its_own_board(app, client, advisor, made):
    # Without the ``db`` fixture: its app context would carry the first page's locale
    # (Flask-Babel keeps it in ``g``) into every later request of the test client.
    with app.app_context(), connected():
        open_order(1)

    def speak(code: str) -> str:
        page = client.get("/reception/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post(f"/lang/{code}", data={"csrf_token": token, "next": "/reception/"})
        return client.get("/reception/").get_data(as_text=True)

    chinese, english = speak("zh_Hans_CN"), speak("en")
    assert "在厂工单" in chinese and "Open work orders" not in chinese
    assert "Open work orders" in english and "在厂工单" not in english
    boards = len(made)
    longer = client.get("/reception/", query_string={"orders": 2 * desk.ORDERS_PAGE}).get_data(as_text=True)
    assert made[boards:] == [2 * desk.ORDERS_PAGE]
    assert f'hx-get="/reception/board?orders={2 * desk.ORDERS_PAGE}"' in longer
    assert "在厂工单" in speak("zh_Hans_CN") and speak("en") == english
    assert len(made) == boards + 1  # both languages' boards were kept
