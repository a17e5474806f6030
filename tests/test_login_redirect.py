"""After login the kiosk goes only to a path on this node (issue #19, item 9):
``/login?next=/%09/evil.example`` once sent the browser to ``//evil.example``."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.conftest import PIN

ELSEWHERE = ["/\t/evil.example", "/\n/evil.example", "/\\evil.example", "\\\\evil.example", "//evil.example",
             "https://evil.example/", "http:/evil.example", "/ /\x7f/evil.example", "javascript:alert(1)",
             "evil.example", " //evil.example"]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_login_never_sends_the_browser_to_another_host(client, make_staff, target):
    person = make_staff("advisor", badge="ADV-RD1")
    answer = client.post(f"/login?next={quote(target, safe='')}", data={"badge": person.badge, "pin": PIN})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"


def test_the_reported_address_goes_home(client, make_staff):
    person = make_staff("advisor", badge="ADV-RD2")
    answer = client.post("/login?next=/%09/evil.example", data={"badge": person.badge, "pin": PIN})
    assert answer.headers["Location"] == "/"


def test_a_local_path_is_kept(client, make_staff):
    person = make_staff("advisor", badge="ADV-RD3")
    answer = client.post("/login", data={"badge": person.badge, "pin": PIN, "next": "/reception/?q=%E6%B2%AAA"})
    assert answer.headers["Location"] == "/reception/?q=%E6%B2%AAA"


def test_the_language_switch_stays_on_this_node(client):
    answer = client.post("/lang/en", data={"next": "/\t/evil.example"},
                         headers={"Referer": "http://evil.example/x"})
    assert answer.headers["Location"] == "/"
    answer = client.post("/lang/en", headers={"Referer": "http://evil.example/x"})
    assert answer.headers["Location"] == "/"
