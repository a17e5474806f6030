"""The desk lists the newest open work orders a page at a time, with the count of
all of them and a "Show more" that the live refresh keeps."""
from __future__ import annotations

import re

import pytest

from kiosk.services import customers, workorders
from kiosk.stations.reception.desk import ORDERS_PAGE


@pytest.fixture
def orders(db):
    """ORDERS_PAGE + 5 open orders, oldest first."""
    made = []
    for i in range(ORDERS_PAGE + 5):
        customer, car = customers.find_or_create(f"客户{i}", f"139{i:08d}", f"京D{i:05d}")
        made.append(workorders.open_work_order(customer, car, complaint="保养"))
    return made


def rows(html: str) -> list[str]:
    return re.findall(r'<td><a class="btn" href="/reception/work-orders/([^"]+)">', html)


def test_the_desk_shows_the_newest_page_and_how_many_are_open(client, advisor, orders):
    html = client.get("/reception/").get_data(as_text=True)
    newest = [o.number for o in reversed(orders)][:ORDERS_PAGE]
    assert rows(html) == newest
    assert f'<span class="badge">{len(orders)}</span>' in html
    assert f"The newest {ORDERS_PAGE} of {len(orders)} open work orders." in html
    more = f"orders={2 * ORDERS_PAGE}"
    assert f'id="more-orders" href="/reception/?{more}#open-orders"' in html
    assert f'hx-get="/reception/board?{more}"' in html
    assert 'hx-get="/reception/board"' in html  # the live refresh of the first page


def test_show_more_lists_the_rest_and_the_refresh_keeps_them(client, advisor, orders):
    fragment = client.get("/reception/board", query_string={"orders": 2 * ORDERS_PAGE},
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="desk-board"')
    assert rows(fragment) == [o.number for o in reversed(orders)]
    assert 'id="more-orders"' not in fragment
    assert f'hx-get="/reception/board?orders={2 * ORDERS_PAGE}"' in fragment
    # Without JavaScript the same link opens the whole desk with more orders.
    page = client.get("/reception/", query_string={"orders": 2 * ORDERS_PAGE}).get_data(as_text=True)
    assert len(rows(page)) == len(orders)


def test_a_closed_order_leaves_the_list_and_the_count(client, advisor, orders):
    workorders.move(orders[-1], "cancelled")
    html = client.get("/reception/", query_string={"orders": "not a number"}).get_data(as_text=True)
    assert orders[-1].number not in rows(html) and len(rows(html)) == ORDERS_PAGE
    assert f'<span class="badge">{len(orders) - 1}</span>' in html


def test_a_live_search_does_not_build_the_board(client, advisor, orders, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the board is not part of a live search's answer")

    monkeypatch.setattr(workorders, "open_orders_board", refuse)
    response = client.get("/reception/", query_string={"q": "D00001"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "京D00001" in response.get_data(as_text=True)
