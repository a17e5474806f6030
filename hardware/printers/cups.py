"""A4 (and anything else CUPS knows a queue for) through the ``lp`` command.

``lp`` comes with CUPS on Linux (package ``cups-client``) and macOS. The
document goes on ``lp``'s standard input, so no temporary file is left behind
when a print fails; the queue's own driver turns the PDF into the printer's
language.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from hardware.printers import PrinterError

_REQUEST_ID = re.compile(r"request id is (\S+)")


def lp_command(queue: str, *, title: str = "", copies: int = 1, media: str = "", lp: str = "lp") -> list[str]:
    """The argv that prints standard input on CUPS queue ``queue`` (the default queue when empty).

    Raises PrinterError("bad_address") for a queue name CUPS would refuse.
    """
    argv = [lp]
    queue = (queue or "").strip()
    if queue:
        # CUPS queue names: printable characters other than space, tab, "/", "\\", "'", '"', "#".
        if re.search(r"[\s/\\'\"#]", queue) or not queue.isprintable():
            raise PrinterError("bad_address", f"not a CUPS queue name: {queue!r}")
        argv += ["-d", queue]
    if title:
        argv += ["-t", title]
    if copies != 1:
        argv += ["-n", str(int(copies))]
    if media:
        argv += ["-o", f"media={media}"]
    return argv


def print_cups(data: bytes, queue: str, *, title: str = "", media: str = "", timeout: float = 30.0) -> str:
    """Print ``data`` (PDF) on ``queue`` with ``lp``; returns CUPS' job id (``A4-12``) or "".

    Raises PrinterError("no_lp" | "cups_failed" | "timeout" | "bad_address").
    """
    lp = shutil.which("lp")
    if lp is None:
        raise PrinterError("no_lp", "the lp command is not on PATH (install cups-client)")
    argv = lp_command(queue, title=title, media=media, lp=lp)
    try:
        done = subprocess.run(argv, input=data, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PrinterError("timeout", f"lp did not finish within {timeout:g} s") from exc
    except OSError as exc:
        raise PrinterError("no_lp", f"{lp}: {exc.strerror or exc}") from exc
    said = (done.stderr or b"").decode("utf-8", "replace").strip()
    if done.returncode != 0:
        last = said.splitlines()[-1] if said else f"exit status {done.returncode}"
        raise PrinterError("cups_failed", last)
    found = _REQUEST_ID.search((done.stdout or b"").decode("utf-8", "replace"))
    return found[1] if found else ""
