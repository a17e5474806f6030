"""ZPL to a label printer over raw TCP port 9100 (Zebra, and the many printers that copy it).

Port 9100 takes the label's bytes and answers nothing, so "sent" means every
byte was accepted by the printer's network stack and the connection closed
cleanly. The timeouts keep a kiosk from hanging on a printer that is off or
half-way gone: connecting, and each send, give up after ``timeout`` seconds.
"""

from __future__ import annotations

import socket

from hardware.printers import CLOSE_GRACE, PrinterError, connect, split_address, wait_for_close

ZPL_PORT = 9100


def send_zpl(data: bytes, address: str, *, timeout: float = 5.0) -> None:
    """Send ``data`` (one or more ``^XA … ^XZ`` labels) to ``address`` (``host[:port]``).

    Raises PrinterError("unreachable" | "timeout" | "disconnected" | "bad_address").
    """
    host, port = split_address(address, ZPL_PORT)
    conn = connect(host, port, timeout)
    with conn:
        try:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        except TimeoutError as exc:
            raise PrinterError("timeout", f"{host}:{port}: stopped taking data") from exc
        except OSError as exc:  # reset, broken pipe
            raise PrinterError("disconnected", f"{host}:{port}: {exc.strerror or exc}") from exc
        wait_for_close(conn, min(timeout, CLOSE_GRACE))

