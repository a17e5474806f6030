"""Decode rate, false reads and time per frame of the decode pipeline beside
raw zxing-cpp and raw pyzbar (not a test: it prints markdown tables).

    python benchmarks/decode_bench.py [--frames 4] [--timing-frames 21] [--seed 7]     (make bench-decode)

1. The shared photographs (../shared/barcodes, or $BAYFLOW_SHARED/barcodes):
   the share of images whose expected text is read, per format and per folder.
2. Camera-like frames made here (1280x720, a code on a paper label over a
   photograph without any code): clean, tilted, blurred, dim, glare, small,
   noisy and JPEG, ``--frames`` per format and condition.
3. False reads: any code reported on the 47 empty photographs, on generated
   frames without a code, and any code other than the one on a generated frame.
4. Median CPU milliseconds per 720p and 1080p frame, with and without a code
   (OpenCV limited to one thread: the times are for one core).

"Raw" means the libraries' defaults, every format they know, in this process:
``zxingcpp.read_barcodes(image)`` and ``pyzbar.decode(image)``.
"""
from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hardware.decode import ZBAR_AVAILABLE, Decoded, Decoder  # noqa: E402

BARCODES = Path(os.environ.get("BAYFLOW_SHARED") or ROOT.parent / "shared") / "barcodes"
FORMATS = ("Code128", "Code39", "EAN13", "EAN8", "UPCA", "QRCode", "DataMatrix")
CONDITIONS = ("clean", "tilted", "blurred", "dim", "glare", "small", "noisy", "jpeg")


@dataclass(frozen=True)
class Case:
    """One image and what it holds (format "none": nothing may be read)."""

    name: str
    format: str
    expected: str
    group: str
    image: np.ndarray


def photographs(folder: Path = BARCODES) -> list[Case]:
    """The shared photo set as greyscale images, in manifest order."""
    with open(folder / "manifest.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    cases = []
    for row in rows:
        data = np.fromfile(str(folder / row["path"]), dtype=np.uint8)
        image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise ValueError(f"cannot read {row['path']}")
        cases.append(Case(row["path"], row["format"], row["expected_text"].replace("\r\n", "\n"),
                          row["folder"], image))
    return cases


def _same(fmt: str, text: str, expected_format: str, expected: str) -> bool:
    """Whether one reported code is the expected one (UPC-A may come as a 0-led EAN-13)."""
    text = text.replace("\r\n", "\n")
    if {fmt, expected_format} <= {"EAN13", "UPCA"}:
        return text.rjust(13, "0") == expected.rjust(13, "0")
    return fmt == expected_format and text == expected


def is_read(codes: list[Decoded], case: Case) -> bool:
    """Whether the expected code is among those reported."""
    return any(_same(c.format, c.text, case.format, case.expected) for c in codes)


def invented(codes: list[Decoded], case: Case) -> list[Decoded]:
    """Reported codes that are not on the image (for images holding at most one code)."""
    if case.format == "none":
        return list(codes)
    return [c for c in codes if not _same(c.format, c.text, case.format, case.expected)]


# Raw libraries, their defaults; names mapped to ours so the scoring is the same.
_RAW_ZXING = {"Code39Std": "Code39", "Code39Ext": "Code39", "QRCodeModel2": "QRCode"}
_RAW_ZBAR = {"CODE128": "Code128", "CODE39": "Code39", "EAN13": "EAN13", "EAN8": "EAN8",
             "UPCA": "UPCA", "QRCODE": "QRCode"}


def raw_zxing(image: np.ndarray) -> list[Decoded]:
    """zxing-cpp's ``read_barcodes`` with default settings."""
    return [Decoded(_RAW_ZXING.get(b.format.name, b.format.name), b.text) for b in zxingcpp.read_barcodes(image)]


def raw_zbar(image: np.ndarray) -> list[Decoded]:
    """pyzbar's ``decode`` with default settings (bytes read as UTF-8)."""
    from pyzbar import pyzbar

    return [Decoded(_RAW_ZBAR.get(s.type, s.type), s.data.decode("utf-8", "replace"))
            for s in pyzbar.decode(image)]


# --- camera-like frames -------------------------------------------------------------------

def _check_digit(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def sample_text(fmt: str, rng: np.random.Generator) -> str:
    """A plausible content: work-order numbers, bins, VINs, part EANs."""
    n = int(rng.integers(1, 99_999))
    if fmt in ("EAN13", "EAN8", "UPCA"):
        body = "".join(str(d) for d in rng.integers(0, 10, {"EAN13": 12, "EAN8": 7, "UPCA": 11}[fmt]))
        if fmt == "EAN13" and body[0] == "0":
            body = "6" + body[1:]  # a leading 0 is a UPC-A, reported as such
        return body + _check_digit(body)
    return {"Code128": f"R1-{n:05d}", "Code39": f"BIN-{n:04d}", "QRCode": f"https://bayflow.local/wo/R1-{n:05d}",
            "DataMatrix": f"LFV2A2150{n:08d}"}[fmt]


def _label(fmt: str, text: str, module: float) -> np.ndarray:
    """The code on white paper, ``module`` pixels per module, quiet zone included."""
    symbol = np.asarray(zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, fmt)).to_image(scale=1))
    if symbol.ndim == 3:
        symbol = symbol[:, :, 0]
    if fmt not in ("QRCode", "DataMatrix"):
        symbol = np.repeat(symbol[:1], max(20, symbol.shape[1] // 4), axis=0)
    size = (max(1, round(symbol.shape[1] * module)), max(1, round(symbol.shape[0] * module)))
    label = cv2.resize(symbol, size, interpolation=cv2.INTER_AREA if module < 1 else cv2.INTER_LINEAR)
    border = round(6 * module)
    return cv2.copyMakeBorder(label, border, border, border, border, cv2.BORDER_CONSTANT, value=255)


def camera_frame(rng: np.random.Generator, size: tuple[int, int], fmt: str | None, condition: str,
                 backgrounds: list[np.ndarray]) -> tuple[np.ndarray, str]:
    """A greyscale frame of ``size`` (w, h): a code of ``fmt`` (None: no code)
    on a label over one of ``backgrounds``, spoilt as ``condition`` says."""
    w, h = size
    frame = cv2.resize(backgrounds[int(rng.integers(len(backgrounds)))], (w, h)).astype(np.float32)
    text = ""
    if fmt:
        text = sample_text(fmt, rng)
        module = rng.uniform(1.3, 1.7) if condition == "small" else rng.uniform(2.0, 3.5) * h / 720
        label = _label(fmt, text, module).astype(np.float32) * rng.uniform(0.8, 0.96)
        lh, lw = label.shape
        tilt = rng.choice([-1, 1]) * rng.uniform(20, 45) if condition == "tilted" else rng.uniform(-6, 6)
        turn = np.radians(tilt)
        skew = 0.2 if condition == "tilted" else 0.04  # perspective: corners nearer or further
        cx, cy = rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h
        corners = np.float32([[0, 0], [lw, 0], [lw, lh], [0, lh]])
        c, s = np.cos(turn), np.sin(turn)
        placed = [[cx + k * (c * x - s * y), cy + k * (s * x + c * y)]
                  for (x, y), k in zip(corners - [lw / 2, lh / 2], 1 + skew * rng.uniform(-1, 1, 4))]
        matrix = cv2.getPerspectiveTransform(corners, np.float32(placed))
        paper = cv2.warpPerspective(label, matrix, (w, h), flags=cv2.INTER_LINEAR)
        mask = cv2.warpPerspective(np.ones_like(label), matrix, (w, h), flags=cv2.INTER_LINEAR)
        frame = frame * (1 - mask) + paper
    sigma = rng.uniform(1.4, 2.0) * h / 720 if condition == "blurred" else 0.6
    frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    if condition == "dim":
        frame = frame * rng.uniform(0.15, 0.3) + rng.normal(0, 2, frame.shape).astype(np.float32)
    elif condition == "glare":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        gx, gy, r = w * rng.uniform(0.4, 0.6), h * rng.uniform(0.4, 0.6), h * rng.uniform(0.06, 0.12)
        frame = frame + 230 * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r))
    elif condition == "noisy":
        frame = frame + rng.normal(0, 16, frame.shape).astype(np.float32)
    image = np.clip(frame, 0, 255).astype(np.uint8)
    if condition == "jpeg":
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(12, 25))])
        image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return image, text


def generated_frames(per_cell: int, seed: int, backgrounds: list[np.ndarray],
                     size: tuple[int, int] = (1280, 720), empty_per_condition: int | None = None) -> list[Case]:
    """``per_cell`` frames per format and condition plus frames without a code."""
    rng = np.random.default_rng(seed)
    cases = []
    for condition in CONDITIONS:
        for fmt in FORMATS:
            for i in range(per_cell):
                image, text = camera_frame(rng, size, fmt, condition, backgrounds)
                cases.append(Case(f"{condition}/{fmt}/{i}", fmt, text, condition, image))
        for i in range(per_cell * 2 if empty_per_condition is None else empty_per_condition):
            image, _ = camera_frame(rng, size, None, condition, backgrounds)
            cases.append(Case(f"{condition}/none/{i}", "none", "", condition, image))
    return cases


# --- measuring and printing ---------------------------------------------------------------

def decoders() -> dict[str, callable]:
    """The pipeline and the raw libraries, by the column name they get."""
    found = {"pipeline": Decoder(), "zxing-cpp raw": raw_zxing}
    if ZBAR_AVAILABLE:
        found["pyzbar raw"] = raw_zbar
    return found


def score(cases: list[Case], readers: dict[str, callable]):
    """Per reader: {group or format: (read, total)} and the false reads."""
    reads = {name: defaultdict(lambda: [0, 0]) for name in readers}
    false = {name: Counter() for name in readers}
    for case in cases:
        for name, reader in readers.items():
            codes = reader(case.image)
            wrong = invented(codes, case)
            # Generated frames hold one code on a background without any.
            if case.format == "none" or case.group in SINGLE_CODE_GROUPS or case.group in CONDITIONS:
                false[name]["none" if case.format == "none" else "coded"] += bool(wrong)
            if case.format == "none":
                continue
            hit = is_read(codes, case)
            for key in (case.format, case.group, "all"):
                reads[name][key][0] += hit
                reads[name][key][1] += 1
    return reads, false


# Photo folders where every image shows exactly one code (ean13-2 has books
# with an ISBN and a price code, code39-3 labels with two codes, qrcode-2 a QR
# inside a QR).
SINGLE_CODE_GROUPS = {"code128-2", "ean13-1", "ean13-3", "ean13-4", "ean13-5", "qrcode-1",
                      "qrcode-3", "qrcode-4", "qrcode-5", "datamatrix-2"}


def pct(pair, digits: int = 0) -> str:
    read, total = pair
    return f"{100 * read / total:.{digits}f}%" if total else "–"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def timing(readers: dict[str, callable], backgrounds: list[np.ndarray], frames: int, seed: int) -> str:
    """Median CPU ms per frame, decoders interleaved frame by frame.

    CPU time of this thread, not wall time: on a machine shared with other
    work the wall clock measures the neighbours; on an idle kiosk they agree.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for size in ((1280, 720), (1920, 1080)):
        for label, formats in (("no code", [None]), ("a code", list(FORMATS))):
            times = {name: [] for name in readers}
            for i in range(frames):
                fmt = formats[i % len(formats)]
                condition = CONDITIONS[i % len(CONDITIONS)] if fmt else "clean"
                image, _ = camera_frame(rng, size, fmt, condition, backgrounds)
                for name, reader in readers.items():
                    began = time.thread_time()
                    reader(image)
                    times[name].append(1000 * (time.thread_time() - began))
            med = {name: statistics.median(values) for name, values in times.items()}
            rows.append([f"{size[1]}p, {label}"] + [f"{med[name]:.1f}" for name in readers]
                        + [f"{med['pipeline'] / med['zxing-cpp raw']:.2f}x"])
    return table(["frame", *[f"{name} ms" for name in readers], "pipeline / raw zxing-cpp"], rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=4, help="generated frames per format and condition")
    parser.add_argument("--timing-frames", type=int, default=21, help="frames per timing row")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    readers = decoders()
    names = list(readers)
    if not ZBAR_AVAILABLE:
        print("zbar is not available: no pyzbar column, and the pipeline runs on zxing-cpp alone\n")
    began = time.perf_counter()
    photos = photographs()
    reads, false = score(photos, readers)
    print(f"## Shared photographs ({len(photos)} images)\n")
    cols = [f for f in FORMATS if reads["pipeline"][f][1]]
    print(table(["decoder", *cols, "all", "empty photos with a false read", "one-code photos with a wrong read"],
                [[n, *[pct(reads[n][f]) for f in cols], pct(reads[n]["all"], 1),
                  f"{false[n]['none']} of {sum(c.format == 'none' for c in photos)}", str(false[n]["coded"])]
                 for n in names]))
    print()
    groups = sorted({c.group for c in photos if c.format != "none"})
    print(table(["folder", "images", *names],
                [[g, str(reads["pipeline"][g][1]), *[pct(reads[n][g]) for n in names]] for g in groups]))
    print("\npipeline stages that answered:", dict(readers["pipeline"].stages_used))
    backgrounds = [c.image for c in photos if c.format == "none"]
    frames = generated_frames(args.frames, args.seed, backgrounds)
    readers["pipeline"].stages_used.clear()
    reads, false = score(frames, readers)
    coded = [c for c in frames if c.format != "none"]
    print(f"\n## Generated 720p frames ({len(coded)} with a code, {len(frames) - len(coded)} without)\n")
    print(table(["condition", *names], [[k, *[pct(reads[n][k]) for n in names]] for k in CONDITIONS]
                + [[f, *[pct(reads[n][f]) for n in names]] for f in FORMATS]
                + [["all", *[pct(reads[n]["all"], 1) for n in names]]]))
    print()
    print(table(["false reads", *names],
                [["frames without a code", *[f"{false[n]['none']} of {len(frames) - len(coded)}" for n in names]],
                 ["frames with a code: another code reported",
                  *[f"{false[n]['coded']} of {len(coded)}" for n in names]]]))
    print("\npipeline stages that answered:", dict(readers["pipeline"].stages_used))
    print("\n## CPU time per frame (median ms, one core)\n")
    print(timing(readers, backgrounds, args.timing_frames, args.seed + 1))
    print(f"\n(benchmark ran {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
