"""The manager's figures after sync: half of a known history written on kiosk A (people,
orders, deliveries), the other half on kiosk B (QC fails, clocks, parts waits, cars sold
here), both synced through the hub: every figure has its exact value on A, B and the hub."""
from __future__ import annotations

from tests.support import figures as history
from tests.support.node_db import on


def figures_on(node) -> dict:
    from kiosk.services.figures import board, period

    with on(node):
        answer = board.as_json(period.month(history.MONTH))
    answer.pop("computed_at")
    return answer


def test_every_figure_is_exact_on_both_kiosks_and_the_hub(store):
    hub, a, b = store
    with on(a):
        shop = history.build_orders()
    a.sync()
    b.sync()
    with on(b):
        history.build_facts(shop)
    for node in (b, a):
        node.sync()

    seen = {node.name: figures_on(node) for node in (hub, a, b)}
    assert seen["a"] == seen["b"] == seen["hub"]
    for key, expected in history.EXPECTED.items():
        assert history.close(seen["hub"][key], expected), (key, seen["hub"][key])
    for badge, figures in history.BY_ADVISOR.items():
        for key, expected in figures.items():
            if key != "delivered":
                assert history.close(seen["hub"]["by_advisor"][badge][key], expected), (badge, key)
    for badge, figures in history.BY_TECHNICIAN.items():
        for key, expected in figures.items():
            assert history.close(seen["hub"]["by_technician"][badge][key], expected), (badge, key)
    # And through each node's own API, as an integration reads it.
    answer = hub.api("GET", "/figures?from=2026-10-01&to=2026-10-31", expect=200)
    assert answer["delivered"] == 5 and history.close(answer["first_time_fix"], 0.6)
