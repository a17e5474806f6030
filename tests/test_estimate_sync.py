"""Signed versions travel between kiosks like any fact: every node shows the same versions,
the same hash for what was signed, and the same pending changes."""
from __future__ import annotations

import pytest

from kiosk.models import AuthorizationVersion
from kiosk.services import authorization, estimate, workorders
from tests.test_merge import assert_converged, exchange, open_order, order_on
from tests.merge_nodes import Nodes


@pytest.fixture
def nodes(tmp_path):
    group = Nodes(tmp_path)
    for name in ("a", "b"):
        group.add(name)
    yield group
    group.close()


def test_a_signature_made_on_one_kiosk_binds_on_the_other(nodes):
    nodes.nodes["a"].at(0)
    order_id = open_order(nodes, "a")
    with nodes.use("a"):
        signed = authorization.authorize(workorders.get_by_id(order_id), "c" * 64)
    nodes.sync("a", "b")
    with nodes.use("b"):
        on_b = estimate.state(workorders.get_by_id(order_id))
        assert on_b.signed.content_hash == signed.content_hash == on_b.current_hash and not on_b.pending
        nodes.nodes["b"].at(1000)
        workorders.add_job(workorders.get_by_id(order_id), "四轮定位", "0.8", "280")
    nodes.nodes["a"].at(2000)
    with nodes.use("a"):  # offline meanwhile: a repriced the signed job
        workorders.update_job(workorders.live_jobs(workorders.get_by_id(order_id))[0], price="150")
    exchange(nodes, "a", "b")
    for name in ("a", "b"):
        with nodes.use(name):
            changes = estimate.state(workorders.get_by_id(order_id)).changes
            assert sorted(c["change"] for c in changes) == ["added", "changed"]
            assert order_on(nodes, name, order_id).status == "waiting_authorization"
    nodes.nodes["b"].at(3000)
    with nodes.use("b"):
        authorization.authorize(workorders.get_by_id(order_id), "d" * 64)
    exchange(nodes, "a", "b")
    with nodes.use("a"):
        assert [v.version for v in AuthorizationVersion.select().order_by(AuthorizationVersion.version)] == [1, 2]
        assert not estimate.state(workorders.get_by_id(order_id)).pending
    assert_converged(nodes, "a", "b")
