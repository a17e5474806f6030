"""Old parts' chain of custody on two kiosks as real processes: a part tagged on one,
stored, shipped and scrapped by scans on both (some while the store's network was down),
and every node tells the same story of where each part is after sync."""
from __future__ import annotations

from tests.support.nodes import order_body


def _store_setting(node, key: str, value: str) -> None:
    """A manager's change on the desk's settings page, made on ``node`` while it is stopped."""
    from kiosk.db import bind, connected
    from kiosk.services import claim_settings

    port = node.port
    node.stop()
    bind(node.db)
    with connected():
        claim_settings.save({key: value})
    node.start(port=port)


def _claim_with_parts(a, n: int) -> tuple[str, list[str]]:
    """A warranty order on ``a`` with two parts issued to its job, its claim and the two tags."""
    body = order_body(n)
    body["jobs"] = [{"description": "更换前减震器", "hours": 2, "price": 560, "pay_type": "warranty",
                     "operation": "SUSP-F"}]
    number = a.api("POST", "/work-orders", body, expect=201)["number"]
    job = a.api("GET", f"/work-orders/{number}")["jobs"][0]["id"]
    for part_no in ("5Q0413031", "5QD407151"):
        a.api("POST", f"/work-orders/{number}/parts", {"code": part_no, "qty": 1, "badge": "PRT-001",
                                                       "receiver": "TEC-001", "job": job}, expect=201)
    claim = a.api("POST", "/claims", {"badge": "CLM-001", "work_order": number, "job": job}, expect=201)["number"]
    tags = [a.api("POST", f"/claims/{claim}/old-parts", {"badge": "CLM-001", "part_no": p}, expect=201)["tag"]
            for p in ("5Q0413031", "5QD407151")]
    return claim, tags


def test_old_part_scans_on_two_kiosks_converge(store):
    hub, a, b = store
    for person in ({"name": "配件员", "badge": "PRT-001", "roles": ["parts_clerk"], "pin": "5551"},
                   {"name": "李师傅", "badge": "TEC-001", "roles": ["technician"], "pin": "2221"},
                   {"name": "何涛", "badge": "CLM-001", "roles": ["claims"], "pin": "7772"}):
        a.api("POST", "/staff", person, expect=201)
    for part_no, name in (("5Q0413031", "前减震器"), ("5QD407151", "前下摆臂")):
        a.api("POST", "/parts", {"part_no": part_no, "name": name, "price": "890"}, expect=201)
        a.api("POST", f"/parts/{part_no}/receipts", {"qty": 4}, expect=201)
    claim, (shock, arm) = _claim_with_parts(a, 21)
    _store_setting(a, "old_part_retention_days", "0")  # scrapped at once, for the test
    for node in (a, b):
        node.sync()

    # Tagged on A, brought into the old-parts store at B's counter.
    b.api("POST", f"/old-parts/{shock}/scans", {"badge": "CLM-001", "action": "store", "bin": "J-01"}, expect=201)
    b.api("POST", f"/old-parts/{arm}/scans", {"badge": "CLM-001", "action": "store", "bin": "J-02"}, expect=201)
    for node in (b, a):
        node.sync()
    assert a.api("GET", f"/old-parts/{shock}")["where"] == "store"

    # The network is down: A packs the shock absorber into a shipment, B scraps the control arm.
    port = hub.port
    hub.stop()
    shipment = a.api("POST", "/old-parts/shipments", {"badge": "CLM-001"}, expect=201)["number"]
    a.api("POST", f"/old-parts/{shock}/scans", {"badge": "CLM-001", "action": "ship", "shipment": shipment},
          expect=201)
    b.api("POST", f"/old-parts/{arm}/scans", {"badge": "CLM-001", "action": "scrap"}, expect=201)
    hub.start(port=port)
    for node in (a, b, a):
        node.sync()

    for node in (hub, a, b):
        assert {k: v for k, v in node.api("GET", f"/old-parts/{shock}").items() if k not in ("at", "work_order")} == \
            {"tag": shock, "claim": claim, "part_no": "5Q0413031", "where": "ship", "bin": "", "shipment": shipment}
        assert node.api("GET", f"/old-parts/{arm}")["where"] == "scrap", node.name
        assert [p["tag"] for p in node.api("GET", f"/old-parts/shipments/{shipment}")["parts"]] == [shock]
        assert [o["where"] for o in node.api("GET", f"/claims/{claim}")["old_parts"]] == ["ship", "scrap"]
    # Left the store on one kiosk: the other refuses to bring it back in.
    b.api("POST", f"/old-parts/{shock}/scans", {"badge": "CLM-001", "action": "store", "bin": "J-03"}, expect=409)
