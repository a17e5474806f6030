"""The labour-operation catalogue (search by code, Chinese name, pinyin; import from CSV
and XLSX, all or nothing) and service packages added in one tap."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from kiosk.models import JobLine, LabourOperation, PartLine, PartsRequest
from kiosk.services import labour, labour_import, packages, parts, stock, workorders
from kiosk.services.errors import ServiceError
from tests.test_clock import make_order

HEADER = "code,name,name_en,hours,rate_customer,rate_warranty,rate_insurance,rate_internal\n"


@pytest.fixture
def catalogue(db):
    for code, name, hours in (("BY-JY", "保养机油", "0.5"), ("ZD-QP", "更换前刹车片", "1.0"),
                              ("SL-DW", "四轮定位", "0.8"), ("ECU-UP", "ECU 升级", "0.5")):
        labour.save_operation({"code": code, "name": name, "name_en": "", "hours": hours,
                               "rate_customer": "300", "rate_warranty": "200"})
    return db


@pytest.mark.parametrize("typed, codes", [
    ("byjy", ["BY-JY"]), ("BYJY", ["BY-JY"]), ("by", ["BY-JY"]), ("保养", ["BY-JY"]),
    ("baoyang", ["BY-JY"]), ("zd-qp", ["ZD-QP"]), ("sldw", ["SL-DW"]), ("定位", ["SL-DW"]),
    ("ecu", ["ECU-UP"]), ("sj", ["ECU-UP"]), ("nothing", []),
])
def test_search_by_code_name_and_pinyin(catalogue, typed, codes):
    assert [op.code for op in labour.search(typed)] == codes


def test_a_job_from_the_catalogue_is_priced_hours_times_rate(catalogue):
    order = make_order(authorized=False)
    job = workorders.add_job(order, operation="zd-qp", pay_type="warranty")
    assert (job.operation, job.description, job.sold_hours, job.price) == ("ZD-QP", "更换前刹车片", 1, 200)
    typed = workorders.add_job(order, operation="SL-DW", sold_hours="1.5")
    assert typed.price == 450  # the hours typed, the customer's rate
    with pytest.raises(ServiceError, match="No labour operation NOPE"):
        workorders.add_job(order, operation="nope")


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_csv_and_xlsx(db):
    csv_file = (HEADER + "BY-JY,保养机油,Oil service,0.5,300,200,250,150\n\nSL-DW,四轮定位,,0.8,300,,,\n").encode("utf-8-sig")
    result = labour_import.import_file("工时.csv", csv_file)
    assert (result.ok, result.added) == (True, 2)
    assert labour.find_operation("SL-DW").rate_warranty == 0
    chinese = _xlsx([["工时代码", "名称", "标准工时", "客户工时单价"], ["by-jy", "保养机油", 0.6, 300],
                     ["KT-QX", "空调清洗", 1, 280.5]])
    result = labour_import.import_file("catalogue.xlsx", chinese)
    assert (result.added, result.changed, result.unchanged) == (1, 1, 0)
    assert labour.find_operation("BY-JY").hours == Decimal("0.6") and labour.find_operation("KT-QX").rate_customer == Decimal("280.5")
    gbk = ("工时代码,名称,标准工时,客户工时单价\nXC,洗车,0.2,100\n").encode("gb18030")
    assert labour_import.import_file("excel.csv", gbk).added == 1


def test_a_bad_row_names_its_line_and_nothing_is_imported(db):
    content = (HEADER + "BY-JY,保养机油,,0.5,300,,,\n"
               "SL-DW,,,0.8,300,,,\n"            # line 3: no name
               "ZD-QP,更换前刹车片,,abc,300,,,\n"   # line 4: hours not a number
               "BY-JY,保养机油,,0.5,300,,,\n").encode()  # line 5: the same code twice
    result = labour_import.import_file("bad.csv", content)
    assert not result.ok and [line for line, _why in result.errors] == [3, 4, 5]
    assert "name" in result.errors[0][1] and "hours" in result.errors[1][1] and "line 2" in result.errors[2][1]
    assert LabourOperation.select().count() == 0
    with pytest.raises(ServiceError, match="columns hours, rate_customer are missing"):
        labour_import.import_file("x.csv", b"code,name\nA,B\n")
    with pytest.raises(ServiceError, match="csv or .xlsx"):
        labour_import.import_file("x.pdf", b"%PDF-1.4")
    with pytest.raises(ServiceError, match="Excel workbook"):
        labour_import.import_file("x.xlsx", b"PK\x03\x04 not a zip")
    with pytest.raises(ServiceError, match="empty"):
        labour_import.import_file("x.csv", b"")


@pytest.fixture
def lavida(catalogue):
    oil = parts.create_part("06L115562B", "机油滤清器", price="68")
    engine_oil = parts.create_part("G052195M4", "机油 5W-30 (4L)", price="398")
    stock.receive(oil, 10)  # the engine oil is not in stock: ordered for the car
    summed = packages.save_package("LAVIDA-10K", "朗逸 1万公里保养", [
        {"kind": "labour", "code": "BY-JY"}, {"kind": "part", "part_no": "06L115562B", "qty": 1},
        {"kind": "part", "part_no": "G052195M4", "qty": 1}], model="大众 朗逸", interval_km=10000)
    fixed = packages.save_package("LAVIDA-10K-FIX", "朗逸 1万公里保养 (套餐价)", packages.items_of(summed),
                                  model="大众 朗逸", interval_km=10000, pricing="fixed", price="499")
    return summed, fixed


def test_a_package_adds_every_line_in_one_tap(lavida):
    summed, fixed = lavida
    assert [p.code for p in packages.for_model("大众 朗逸")] == ["LAVIDA-10K", "LAVIDA-10K-FIX"]
    assert packages.for_model("丰田 凯美瑞") == []
    assert packages.price_of(summed) == Decimal("616.00")  # 0.5 h × 300 + 68 + 398
    order = make_order(authorized=False, jobs=())
    jobs, lines = packages.add_to_order(order, summed)
    assert [(j.description, j.price, j.package) for j in jobs] == [("保养机油", 150, "LAVIDA-10K")]
    assert [(p.part_no, p.unit_price, p.job_id, p.to_order) for p in lines] == [
        ("06L115562B", 68, jobs[0].id, False), ("G052195M4", 398, jobs[0].id, True)]
    [request] = PartsRequest.select()  # reached the parts counter's ordering list
    assert (request.part_no, request.status, request.part_line) == ("G052195M4", "requested", lines[1].id.hex)
    workorders.remove_part_line(lines[1])
    assert PartsRequest.get_by_id(request.id).status == "cancelled"


def test_a_fixed_price_is_shared_out_over_the_lines(lavida):
    _summed, fixed = lavida
    order = make_order(authorized=False, jobs=())
    packages.add_to_order(order, fixed)
    assert workorders.totals(order)["total"] == Decimal("499.00")
    assert JobLine.select().count() == 1 and PartLine.select().count() == 3 - 1
    with pytest.raises(ServiceError, match="fixed-price package needs"):
        packages.save_package("P", "Parts only", [{"kind": "part", "part_no": "06L115562B"}], pricing="fixed",
                              price="100")
    with pytest.raises(ServiceError, match="No labour operation"):
        packages.save_package("P", "Bad", [{"kind": "labour", "code": "NOPE"}])


def test_the_catalogue_page_imports_and_saves_packages(app, client, login, make_staff, db):
    advisor = make_staff("advisor")
    manager = make_staff("manager")
    login(advisor)
    assert "The service manager imports the catalogue." in client.get("/reception/catalogue").get_data(as_text=True)
    assert client.post("/reception/catalogue/import").status_code == 403
    with client.get("/reception/catalogue/labour-template.csv") as template:
        example = template.data
    login(manager)
    bad = client.post("/reception/catalogue/import", content_type="multipart/form-data",
                      data={"file": (io.BytesIO((HEADER + "X,,,1,1,,,\n").encode()), "bad.csv")})
    assert bad.status_code == 422 and "Line 2: name" in bad.get_data(as_text=True)
    good = client.post("/reception/catalogue/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(example), "labour-catalogue.csv")})
    assert good.status_code == 200 and "Imported: 1 new, 0 changed, 0 unchanged." in good.get_data(as_text=True)
    found = client.get("/reception/catalogue?q=byjy&fragment=operations", headers={"HX-Request": "true"})
    assert 'data-operation="BY-JY"' in found.get_data(as_text=True)
    parts.create_part("06L115562B", "机油滤清器", price="68")
    refused = client.post("/reception/catalogue/packages", data={"code": "P1", "name": "保养", "items": "NOPE"})
    assert refused.status_code == 422 and "neither a labour code nor a part" in refused.get_data(as_text=True)
    saved = client.post("/reception/catalogue/packages", data={
        "code": "p1", "name": "朗逸保养", "model": "大众 朗逸", "interval_km": "10000", "pricing": "fixed",
        "price": "399", "items": "by-jy\n06L115562B × 2"})
    assert saved.status_code == 200 and 'data-package="P1"' in saved.get_data(as_text=True)
    assert packages.price_of(packages.get("P1")) == Decimal("399.00")
