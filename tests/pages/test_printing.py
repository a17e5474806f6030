"""Printing at reception: the A4 work order, the key tag page and the tag files.
What is printed must read back to the work-order number."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest

from hardware.decode import Decoded, decode
from kiosk.db import database
from kiosk.services import customers, workorders
from tests.support.reception import HX, add_job, signature_data_url, url


@pytest.fixture
def number(app, advisor):
    """A signed order with a job and a part, promised for a set time."""
    with app.app_context(), database.connection_context():
        customer = customers.find_or_create_customer("王女士", "13987654321")
        vehicle = customers.create_vehicle(customer, "京A12345", vin="LFV2A21K0E3000001", model="大众 帕萨特")
        order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="刹车时方向盘抖动",
                                           walkaround={"warning_lights": ["abs"], "belongings": "行车记录仪"})
        workorders.add_part_line(order, "前刹车盘", qty=2, unit_price="680.50", part_no="3C0615301", non_catalogue=True)
        workorders.set_promised(order, "2031-03-04T16:00")
        return order.number


def styles_of(client, page: str) -> str:
    """The text of every stylesheet the page links, plus its own <style> blocks."""
    css = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', page):
        with client.get(href) as response:
            assert response.status_code == 200
            css += response.get_data(as_text=True)
    return css


def test_a4_print_has_codes_lines_and_signature(client, advisor, number):
    add_job(client, number, description="更换前刹车盘", price="450")
    client.post(url(number, "/authorize"), data={"signature": signature_data_url()}, headers=HX)
    response = client.get(url(number, "/print"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)

    assert number in page and "王女士" in page and "139****4321" in page and "13987654321" not in page
    assert "京A12345" in page and "大众 帕萨特" in page and "LFV2A21K0E3000001" in page
    assert "刹车时方向盘抖动" in page and "行车记录仪" in page
    assert "更换前刹车盘" in page and "3C0615301" in page and "¥ 1,811.00" in page  # 450 + 2 × 680.50
    assert advisor.name in page
    assert re.search(r'<svg[^>]*aria-label="%s"[^>]*data-symbology="code128"' % number, page)
    assert re.search(r'<svg[^>]*aria-label="%s"[^>]*data-symbology="qr"' % number, page)
    signature = re.search(r'<img class="signature-image" src="(/reception/files/[0-9a-f]{64}\.png)"', page)
    assert signature and "Version 1 signed by 王女士 on" in page  # the version it binds
    with client.get(signature[1]) as image:
        assert image.status_code == 200 and image.data.startswith(b"\x89PNG")

    # Paper only: no station bar; the print button is hidden when printing.
    assert 'class="topbar"' not in page
    assert "data-print" in page and 'class="toolbar no-print"' in page  # static/common.js prints (no inline script)
    css = styles_of(client, page)
    assert re.search(r"@page\s*{\s*size:\s*A4;\s*margin:\s*12mm", css)
    assert re.search(r"@media print\s*{[^}]*\.no-print\s*{\s*display:\s*none", css)


def test_unsigned_print_leaves_a_line_to_sign_on(client, advisor, number):
    page = client.get(url(number, "/print")).get_data(as_text=True)
    assert 'class="sign-line"' in page and "signature-image" not in page


def test_key_tag_page_is_a_label(client, advisor, number):
    response = client.get(url(number, "/key-tag"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert number in page and "京A12345" in page and "大众 帕萨特" in page
    assert "王**" in page and "王女士" not in page  # the tag hangs in an open key cabinet
    assert 'data-symbology="code128"' in page and 'data-symbology="qr"' in page
    assert re.search(r"@page\s*{\s*size:\s*80mm 50mm;\s*margin:\s*0\s*}", styles_of(client, page))
    for fmt in ("png", "svg", "pdf", "zpl"):
        assert f"/work-orders/{number}/tag.{fmt}" in page


def decode_png(data: bytes) -> set[Decoded]:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return set(decode(image))


@pytest.mark.parametrize("fmt, mimetype", [
    ("png", "image/png"), ("svg", "image/svg+xml"), ("pdf", "application/pdf"), ("zpl", "text/plain"),
])
def test_tag_downloads(client, advisor, number, fmt, mimetype):
    response = client.get(url(number, f"/tag.{fmt}"))
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"] == f'attachment; filename="{number}.{fmt}"'
    data = response.data
    if fmt == "png":
        assert decode_png(data) == {Decoded("Code128", number), Decoded("QRCode", number)}
    elif fmt == "svg":
        root = ET.fromstring(data)
        assert root.get("width") == "80mm" and root.get("height") == "50mm"
        assert number in data.decode() and "京A12345" in data.decode()
        assert "王**" in data.decode() and "王女士" not in data.decode()
    elif fmt == "pdf":
        assert data.startswith(b"%PDF") and b"%%EOF" in data[-32:]
    else:
        text = data.decode()
        assert text.startswith("^XA") and text.rstrip().endswith("^XZ")
        assert "^BC" in text and "^BQ" in text and number in text


def test_unknown_tag_format_or_number_is_a_clear_404(client, advisor, number):
    response = client.get(url(number, "/tag.gif"))
    assert response.status_code == 404
    assert "Key tags can be made as PNG, SVG, PDF, ZPL only." in response.get_data(as_text=True)
    response = client.get(url("R1-19990101-0001", "/tag.png"))
    assert response.status_code == 404
    assert "No work order with this number." in response.get_data(as_text=True)
    assert client.get(url("R1-19990101-0001", "/print")).status_code == 404


def test_printing_needs_the_reception_role(client, make_staff, login, number):
    client.post("/logout")
    assert client.get(url(number, "/print")).status_code == 302  # to the login
    login(make_staff("technician"))
    for tail in ("/print", "/key-tag", "/tag.png"):
        assert client.get(url(number, tail)).status_code == 403
