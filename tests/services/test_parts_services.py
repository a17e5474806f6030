"""The catalogue, the stock ledger and issuing/returning as services (real SQLite)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.models import JobLine, PartBarcode, PartsRequest, StockMove
from kiosk.services import parts, stock, stock_checks, workorders
from kiosk.services.catalogue import find_part
from kiosk.core.errors import ServiceError
from sync.tables import ChangeEvent
from tests.support.parts import order_with_jobs, part_in_stock


@pytest.fixture
def tech(make_staff):
    return make_staff("technician", badge="TEC-901")


@pytest.fixture
def clerk(make_staff):
    return make_staff("parts_clerk", badge="PRT-901")


def test_a_part_is_found_by_every_number_and_barcode(db):
    part = parts.create_part("06l115562b", "机油滤清器", name_en="Oil filter", manufacturer_no="mf-1",
                             supplier_no="sup-9", barcodes_=["6901234567892", {"code": "OF-39", "symbology": "Code39"},
                                                            "0104012345012345\x1d10LOT42"], price="68")
    assert part.part_no == "06L115562B"
    for code in ("06L115562B", "06l115562b", "MF-1", "SUP-9", "6901234567892", "OF-39", "0104012345012345\x1d10LOT42"):
        assert find_part(code) == part, code
    assert {b.symbology for b in parts.barcodes(part)} == {"EAN13", "Code39", "DataMatrix"}
    assert find_part("6901234567893") is None


def test_an_old_number_leads_to_the_part_that_replaced_it(db):
    old = parts.create_part("5QD698151", "前刹车片", barcodes_=["OLDPAD"])
    new = parts.create_part("5QD698151A", "前刹车片 (新)")
    parts.update_part(old, superseded_by="5qd698151a")
    assert find_part("5QD698151") == new and find_part("OLDPAD") == new
    with pytest.raises(ServiceError):
        parts.update_part(new, superseded_by="5QD698151A")
    with pytest.raises(ServiceError):
        parts.update_part(new, superseded_by="NOSUCH")


def test_a_barcode_belongs_to_one_part_only(db):
    a = part_in_stock("AAA-1", qty=0, barcode="111")
    b = part_in_stock("BBB-1", qty=0, barcode="222")
    with pytest.raises(ServiceError) as err:
        parts.attach_barcode(b, "111")
    assert err.value.status == 409 and "AAA-1" in str(err.value)
    with pytest.raises(ServiceError):
        parts.create_part("AAA-1", "dup")
    assert PartBarcode.select().count() == 2
    parts.attach_barcode(b, "333", "Code128")
    assert find_part("333") == b and find_part("111") == a


def test_on_hand_is_the_sum_of_moves_per_bin(db, clerk):
    part = part_in_stock(qty=5)
    stock.receive(part, "2", bin="OVERFLOW")
    stock.adjust(part, "-1", reason="damaged box", staff=clerk)
    assert stock.on_hand(part) == Decimal("6.00")
    assert stock.on_hand_by_bin(part) == [("A-01-01", Decimal("4.00")), ("OVERFLOW", Decimal("2.00"))]
    with pytest.raises(ServiceError):
        stock.adjust(part, "-1", reason="  ")


@pytest.mark.parametrize("qty", ["0", "-1", "abc", "", "NaN", "Infinity", "1e9"])
def test_a_bad_quantity_writes_nothing(db, qty):
    part = part_in_stock(qty=0)
    before = ChangeEvent.select().count()
    with pytest.raises(ServiceError) as err:
        stock.receive(part, qty)
    assert err.value.field == "qty"
    assert ChangeEvent.select().count() == before and StockMove.select().count() == 0


def test_issue_and_return_write_one_slip_and_mark_requests_issued(db, clerk, tech):
    part = part_in_stock(qty=5)
    order = order_with_jobs({"description": "保养"})
    job = workorders.live_jobs(order)[0]
    request = PartsRequest.create(work_order=order, job=job, part_no="06L115562B", qty=1,
                                  requested_at=order.opened_at)
    slip = stock.hand_over(order, [(part, "2", job)], staff=clerk, receiver=tech)
    assert slip.startswith("IS-")
    assert stock.on_hand(part) == 3
    assert PartsRequest.get_by_id(request.id).status == "issued"
    assert stock.issued_lines(order) == [{"part_no": "06L115562B", "name": "机油滤清器", "qty": Decimal(2)}]
    back = stock.hand_over(order, [(part, 1, job)], kind="return", staff=clerk, receiver=tech)
    assert back.startswith("RT-") and stock.on_hand(part) == 4
    assert [m.qty for m in stock.slip_moves(back)] == [Decimal(1)]
    with pytest.raises(ServiceError) as err:  # only 1 is still out
        stock.hand_over(order, [(part, 2, job)], kind="return", staff=clerk, receiver=tech)
    assert "Only 1" in str(err.value)


def test_a_returned_warranty_part_is_kept_as_an_old_part(db, clerk, tech):
    part = part_in_stock(qty=2)
    order = order_with_jobs({"description": "索赔更换", "pay_type": "warranty"})
    job = workorders.live_jobs(order)[0]
    stock.hand_over(order, [(part, 1, job)], staff=clerk, receiver=tech)
    slip = stock.hand_over(order, [(part, 1, job)], kind="return", staff=clerk, receiver=tech)
    (move,) = stock.slip_moves(slip)
    assert move.old_part and move.bin == stock.OLD_BIN
    assert stock.on_hand(part) == 1  # not back in sellable stock
    assert stock.issued_lines(order) == []


def test_refusals_write_nothing(db, clerk, tech, make_staff):
    part = part_in_stock(qty=2)
    order = order_with_jobs({"description": "保养"})
    job = workorders.live_jobs(order)[0]
    advisor = make_staff("advisor", badge="ADV-901")
    extra = workorders.add_job(order, "更换刹车片")
    extra.authorization = "pending"
    extra.save()
    before = ChangeEvent.select().count()
    cases = [
        (dict(receiver=advisor), "not a technician"),
        (dict(receiver=None), "technician"),
    ]
    for kwargs, text in cases:
        with pytest.raises(ServiceError) as err:
            stock.hand_over(order, [(part, 1, job)], staff=clerk, **kwargs)
        assert text in str(err.value)
    with pytest.raises(ServiceError) as err:
        stock.hand_over(order, [(part, 1, job), (part, 1, JobLine.get_by_id(extra.id))], staff=clerk, receiver=tech)
    assert "not authorized" in str(err.value)
    with pytest.raises(ServiceError):
        stock.hand_over(order, [(part, "0", job)], staff=clerk, receiver=tech)
    order.status = "settled"
    order.save()
    with pytest.raises(ServiceError) as err:
        stock.hand_over(order, [(part, 1, job)], staff=clerk, receiver=tech)
    assert "settled" in str(err.value) and err.value.status == 409
    assert ChangeEvent.select().count() == before and StockMove.select().where(StockMove.kind == "issue").count() == 0


def test_exceptions_find_negative_stock_big_issues_and_over_returns(db, clerk, tech):
    part = part_in_stock(qty=1)
    order = order_with_jobs({"description": "保养"})
    job = workorders.live_jobs(order)[0]
    stock.hand_over(order, [(part, 3, job)], staff=clerk, receiver=tech)
    kinds = {e.kind: e for e in stock_checks.exceptions()}
    assert set(kinds) == {"negative", "big_issue"}
    assert kinds["negative"].qty == Decimal(-2)
    # a return of more than was issued can only arrive by sync: write the fact directly
    StockMove.create(part=part, bin=part.bin, qty=5, kind="return", at=order.opened_at, work_order=order, job=job)
    kinds = {e.kind: e for e in stock_checks.exceptions()}
    assert set(kinds) == {"big_issue", "over_return"}  # +5 made the bin positive again
    assert kinds["over_return"].qty == 2
    with pytest.raises(ServiceError):
        stock_checks.resolve(kinds["over_return"].key, reason="")
    stock_checks.resolve(kinds["over_return"].key, reason="miscounted return", staff=clerk, actual="3")
    stock_checks.resolve(kinds["big_issue"].key, reason="checked: a box of 3", staff=clerk)
    assert stock_checks.exceptions() == []
    assert stock.on_hand(part) == 3


def test_negative_stock_is_resolved_by_counting_the_bin(db, clerk, tech):
    part = part_in_stock(qty=1)
    order = order_with_jobs({"description": "保养"})
    job = workorders.live_jobs(order)[0]
    stock.hand_over(order, [(part, 1, job)], staff=clerk, receiver=tech)
    StockMove.create(part=part, bin=part.bin, qty=-1, kind="issue", at=order.opened_at, work_order=order, job=job)
    (neg,) = [e for e in stock_checks.exceptions() if e.kind == "negative"]
    with pytest.raises(ServiceError) as err:
        stock_checks.resolve(neg.key, reason="two kiosks offline")
    assert err.value.field == "actual"
    with pytest.raises(ServiceError):
        stock_checks.resolve(neg.key, reason="x", actual="-1")
    stock_checks.resolve(neg.key, reason="two kiosks offline", actual="0", staff=clerk)
    assert stock.on_hand(part) == 0 and stock_checks.exceptions() == []


@pytest.mark.parametrize("typed", ["1.234", "100000", "1e9", "NaN", "-1", "0", "", "两个"])
def test_one_rule_for_quantities_everywhere(typed):
    """Issue, return, receive and count all read a quantity the same way: refused, never rounded."""
    from kiosk.services import counting, purchasing

    for read in (stock.quantity_of, purchasing.quantity_of, counting.quantity_of):
        with pytest.raises(ServiceError):
            read(typed)
    assert stock.quantity_of(" 2.5 ") == Decimal("2.5")
