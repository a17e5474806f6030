"""The manager's figures pages with the known history: the dashboard against targets, the
drill-down to the orders, the targets form, the reports and every export holding the same
numbers as the page (XLSX opened with openpyxl, the PDF read back with pdftotext)."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from kiosk.db import connected
from kiosk.services.figures import registry
from tests.support import figures as history

MONTH = "period=month&day=2026-10-01"


@pytest.fixture
def shop(app):
    with app.app_context(), connected():
        return history.build()


@pytest.fixture
def manager(make_staff, login, shop):
    return login(make_staff("manager", name="刘经理"))


def test_the_dashboard_shows_each_figure_against_its_target(client, manager):
    page = client.get(f"/figures/?{MONTH}")
    assert page.status_code == 200
    html = page.data.decode()
    assert 'data-figure="first_time_fix"' in html and "60.0%" in html and "3 of 5" in html
    assert html.count('class="fg-card bad"') >= 1 and 'class="fg-card ok"' in html
    assert html.count("<svg class=\"trend\"") == len(registry.FIGURES)
    assert 'data-figure="csi"' in html and "¥3,400.00" in html and "¥680.00" in html
    assert "/figures/first_time_fix?period=month" in html


def test_only_managers_open_the_figures(client, make_staff, login, shop):
    assert client.get("/figures/").status_code == 302  # to the login
    login(make_staff("technician"))
    assert client.get("/figures/").status_code == 403


def test_the_menu_offers_the_figures_to_a_manager(client, manager):
    assert "/figures/" in client.get("/").data.decode()


def test_first_time_fix_drills_down_to_the_orders_that_failed(client, manager, shop):
    html = client.get(f"/figures/first_time_fix?{MONTH}").data.decode()
    o2, o3 = shop["orders"][1].number, shop["orders"][2].number
    assert f'href="/reception/work-orders/{o2}"' in html and f'href="/reception/work-orders/{o3}"' in html
    assert html.count('class="missed"') == 2
    assert "王顾问" in html and "赵顾问" in html  # per advisor
    assert client.get(f"/reception/work-orders/{o2}").status_code == 200


def test_a_bad_period_says_so_and_shows_this_month(client, manager):
    page = client.get("/figures/?from=2026-02-30")
    assert page.status_code == 200
    assert "YYYY-MM-DD" in page.data.decode()
    assert client.get("/figures/no_such_figure").status_code == 404


def test_targets_refuse_a_bad_number_and_keep_a_good_one(client, manager):
    refused = client.post("/figures/targets", data={"target_first_time_fix": "150"})
    assert refused.status_code == 400 and "0 to 100" in refused.data.decode()
    saved = client.post("/figures/targets", data={"target_first_time_fix": "55", "target_complaint_rate": "2"})
    assert saved.status_code == 302
    html = client.get(f"/figures/?{MONTH}").data.decode()
    assert "Target ≥ 55" in html and "Target ≤ 2%" in html
    # The quality-guarantee periods are the cashier's, shown here and set there.
    targets = client.get("/figures/targets").data.decode()
    assert 'name="guarantee_minor"' not in targets and 'href="/cashier/settings"' in targets


def test_the_care_and_claims_figures_drill_down_to_complaints_claims_and_orders(client, manager, shop):
    o2 = shop["orders"][1].number
    html = client.get(f"/figures/complaints_on_time?{MONTH}").data.decode()
    assert 'href="/care/complaints/TS-T-1"' in html and 'href="/care/complaints/TS-T-2"' in html
    assert f'href="/reception/work-orders/{o2}"' in html and html.count('class="missed"') == 1
    claims = client.get(f"/figures/claim_approval?{MONTH}").data.decode()
    assert 'href="/claims/c/SP-T-2"' in claims and "50.0%" in claims
    assert client.get("/care/complaints/TS-T-1").status_code in (200, 403)
    calls = client.get(f"/figures/csi?{MONTH}").data.decode()
    assert "80" in calls and calls.count('class="missed"') == 2
    owed = client.get(f"/figures/export/receivables.csv?{MONTH}").data.decode("utf-8-sig")
    assert "平安保险" in owed and "250" in owed


def _rows_of(book, sheet=0):
    return [[c for c in row] for row in book.worksheets[sheet].iter_rows(values_only=True)]


def test_xlsx_and_csv_hold_the_pages_numbers(client, manager, shop):
    answer = client.get(f"/figures/export/figures.xlsx?{MONTH}")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    rows = _rows_of(load_workbook(io.BytesIO(answer.data)))
    by_label = {row[0]: row for row in rows}
    assert by_label["First-time fix"][1] == "60.0%" and by_label["Delivered"][1] == "5"
    text = client.get(f"/figures/export/first_time_fix.csv?{MONTH}").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "Work order" and {line[0] for line in lines[1:3]} == {
        shop["orders"][1].number, shop["orders"][2].number}
    technicians = _rows_of(load_workbook(io.BytesIO(client.get(f"/figures/export/technician.xlsx?{MONTH}").data)))
    assert ["张师傅", "TEC-801", "100.0%", "33.3%", "5.6%"] in [list(r) for r in technicians]
    assert client.get(f"/figures/export/nothing.csv?{MONTH}").status_code == 404


def test_the_monthly_report_as_page_pdf_and_xlsx(client, manager):
    page = client.get("/figures/report/monthly?day=2026-10-15")
    assert page.status_code == 200 and "Monthly report 2026-10" in page.data.decode()
    book = load_workbook(io.BytesIO(client.get("/figures/report/monthly.xlsx?day=2026-10-15").data))
    assert len(book.worksheets) == 5
    pdf = client.get("/figures/report/monthly.pdf?day=2026-10-15")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext not on PATH: poppler-utils is missing (make system-deps installs it)")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()
    assert "Monthly report 2026-10" in text and "60.0%" in text and "66.7%" in text and "王顾问" in text
    fonts = subprocess.run(["pdffonts", "-"], input=pdf.data, capture_output=True).stdout.decode()
    assert "yes" in fonts  # the CJK font is embedded


def test_the_daily_report_of_a_day(client, manager):
    html = client.get("/figures/report/daily?day=2026-10-06").data.decode()
    assert "Daily report 2026-10-06" in html
    assert client.get("/figures/report/weekly").status_code == 404


def test_the_group_page_is_for_a_hub_that_lists_its_stores(client, manager, app):
    assert client.get("/figures/group").status_code == 404  # a single store
    app.config["GROUP_STORES"] = "浦江店=R1;苏州店=SZ1"
    html = client.get(f"/figures/group?{MONTH}").data.decode()
    assert "浦江店" in html and "苏州店" in html and 'data-figure="first_time_fix"' in html
    drill = client.get(f"/figures/first_time_fix?{MONTH}&store=苏州店")
    assert drill.status_code == 200 and "Nothing to count in this period." in drill.data.decode()
    assert client.get(f"/figures/first_time_fix?{MONTH}&store=nowhere").status_code == 404
