"""The catalogue page at reception: the labour catalogue imported from a file and service
packages saved (the services behind it: tests/services/test_catalogues.py)."""
from __future__ import annotations

import io
from decimal import Decimal

from kiosk.services import packages, parts

HEADER = "code,name,name_en,hours,rate_customer,rate_warranty,rate_insurance,rate_internal\n"


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
