"""Sending documents to printers: ZPL over raw TCP 9100, ESC/POS, CUPS ``lp``.

No Flask, no database: each sender takes bytes and an address and either
returns or raises ``PrinterError`` with a machine-readable ``reason`` the
service layer turns into a translated message. Nothing here retries; the
print queue (``kiosk.services.printing``) keeps the bytes and retries.
"""

from __future__ import annotations

import ipaddress
import re
import socket

CLOSE_GRACE = 1.0  # seconds to wait for the printer's side to close after sending

# Why a print failed. The service layer has a translated message for each.
REASONS = (
    "bad_address",  # the configured address cannot be used
    "unreachable",  # nobody answered at the address (refused, no route, connect timeout)
    "timeout",  # connected, but the printer stopped taking data
    "disconnected",  # the printer closed the connection half-way
    "no_device",  # a device file that does not exist or cannot be opened
    "no_lp",  # CUPS' lp command is not installed
    "cups_failed",  # lp ran and refused the job (unknown queue, cupsd down …)
)


class PrinterError(Exception):
    """A print did not reach the printer. ``detail`` is the system's own words, for the log."""

    def __init__(self, reason: str, detail: str = ""):
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def split_address(address: str, default_port: int) -> tuple[str, int]:
    """``"host"``, ``"host:port"`` or ``"[v6]:port"`` as (host, port); PrinterError if unusable."""
    address = (address or "").strip()
    host, port = address, default_port
    if address.startswith("["):  # [fe80::1]:9100
        host, _, rest = address[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], address)
    elif address.count(":") == 1:
        host, _, text = address.partition(":")
        port = _port(text, address)
    if not _HOST.fullmatch(host) and not _ip(host):
        raise PrinterError("bad_address", f"no host name or IP address in {address!r}")
    return host, port


# A DNS name (letters, digits, dots, dashes): never a path, never a URL.
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}))*\.?")


def _ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _port(text: str, address: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise PrinterError("bad_address", f"bad port in {address!r}")
    return int(text)


def connect(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to a network printer, or PrinterError saying why not.

    A printer that accepts and at once resets the connection (it crashed, or
    took a job it could not handle) may do so before the connection call
    returns: that is "disconnected", like a reset while sending, not "unreachable".
    """
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except TimeoutError as exc:
        raise PrinterError("unreachable", f"{host}:{port}: no answer within {timeout:g} s") from exc
    except (ConnectionResetError, ConnectionAbortedError) as exc:
        raise PrinterError("disconnected", f"{host}:{port}: {exc.strerror or exc}") from exc
    except OSError as exc:  # refused, no route, unknown host name
        raise PrinterError("unreachable", f"{host}:{port}: {exc.strerror or exc}") from exc


def wait_for_close(conn: socket.socket, grace: float) -> None:
    """Wait a moment for the printer to close its side after our half-close.

    A printer that resets the connection now did not take the label. One that
    keeps it open has all the bytes (TCP acknowledged them), so that is fine.
    """
    conn.settimeout(grace)
    try:
        while conn.recv(4096):
            pass  # some printers answer with status bytes; they mean nothing here
    except TimeoutError:
        return
    except ConnectionResetError as exc:
        raise PrinterError("disconnected", f"reset after sending: {exc.strerror or exc}") from exc
    except OSError:
        return
