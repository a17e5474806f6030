"""ZPL to a label printer over raw TCP port 9100 (Zebra, and the many printers that copy it).

Port 9100 takes the label's bytes and answers nothing, so "sent" means every
byte was accepted by the printer's network stack and the connection closed
cleanly. The timeouts keep a kiosk from hanging on a printer that is off or
half-way gone: connecting, and each send, give up after ``timeout`` seconds.
"""

from __future__ import annotations

import socket

from hardware.printers import PrinterError, split_address

ZPL_PORT = 9100
CLOSE_GRACE = 1.0  # seconds to wait for the printer's side to close


def send_zpl(data: bytes, address: str, *, timeout: float = 5.0) -> None:
    """Send ``data`` (one or more ``^XA … ^XZ`` labels) to ``address`` (``host[:port]``).

    Raises PrinterError("unreachable" | "timeout" | "disconnected" | "bad_address").
    """
    host, port = split_address(address, ZPL_PORT)
    try:
        conn = socket.create_connection((host, port), timeout=timeout)
    except TimeoutError as exc:
        raise PrinterError("unreachable", f"{host}:{port}: no answer within {timeout:g} s") from exc
    except OSError as exc:  # refused, no route, unknown host name
        raise PrinterError("unreachable", f"{host}:{port}: {exc.strerror or exc}") from exc
    with conn:
        try:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        except TimeoutError as exc:
            raise PrinterError("timeout", f"{host}:{port}: stopped taking data") from exc
        except OSError as exc:  # reset, broken pipe
            raise PrinterError("disconnected", f"{host}:{port}: {exc.strerror or exc}") from exc
        _linger(conn, min(timeout, CLOSE_GRACE))


def _linger(conn: socket.socket, grace: float) -> None:
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
