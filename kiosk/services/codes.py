"""What a scanned code is: work-order tag, job-line tag, staff badge, bin label,
part barcode — or unknown. The one place that decides; stations act on the answer.

The printed codes (hardware.labels) carry:
  work-order tag   the number itself          R1-20261127-0042
  job-line tag     number "/" job position    R1-20261127-0042/2
  bin label        "BIN:" and the bin         BIN:A-01-03
  staff badge      the badge code             TEC-001
  part barcode     whatever the maker printed (EAN-13, Code 128, Code 39, DataMatrix),
                   found in the catalogue by kiosk.services.catalogue.find_part
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kiosk.i18n import lazy_gettext as _l

from kiosk.models import JobLine, WorkOrder

KINDS = ("work_order", "job_line", "badge", "bin", "part", "unknown")
BIN_PREFIX = "BIN:"
_NUMBER = r"[A-Z0-9]{1,8}-\d{8}-\d{4,6}"
WORK_ORDER_TAG = re.compile(rf"^{_NUMBER}$")
JOB_LINE_TAG = re.compile(rf"^(?P<number>{_NUMBER})/(?P<position>\d{{1,3}})$")
MAX_LENGTH = 200


@dataclass(frozen=True)
class Code:
    """A classified code. ``ref`` is the row it names (WorkOrder, JobLine, Staff,
    Part) or the bin code for a bin label; ``problem`` says why an unknown code is unknown."""

    kind: str
    text: str
    ref: object = field(default=None, compare=False)
    problem: object = field(default=None, compare=False)

    @property
    def known(self) -> bool:
        return self.kind != "unknown"


def normalize(raw: str) -> str:
    """The code as printed: surrounding blanks gone, full-width characters (a
    Chinese input method left on while a scanner types) folded to ASCII,
    control characters other than GS (GS1 separators) dropped."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(c for c in text if c == "\x1d" or unicodedata.category(c)[0] != "C")
    return text.strip()[:MAX_LENGTH + 1]


def job_tag(job: JobLine) -> str:
    """The text printed on a job line's tag."""
    return f"{job.work_order.number}/{job.position}"


def bin_label(bin_code: str) -> str:
    """The text printed on a bin label."""
    return f"{BIN_PREFIX}{bin_code.strip().upper()}"


def _order(number: str) -> WorkOrder | None:
    return WorkOrder.get_or_none((WorkOrder.number == number) & (WorkOrder.deleted == False))  # noqa: E712


def classify(raw: str) -> Code:
    """Say what ``raw`` (as scanned or typed) is, looking it up where it names a row."""
    from kiosk.services.catalogue import find_part
    from kiosk.services.staff import find_by_badge

    text = normalize(raw)
    if not text:
        return Code("unknown", "", problem=_l("The scan was empty. Scan again."))
    if len(text) > MAX_LENGTH or "\ufffd" in text:
        return Code("unknown", text[:40], problem=_l("This code could not be read cleanly. Scan again."))
    upper = text.upper()
    job_match = JOB_LINE_TAG.match(upper)
    if job_match:
        order = _order(job_match["number"])
        job = order and JobLine.get_or_none((JobLine.work_order == order)
                                            & (JobLine.position == int(job_match["position"]))
                                            & (JobLine.deleted == False))  # noqa: E712
        if job is None:
            return Code("unknown", upper, problem=_l(
                "Job %(tag)s is not on this kiosk. It may not have synced yet; ask reception.", tag=upper))
        return Code("job_line", upper, job)
    if WORK_ORDER_TAG.match(upper):
        order = _order(upper)
        if order is None:
            return Code("unknown", upper, problem=_l(
                "Work order %(number)s is not on this kiosk. It may not have synced yet; ask reception.",
                number=upper))
        return Code("work_order", upper, order)
    if upper.startswith(BIN_PREFIX) and len(upper) > len(BIN_PREFIX):
        return Code("bin", upper, upper[len(BIN_PREFIX):].strip())
    staff = find_by_badge(upper)
    if staff is not None:
        if not staff.active:
            return Code("unknown", upper, problem=_l("Badge %(badge)s is no longer active.", badge=upper))
        return Code("badge", upper, staff)
    part = find_part(text)
    if part is not None:
        return Code("part", text, part)
    return Code("unknown", text, problem=_l(
        "Code %(code)s is not a work order, job, badge, bin or part that this kiosk knows.", code=text))
