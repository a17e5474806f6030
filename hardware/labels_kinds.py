"""Every printable label besides the key tag: job-line tags, bin labels, staff badges, part labels.

Each kind is a small frozen data class (every text already translated by the
caller) and a layout in millimetres on ``hardware.labels``' machinery, so each
renders as PNG, SVG, PDF or ZPL exactly like the key tag. What the codes carry
is a contract with the scan path:

* key tag / work-order tag: the work-order number (``R1-20261127-0042``)
* job-line tag: ``<number>/<position>`` (``R1-20261127-0042/2``)
* bin label: ``BIN:<bin code>`` (``BIN:A-01-03``)
* staff badge: the badge code (``TEC-001``)
* part label: the part's first barcode, or its part number
"""

from __future__ import annotations

from dataclasses import dataclass

from hardware.labels import render_layout
from hardware.labels_layout import Code, Layout, TagData, em_width, layout, tag_layout, text
from hardware.symbols import make_symbol

BIN_PREFIX = "BIN:"

# Label stock sizes in millimetres (width, height) as loaded in the printers.
SIZES = {
    "key_tag": (80.0, 50.0),
    "job_tag": (80.0, 50.0),
    "bin": (70.0, 30.0),
    "badge": (86.0, 54.0),  # an ID-1 card, the size of a bank card
    "part": (60.0, 40.0),
}


@dataclass(frozen=True)
class JobTagData:
    """A job line's tag: the technician scans it to clock on and off that job."""

    number: str
    position: int
    description: str
    plate: str = ""
    technician: str = ""
    title: str = ""

    @property
    def code(self) -> str:
        return f"{self.number}/{self.position}"


@dataclass(frozen=True)
class BinLabelData:
    """A shelf bin's label, scanned when stock is put away or counted."""

    bin_code: str
    description: str = ""
    title: str = ""

    @property
    def code(self) -> str:
        return BIN_PREFIX + self.bin_code.strip()


@dataclass(frozen=True)
class BadgeData:
    """A staff badge: scanned to log in and to clock on."""

    badge: str
    name: str
    role: str = ""
    store_name: str = ""

    @property
    def code(self) -> str:
        return self.badge.strip()


@dataclass(frozen=True)
class PartLabelData:
    """A part's label for packaging that came without a readable barcode."""

    part_no: str
    name: str
    barcode: str = ""  # the part's first barcode; the part number is used without one
    bin_code: str = ""
    bin_title: str = ""  # e.g. "Bin": the word printed before the bin code

    @property
    def code(self) -> str:
        return (self.barcode or self.part_no).strip()


def _big(value: str, width: float, largest: float) -> float:
    """A type size that fits ``value`` on one line of ``width`` mm, never over ``largest``."""
    return min(largest, width / max(em_width(value), 1.0))


def job_tag_layout(tag: JobTagData) -> Layout:
    """80 x 50 mm: number/position big, the job, plate and technician; QR right, Code 128 below."""
    w, h = SIZES["job_tag"]
    code = tag.code
    return layout(
        w, h,
        text(2.5, 5.5, 50.0, 3.4, tag.title, bold=True),
        text(2.5, 12.5, 52.0, _big(code, 52.0, 6.0), code, bold=True),
        text(2.5, 19.0, 52.0, 4.4, tag.description, bold=True),
        text(2.5, 25.0, 52.0, 4.0, tag.plate),
        text(2.5, 30.5, 52.0, 3.2, tag.technician),
        Code(55.0, 7.0, 22.5, 22.5, make_symbol(code, "qr")),
        Code(1.0, 36.0, 78.0, 12.0, make_symbol(code, "code128")),
    )


def bin_label_layout(label: BinLabelData) -> Layout:
    """70 x 30 mm shelf label: the bin code big enough to read from a ladder, Code 128 below."""
    w, h = SIZES["bin"]
    code = label.code
    bin_code = label.bin_code.strip()
    if not bin_code:
        raise ValueError("a bin label needs a bin code")
    return layout(
        w, h,
        text(2.0, 3.8, 30.0, 2.6, label.title, bold=True),
        text(34.0, 3.8, 34.0, 2.6, label.description, right=True),
        text(2.0, 12.0, 66.0, _big(bin_code, 66.0, 8.0), bin_code, bold=True),
        Code(1.0, 14.5, 68.0, 14.0, make_symbol(code, "code128")),
    )


def badge_layout(badge: BadgeData) -> Layout:
    """86 x 54 mm card: name, role and badge code; QR on the right, Code 128 along the bottom."""
    w, h = SIZES["badge"]
    code = badge.code
    return layout(
        w, h,
        text(3.0, 6.0, 55.0, 3.0, badge.store_name),
        text(3.0, 17.0, 55.0, _big(badge.name, 55.0, 8.0), badge.name, bold=True),
        text(3.0, 25.0, 55.0, 4.2, badge.role),
        text(3.0, 32.0, 55.0, 4.2, code, bold=True),
        Code(59.0, 5.0, 25.0, 25.0, make_symbol(code, "qr")),
        Code(2.0, 37.0, 82.0, 14.0, make_symbol(code, "code128")),
    )


def part_label_layout(label: PartLabelData) -> Layout:
    """60 x 40 mm: part name and number, the bin; Code 128 of the part's code."""
    w, h = SIZES["part"]
    bin_line = " ".join(x for x in (label.bin_title, label.bin_code) if x)
    return layout(
        w, h,
        text(2.0, 6.0, 56.0, 4.2, label.name, bold=True),
        text(2.0, 12.0, 36.0, _big(label.part_no, 36.0, 4.4), label.part_no, bold=True),
        text(38.0, 12.0, 20.0, 3.4, bin_line if label.bin_code else "", right=True),
        Code(1.0, 15.0, 58.0, 22.0, make_symbol(label.code, "code128")),
    )


LAYOUTS = {
    TagData: tag_layout,
    JobTagData: job_tag_layout,
    BinLabelData: bin_label_layout,
    BadgeData: badge_layout,
    PartLabelData: part_label_layout,
}


def label_layout(data) -> Layout:
    """The layout of any label data class above (or a key tag's ``TagData``)."""
    try:
        return LAYOUTS[type(data)](data)
    except KeyError:
        raise TypeError(f"{type(data).__name__} is not a label") from None


def render_label(data, fmt: str, *, zpl_mode: str = "font") -> bytes:
    """Render any label as ``"png"``, ``"svg"``, ``"pdf"`` or ``"zpl"``.

    Raises ValueError when a code cannot be made (empty, characters Code 128
    cannot carry, too long for the label) or the format is unknown.
    """
    return render_layout(label_layout(data), fmt, zpl_mode=zpl_mode)
