"""The head-office node's pages and its replication handlers, in-process."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from uuid6 import uuid7

from kiosk.app import create_app
from kiosk.core import times
from kiosk.db import connected, database
from kiosk.services import staff as staff_service
from sync import hub, protocol
from sync.tables import ChangeEvent, Conflict, PairingCode, Peer
from tests.support import PIN


@pytest.fixture
def hub_app(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": str(tmp_path / "hub.sqlite"),
                      "ROLE": "hub", "NODE_PREFIX": "H1", "WTF_CSRF_ENABLED": False,
                      "BABEL_DEFAULT_LOCALE": "en", "DISCOVERY": False})
    yield app
    if not database.is_closed():
        database.close()


def add_peer(prefix="R1", **fields) -> Peer:
    return Peer.create(node_id=str(uuid7()), public_key="x" * 44, station="reception", prefix=prefix,
                       paired_at=times.utcnow(), **fields)


@pytest.fixture
def manager_client(hub_app):
    with hub_app.app_context(), connected():
        staff_service.create_staff("马志强", "MGR-001", ["manager"], PIN)
        staff_service.create_staff("张伟", "TEC-001", ["technician"], PIN)
    client = hub_app.test_client()
    assert client.post("/login", data={"badge": "MGR-001", "pin": PIN}).status_code == 302
    return client


def test_hub_lists_kiosks_with_their_state(hub_app, manager_client):
    with hub_app.app_context(), connected():
        add_peer("R1", last_seen_at=times.utcnow(), acked_seq=42)
        add_peer("B1", revoked_at=times.utcnow(), state="revoked")
    page = manager_client.get("/hub/").data.decode()
    assert "R1" in page and "B1" in page and "42" in page
    assert "Online" in page and "Revoked" in page


def test_pairing_code_is_shown_once_and_works(hub_app, manager_client):
    page = manager_client.post("/hub/pairing-code").data.decode()
    code = re.search(r'class="big-code">(\d{4}-\d{4})<', page).group(1)
    with hub_app.app_context(), connected():
        assert PairingCode.select().count() == 1
        assert code.replace("-", "") not in PairingCode.get().code_hash  # only a verifier is kept


def test_revoke_from_the_page(hub_app, manager_client):
    with hub_app.app_context(), connected():
        peer = add_peer("R2")
    response = manager_client.post(f"/hub/kiosks/{peer.node_id}/revoke", follow_redirects=True)
    assert "R2" in response.data.decode()
    with hub_app.app_context(), connected():
        assert Peer.get_by_id(peer.node_id).revoked_at is not None


def test_conflicts_listed_and_resolved(hub_app, manager_client):
    with hub_app.app_context(), connected():
        conflict = Conflict.create(entity="work_order", row_id="ab" * 16, field="notes", reason="concurrent",
                                   kept_value='"A"', lost_value='"B"', lost_hlc="1", created_at=times.utcnow())
    page = manager_client.get("/hub/conflicts").data.decode()
    assert f'data-conflict="{conflict.id}"' in page
    manager_client.post(f"/hub/conflicts/{conflict.id}", data={"keep": "kept"})
    with hub_app.app_context(), connected():
        assert Conflict.get_by_id(conflict.id).resolved


def test_only_managers_see_the_hub_pages(hub_app):
    with hub_app.app_context(), connected():
        staff_service.create_staff("张伟", "TEC-009", ["technician"], PIN)
    client = hub_app.test_client()
    client.post("/login", data={"badge": "TEC-009", "pin": PIN})
    assert client.get("/hub/").status_code == 403


def test_kiosk_too_old_is_told_to_upgrade(hub_app):
    with hub_app.app_context(), connected():
        peer = add_peer("R3")
        answer = hub.handle_hello(peer, {"protocol": protocol.PROTOCOL_MIN - 1, "max_origin_seq": 0})
        assert answer["status"] == "upgrade"
        assert hub.handle_hello(peer, {"protocol": protocol.PROTOCOL_VERSION, "max_origin_seq": 0})["status"] == "ok"


def test_events_of_a_previous_schema_are_accepted(hub_app):
    """A kiosk one release behind sends events without the newer keys and fields."""
    with hub_app.app_context(), connected():
        peer = add_peer("R4")
        customer_id = uuid7().hex
        old_event = {"event_id": str(uuid7()), "origin_node": peer.node_id, "origin_seq": 1,
                     "hlc": f"{int(dt.datetime.now().timestamp() * 1000):013d}.00000.{peer.node_id}",
                     "entity": "customer", "row_id": customer_id, "kind": "record", "op": "insert",
                     "payload": {"name": "老版本客户", "phone": "13800000001", "deleted": False},
                     "schema_version": 0}
        assert hub.handle_push(peer, {"events": [old_event]})["acked_seq"] == 1
        from kiosk.models import Customer

        assert Customer.get_by_id(customer_id).name == "老版本客户"


def test_a_kiosk_may_push_only_its_own_events(hub_app):
    with hub_app.app_context(), connected():
        peer, other = add_peer("R5"), add_peer("R6")
        event = {"event_id": str(uuid7()), "origin_node": other.node_id, "origin_seq": 1, "hlc": "1",
                 "entity": "customer", "row_id": uuid7().hex, "kind": "record", "op": "insert",
                 "payload": {}, "schema_version": 1}
        with pytest.raises(hub.ProtocolError):
            hub.handle_push(peer, {"events": [event]})
        assert ChangeEvent.select().where(ChangeEvent.origin_node == other.node_id).count() == 0
