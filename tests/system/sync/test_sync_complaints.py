"""A complaint worked on two kiosks while they could not reach each other: after sync every
node (the hub too) tells the same story in the same order, and agrees on its owner and status."""
from __future__ import annotations

from tests.support.nodes import Node


def _staff(node: Node) -> None:
    for badge, role in (("CRE-801", "care"), ("CRE-802", "care"), ("MGR-801", "manager")):
        node.api("POST", "/staff", {"name": badge, "badge": badge, "roles": [role], "pin": "2468"}, expect=201)


def _act(node: Node, number: str, badge: str, action: str, **extra) -> dict:
    return node.api("POST", f"/complaints/{number}/events", {"badge": badge, "action": action, **extra}, expect=201)


def test_complaint_actions_on_two_kiosks_converge(store):
    hub, a, b = store
    _staff(a)
    number = a.api("POST", "/complaints", {"badge": "CRE-801", "channel": "phone", "category": "quality",
                                           "text": "刹车异响没修好"}, expect=201)["number"]
    assert number.startswith("TS-A1-")
    a.sync()
    b.sync()
    assert b.api("GET", f"/complaints/{number}")["owner"] == "CRE-801"

    # Apart: A hands it to the manager and records the agreement; B calls and finds the cause.
    _act(a, number, "CRE-801", "assign", to="MGR-801")
    _act(b, number, "CRE-802", "called", text="已致电客户，约明天复查")
    _act(a, number, "MGR-801", "resolve", text="客户同意免费复查并更换刹车片")
    _act(b, number, "CRE-802", "root_cause", text="刹车片装配不到位")
    assert b.api("GET", f"/complaints/{number}")["status"] == "open"  # B has not heard of the agreement
    closed = _act(a, number, "MGR-801", "close")
    assert closed["status"] == "closed"
    for node in (a, b, a):
        node.sync()

    seen = {node.name: node.api("GET", f"/complaints/{number}") for node in (hub, a, b)}
    assert seen["hub"] == seen["a"] == seen["b"]
    story = seen["hub"]
    assert [e["action"] for e in story["log"]] == ["assign", "assign", "called", "resolve", "root_cause", "close"]
    assert (story["status"], story["owner"]) == ("closed", "MGR-801")
    # Reopened on B after the merge: every node follows, the history kept.
    _act(b, number, "CRE-802", "reopen", text="客户来电：又响了")
    for node in (b, a):
        node.sync()
    assert a.api("GET", f"/complaints/{number}")["status"] == "open"
    assert len(a.api("GET", f"/complaints/{number}")["log"]) == 7
