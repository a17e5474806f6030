"""Importing the labour-operation catalogue from a CSV or XLSX file, all or nothing.

The format (README, "Importing the labour catalogue"): the first row names the
columns, in English or in Chinese, in any order; every later row is one
operation. ``code``, ``name``, ``hours`` and ``rate_customer`` are required:

    code  (工时代码)   name (名称)   name_en (英文名称)   hours (标准工时)
    rate_customer (客户工时单价)   rate_warranty (索赔工时单价)
    rate_insurance (保险工时单价)   rate_internal (内部工时单价)

CSV in UTF-8 (a BOM is fine) or GB18030 (what Excel on a Chinese Windows saves);
XLSX: the first sheet, read with openpyxl. Every row is checked before anything
is written: one bad row (its line number and the reason) and nothing is
imported. A code already in the catalogue is updated; blank rows are skipped.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from kiosk.i18n import lazy_gettext as _l

from kiosk.db import transaction
from kiosk.services import labour
from kiosk.services.errors import ServiceError

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = {
    "code": ("code", "工时代码", "代码", "编码"),
    "name": ("name", "name_zh", "名称", "工时名称", "中文名称"),
    "name_en": ("name_en", "英文名称"),
    "hours": ("hours", "标准工时", "工时"),
    "rate_customer": ("rate_customer", "客户工时单价", "客户"),
    "rate_warranty": ("rate_warranty", "索赔工时单价", "索赔"),
    "rate_insurance": ("rate_insurance", "保险工时单价", "保险"),
    "rate_internal": ("rate_internal", "内部工时单价", "内部"),
}
REQUIRED = ("code", "name", "hours", "rate_customer")
FIELD_NAMES = {"code": "code", "name": "name", "name_en": "name_en", "hours": "hours"}


@dataclass
class ImportResult:
    """What an import did, or (``errors``: line number and reason) why it did nothing."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(filename: str, content: bytes) -> list[tuple[int, list]]:
    """(line number, cells) of every row of a CSV or XLSX file, the header first."""
    if not content:
        raise ServiceError(_l("The file is empty."), field="file")
    if len(content) > MAX_BYTES:
        raise ServiceError(_l("The file is larger than 5 MB."), field="file")
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return _xlsx_rows(content)
    if name.endswith(".csv") or name.endswith(".txt") or not name:
        return _csv_rows(content)
    raise ServiceError(_l("Import a .csv or .xlsx file."), field="file")


def _csv_rows(content: bytes) -> list[tuple[int, list]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ServiceError(_l("The file is not text in UTF-8 or GB18030."), field="file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1)]


def _xlsx_rows(content: bytes) -> list[tuple[int, list]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise ServiceError(_l("The file is not an Excel workbook (.xlsx) that can be read."), field="file")
    try:
        sheet = book.worksheets[0]
        return [(n, ["" if v is None else v for v in row])
                for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def _header(cells: list) -> dict[str, int]:
    """Column index of each known column; a clear error for a missing required one."""
    names = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = names.get(str(cell).strip().lower())
        if key and key not in found:
            found[key] = index
    missing = [k for k in REQUIRED if k not in found]
    if missing:
        raise ServiceError(_l("Line 1: the columns %(columns)s are missing (see the import format).",
                              columns=", ".join(missing)), field="file")
    return found


def _cell(cells: list, index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_file(filename: str, content: bytes) -> tuple[list[dict], list[tuple[int, str]]]:
    """Every row checked: the clean rows and the errors (line number, reason)."""
    rows = read_rows(filename, content)
    if not rows:
        raise ServiceError(_l("The file is empty."), field="file")
    columns = _header(rows[0][1])
    clean, errors, seen = [], [], {}
    for number, cells in rows[1:MAX_ROWS + 1]:
        values = {key: _cell(cells, columns.get(key)) for key in COLUMNS}
        if not any(values.values()):
            continue
        try:
            row = labour.clean_values(values)
        except ServiceError as error:
            errors.append((number, f"{error.field}: {error.message}"))
            continue
        if row["code"] in seen:
            errors.append((number, str(_l("code %(code)s is already on line %(line)s.", code=row["code"],
                                          line=seen[row["code"]]))))
            continue
        seen[row["code"]] = number
        clean.append(row)
    if len(rows) > MAX_ROWS + 1:
        errors.append((MAX_ROWS + 2, str(_l("A file has at most %(n)s operations.", n=MAX_ROWS))))
    if not clean and not errors:
        raise ServiceError(_l("The file has no operations below its header."), field="file")
    return clean, errors


def import_file(filename: str, content: bytes) -> ImportResult:
    """Import the catalogue file: every row or, with any bad row, none."""
    clean, errors = check_file(filename, content)
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    with transaction():
        for row in clean:
            existing = labour.find_operation(row["code"])
            if existing is None:
                result.added += 1
            elif any(getattr(existing, k) != v for k, v in row.items()):
                result.changed += 1
            else:
                result.unchanged += 1
            labour.save_operation(row)
    return result
