"""Stand-ins for printers (a real TCP server on loopback, a fake ``lp`` on PATH) and
readers that turn what a printer receives back into pixels for the real decoders."""

from __future__ import annotations

import os
import re
import socket
import struct
import textwrap
import threading
from pathlib import Path

import numpy as np

from hardware.decode import Decoded, decode
from hardware.symbols import make_symbol, symbol_array


class PrinterStandIn:
    """A raw-TCP printer on 127.0.0.1: keeps every job it receives (one per connection).

    ``behaviour``: "ok" reads until the sender closes; "reset" slams the
    connection shut (RST) without reading, like a printer that crashed.
    """

    def __init__(self, behaviour: str = "ok"):
        self.behaviour = behaviour
        self.jobs: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                if self.behaviour == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    continue
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
                self.jobs.append(b"".join(chunks))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()


def closed_port() -> int:
    """A loopback port nobody listens on (connecting is refused)."""
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]


# ---- ZPL ---------------------------------------------------------------------------

def _zpl_text(field: str) -> str:
    """Undo ``^FH_`` escapes (``_5E`` → ``^``) in field data, as the printer does."""
    raw = re.sub(rb"_([0-9A-F]{2})", lambda m: bytes([int(m[1], 16)]), field.encode("utf-8"))
    return raw.decode("utf-8")


def zpl_size(zpl: str) -> tuple[int, int]:
    """(^PW, ^LL): the label's width and length in dots."""
    return int(re.search(r"\^PW(\d+)", zpl)[1]), int(re.search(r"\^LL(\d+)", zpl)[1])


def zpl_graphic_image(zpl: str) -> np.ndarray:
    """The label of an image-mode ZPL: its ^GFA field drawn at its ^FO offset (0 = dark)."""
    width, length = zpl_size(zpl)
    canvas = np.full((length, width), 255, np.uint8)
    found = re.search(r"\^FO(\d+),(\d+)\^GFA,(\d+),(\d+),(\d+),([0-9A-F]+)\^FS", zpl)
    assert found, "no ^GFA field"
    x, y, total, _, row_bytes = (int(v) for v in found.groups()[:5])
    data = found[6]
    raw = bytes.fromhex(data)
    assert len(raw) == total and total % row_bytes == 0
    bits = np.unpackbits(np.frombuffer(raw, np.uint8)).reshape(total // row_bytes, row_bytes * 8)
    rows, cols = min(bits.shape[0], length - y), min(bits.shape[1], width - x)
    canvas[y:y + rows, x:x + cols] = np.where(bits[:rows, :cols] == 1, 0, 255)
    return canvas


def zpl_code_fields(zpl: str) -> list[tuple[str, str, int, int, int, int]]:
    """Every ^BC and ^BQ field as (symbology, text, x, y, module dots, bar height)."""
    fields = []
    for m in re.finditer(r"\^FO(\d+),(\d+)\^BY(\d+),3,(\d+)\^BCN,(\d+),N,N,N,A\^FH_\^FD(.*?)\^FS", zpl):
        fields.append(("code128", _zpl_text(m[6]), int(m[1]), int(m[2]), int(m[3]), int(m[5])))
    for m in re.finditer(r"\^FO(\d+),(\d+)\^BQN,2,(\d+),M\^FH_\^FDMA,(.*?)\^FS", zpl):
        fields.append(("qr", _zpl_text(m[4]), int(m[1]), int(m[2]), int(m[3]), 0))
    return fields


def zpl_codes_image(zpl: str) -> np.ndarray:
    """Draw the ^BC/^BQ fields as the printer would (no quiet zone of its own) and return the label."""
    width, length = zpl_size(zpl)
    canvas = np.full((length, width), 255, np.uint8)
    for symbology, text, x, y, module, height in zpl_code_fields(zpl):
        symbol = make_symbol(text, symbology)
        pixels = symbol_array(symbol, module, height or None)
        quiet = module * (10 if symbol.is_linear else 4)
        x, y = x - quiet, y - (0 if symbol.is_linear else quiet)  # the symbol's own quiet zone
        assert x >= 0 and y >= 0 and x + pixels.shape[1] <= width and y + pixels.shape[0] <= length, text
        canvas[y:y + pixels.shape[0], x:x + pixels.shape[1]] = np.minimum(
            canvas[y:y + pixels.shape[0], x:x + pixels.shape[1]], pixels)
    return canvas


# ---- ESC/POS -----------------------------------------------------------------------

def escpos_raster(data: bytes) -> np.ndarray:
    """Every ``GS v 0`` raster picture in ``data``, stacked top to bottom (0 = dark)."""
    parts = []
    for m in re.finditer(rb"\x1dv0[\x00-\x03]", data):
        width_bytes, height = struct.unpack_from("<HH", data, m.end())
        start = m.end() + 4
        raw = np.frombuffer(data[start:start + width_bytes * height], np.uint8)
        bits = np.unpackbits(raw).reshape(height, width_bytes * 8)
        parts.append(np.where(bits == 1, 0, 255).astype(np.uint8))
    assert parts, "no GS v 0 picture"
    return np.pad(np.vstack(parts), 40, constant_values=255)


def escpos_barcodes(data: bytes) -> list[tuple[str, int, int]]:
    """Every ``GS k`` Code 128 as (text, module dots from GS w, height from GS h)."""
    found = []
    for m in re.finditer(rb"\x1dkI(.)", data, re.S):
        length = m[1][0]
        payload = data[m.end():m.end() + length].decode("ascii")
        assert payload[:2] in ("{A", "{B", "{C")
        width = data.rfind(b"\x1dw", 0, m.start())
        height = data.rfind(b"\x1dh", 0, m.start())
        found.append((payload[2:], data[width + 2], data[height + 2]))
    return found


def escpos_barcode_image(text: str, module: int, height: int) -> np.ndarray:
    """The printer's Code 128 of ``text`` (it prints its own, quiet zone from the centring)."""
    return np.pad(symbol_array(make_symbol(text, "code128"), module, height), 20, constant_values=255)


def escpos_chinese_text(data: bytes) -> str:
    """The text sent in Chinese character mode (between ``FS &`` and ``FS .``), decoded as GB18030."""
    start, end = data.index(b"\x1c&") + 2, data.index(b"\x1c.")
    # Control sequences are ASCII bytes and GB18030 keeps ASCII as itself, so
    # the Chinese lines come out whole between them.
    return data[start:end].decode("gb18030", "replace")


def decoded(image: np.ndarray) -> set[Decoded]:
    return set(decode(image))


# ---- CUPS --------------------------------------------------------------------------

def fake_lp(folder: Path, *, fail: str = "") -> Path:
    """An ``lp`` script in ``folder`` that records its argv and stdin, or fails saying ``fail``."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "lp"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        printf '%s\\n' "$@" > "{folder}/argv"
        cat > "{folder}/stdin"
        if [ -n "{fail}" ]; then echo "lp: {fail}" >&2; exit 1; fi
        echo "request id is A4-17 (0 file(s))"
        """))
    script.chmod(0o755)
    return script


def path_with(folder: Path) -> str:
    return f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
