"""The stations' screens are built one way: events the server sends have
listeners, listeners wait for events the server sends, and parts of a screen
answer for themselves (the bay's job cards, the counter's basket lines), with
the one page-or-fragment rule."""
from __future__ import annotations

import ast
import json
import re

import pytest

from kiosk.core.events import END
from kiosk.db import connected
from kiosk.schema import ALL_MODELS
from kiosk.services import scanning, workorders
from tests.support import ROOT
from tests.support.bay import make_order
from tests.support.parts import order_with_jobs, part_in_stock

HX = {"HX-Request": "true"}
CODE = sorted((ROOT / "kiosk").rglob("*.py")) + sorted((ROOT / "sync").rglob("*.py"))
PAGES = sorted((ROOT / "kiosk" / "templates").rglob("*.html")) + sorted((ROOT / "static").glob("*.js"))


def _strings(node, constants: dict) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [s for element in node.elts for s in _strings(element, constants)]
    if isinstance(node, ast.Starred):
        return _strings(node.value, constants)
    if isinstance(node, ast.IfExp):
        return _strings(node.body, constants) + _strings(node.orelse, constants)
    return []


def sent_by_the_server() -> dict[str, str]:
    """HX-Trigger events the views send (``trigger(...)``, ``scan_reply(events=...)``): name → where."""
    found = {}
    for path in CODE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                     for t in n.targets if isinstance(t, ast.Name)
                     and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
            values = []
            if name == "trigger":
                values = [s for arg in call.args[1:] for s in _strings(arg, constants)]
            values += [s for kw in call.keywords if kw.arg == "events" for s in _strings(kw.value, constants)]
            for value in values:
                found.setdefault(value, f"{path.relative_to(ROOT)}:{call.lineno}")
        assert '"HX-Trigger"] =' not in path.read_text(encoding="utf-8") or path.name == "templating.py", \
            f"{path}: events go through kiosk.templating.trigger"
    return found


def _triggers(spec: str) -> list[str]:
    """An hx-trigger's triggers: split at the commas outside a ``[filter]`` (a filter may hold commas)."""
    parts, depth, current = [], 0, ""
    for char in spec:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [p for p in parts + [current.strip()] if p]


def listened_to() -> tuple[set[str], set[str]]:
    """(events a page listens for on the body or in a script, server-sent events it listens for)."""
    body, sse = set(), set()
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        for spec in re.findall(r'hx-trigger="([^"]*)"', text):
            for part in _triggers(spec):
                if part.startswith("sse:"):
                    sse.add(part[4:].split()[0].split("[")[0])
                elif " from:body" in part:
                    body.add(part.split()[0].split("[")[0])
        body |= set(re.findall(r'addEventListener\("([\w-]+)"', text))
    return body, sse


def published_by_the_server() -> set[str]:
    """Server-sent events: one per table a committed write touched, and the named ones."""
    names = {f"{m._meta.table_name.replace('_', '')}-changed" for m in ALL_MODELS}
    for path in CODE:
        names |= set(re.findall(r'publish\("([\w-]+)"', path.read_text(encoding="utf-8")))
    return names


def test_every_event_the_server_sends_has_a_listener():
    body, _sse = listened_to()
    sent = sent_by_the_server()
    assert "feedback" in body and "workorder-changed" in sent and "basket-changed" in sent
    unheard = {name: where for name, where in sent.items() if name not in body}
    assert not unheard, f"events nobody listens to: {unheard}"


def test_every_server_sent_event_a_page_waits_for_is_one_the_server_publishes():
    _body, sse = listened_to()
    assert "clockevent-changed" in sse
    assert not sse - published_by_the_server(), sse - published_by_the_server()
    assert END == ("", "")


# -- the one page-or-fragment rule -----------------------------------------------

@pytest.fixture
def at_the_bay(app, client, make_staff):
    """A technician badged in at the bay, on an authorized order with two jobs."""
    scanning.debouncer._last.clear()
    tech = make_staff("technician", name="张伟", badge="TEC-001")
    with app.app_context(), connected():
        number = make_order(technician=tech).number
        jobs = [j.id.hex for j in workorders.live_jobs(workorders.get_by_number(number))]
    client.post("/bay/scan", data={"code": "TEC-001", "source": "wedge"}, headers=HX)
    yield number, jobs
    scanning.debouncer._last.clear()


def test_a_job_card_answers_for_itself_and_the_screen_when_a_screen_asked(client, at_the_bay):
    number, (first, second) = at_the_bay
    card = client.post(f"/bay/jobs/{first}/start", headers={**HX, "HX-Target": f"job-{first}"})
    html = card.get_data(as_text=True)
    assert card.status_code == 200 and html.count("<article") == 1 and f'id="job-{first}"' in html
    assert 'hx-target="this"' in html and "sse:clockevent-changed" in html
    assert json.loads(card.headers["HX-Trigger"]) == {"feedback": "ok"} and "HX-Request" in card.headers["Vary"]
    screen = client.post(f"/bay/jobs/{second}/start", headers={**HX, "HX-Target": "bay-main"})
    assert 'data-bay-screen="order"' in screen.get_data(as_text=True)
    again = client.get(f"/bay/jobs/{first}/card").get_data(as_text=True)
    assert f'id="job-{first}"' in again and 'data-status="paused"' in again  # starting the second paused it
    head = client.get(f"/bay/orders/{number}/head").get_data(as_text=True)
    assert 'id="bay-order-head"' in head and "In repair" in head


def test_the_back_button_gets_the_whole_page_not_a_fragment(client, at_the_bay):
    """htmx asks a history restore with HX-Request too: the header alone does not decide."""
    number, _jobs = at_the_bay
    restore = client.get(f"/bay/orders/{number}", headers={**HX, "HX-History-Restore-Request": "true"})
    page = restore.get_data(as_text=True)
    assert "<html" in page and 'id="bay-main"' in page and "HX-Request" in restore.headers["Vary"]


def test_a_basket_line_answers_for_itself_and_the_rest_follows_its_event(app, client, make_staff, login):
    scanning.debouncer._last.clear()
    login(make_staff("parts_clerk", badge="PRT-901"))
    with app.app_context(), connected():
        part = part_in_stock(qty=5)
        number = order_with_jobs({"description": "保养"}).number
    client.post("/parts/mode/issue", headers=HX)
    for code in (number, part.part_no, part.part_no):
        scanning.debouncer._last.clear()
        client.post("/parts/scan", data={"code": code, "source": "wedge"}, headers=HX)
    undo = client.post("/parts/issue/line/0/undo", headers=HX)
    html = undo.get_data(as_text=True)
    assert 'id="basket-line-0"' in html and 'class="num count">1<' in html and 'hx-target="this"' in html
    assert json.loads(undo.headers["HX-Trigger"]) == {"basket-changed": True, "feedback": "ok"}
    pad = client.get("/parts/issue/pad").get_data(as_text=True)
    assert 'id="basket-pad"' in pad and 'hx-target="#basket-line-0"' in pad
    gone = client.post("/parts/issue/line/0/undo", headers=HX)  # the last line: the empty basket's panel
    assert gone.headers["HX-Retarget"] == "#parts-main" and "Scan the parts: each scan adds one." in gone.get_data(
        as_text=True) and 'id="basket-line-0"' not in gone.get_data(as_text=True)
    assert client.get("/parts/issue/line/0").get_data(as_text=True) == ""
    scanning.debouncer._last.clear()


def test_a_basket_line_gone_leaves_the_lines_after_it_to_show_themselves_again(app, client, make_staff, login):
    scanning.debouncer._last.clear()
    login(make_staff("parts_clerk", badge="PRT-902"))
    with app.app_context(), connected():
        first, second = part_in_stock(qty=5), part_in_stock("5QD698151", qty=5, barcode="6920000000017")
        number = order_with_jobs({"description": "保养"}).number
    client.post("/parts/mode/issue", headers=HX)
    for code in (number, first.part_no, second.part_no):
        scanning.debouncer._last.clear()
        client.post("/parts/scan", data={"code": code, "source": "wedge"}, headers=HX)
    gone = client.post("/parts/issue/line/0/undo", headers=HX)
    # Row 0 now shows the line that moved up; the rest follows basket-changed.
    assert 'id="basket-line-0"' in gone.get_data(as_text=True) and "5QD698151" in gone.get_data(as_text=True)
    assert json.loads(gone.headers["HX-Trigger"])["basket-changed"]
    assert client.get("/parts/issue/line/1").get_data(as_text=True) == ""  # the last row removes itself
    scanning.debouncer._last.clear()
