"""The decode pipeline against real photographs and generated camera frames,
through the real decoders (zxing-cpp, zbar, OpenCV)."""
from __future__ import annotations

import subprocess
import sys
from functools import lru_cache

import cv2
import numpy as np
import pytest

from benchmarks.decode_bench import (
    BARCODES, CONDITIONS, FORMATS, SINGLE_CODE_GROUPS, _label, camera_frame, generated_frames, invented,
    is_read, photographs, raw_zbar, raw_zxing,
)
from hardware import decode as decoding
from hardware.decode import Decoded, Decoder, decode
from hardware.decode_readers import cross_checked
from hardware.locate import cut_out, find_regions
from tests.support import ROOT as SUPPORT_ROOT

ROOT = SUPPORT_ROOT
# One worker runs this file under pytest-xdist: its tests share the reads cached below.
pytestmark = pytest.mark.xdist_group("decode_reads")


@lru_cache(maxsize=1)
def photos():
    if not (BARCODES / "manifest.csv").exists():
        pytest.fail(f"the shared barcode photographs are not at {BARCODES} (set BAYFLOW_SHARED)")
    return photographs()


def backgrounds():
    return [case.image for case in photos() if case.format == "none"]


def rate(reader, cases) -> float:
    return 100 * sum(is_read(reader(case.image), case) for case in cases) / len(cases)


def test_zbar_is_installed_here():
    # The figures below assume both libraries; make system-deps installs libzbar0.
    assert decoding.ZBAR_AVAILABLE, decoding.ZBAR_UNAVAILABLE_REASON


@lru_cache(maxsize=1)
def coded_photo_reads():
    """The pipeline's reads of every photograph with a code, made once for the tests that
    look at them, and which stages answered (a Decoder of its own)."""
    pipeline = Decoder()
    coded = [case for case in photos() if case.format != "none"]
    reads = {case.name: pipeline(case.image) for case in coded}
    assert len(reads) == len(coded)  # one read per photograph, by its path
    return reads, dict(pipeline.stages_used)


def test_pipeline_reads_five_points_more_photographs_than_the_best_raw_library():
    coded = [case for case in photos() if case.format != "none"]
    reads, stages_used = coded_photo_reads()
    ours = 100 * sum(is_read(reads[case.name], case) for case in coded) / len(coded)
    best_raw = max(rate(raw_zxing, coded), rate(raw_zbar, coded))
    assert ours >= best_raw + 5, (ours, best_raw)
    # More than the fast zxing-cpp stage answered, or the cascade did nothing.
    assert set(stages_used) > {"zxing"}


def test_pipeline_reads_nothing_on_photographs_without_a_code():
    empty = [case for case in photos() if case.format == "none"]
    assert len(empty) == 47
    assert {case.name: decode(case.image) for case in empty} == {case.name: [] for case in empty}


def test_pipeline_invents_no_second_code_on_one_code_photographs():
    single = [case for case in photos() if case.group in SINGLE_CODE_GROUPS]
    reads, _stages = coded_photo_reads()
    wrong = {case.name: invented(reads[case.name], case) for case in single}
    assert {name: codes for name, codes in wrong.items() if codes} == {}


@lru_cache(maxsize=1)
def frames():
    return generated_frames(1, 11, backgrounds(), empty_per_condition=3)


@lru_cache(maxsize=1)
def frame_reads():
    """The pipeline's and raw zxing-cpp's reads of every generated frame, made once (by index:
    frames of different conditions may share a name)."""
    return [decode(case.image) for case in frames()], [raw_zxing(case.image) for case in frames()]


def read_rate(reads, cases) -> float:
    return 100 * sum(is_read(reads[i], case) for i, case in cases) / len(cases)


def test_generated_frames_are_read_better_than_raw_zxing_in_every_condition():
    ours_reads, raw_reads = frame_reads()
    coded = [(i, case) for i, case in enumerate(frames()) if case.format != "none"]
    assert {case.format for _i, case in coded} == set(FORMATS)
    for condition in CONDITIONS:
        cases = [(i, case) for i, case in coded if case.group == condition]
        ours, raw = read_rate(ours_reads, cases), read_rate(raw_reads, cases)
        assert ours >= raw, (condition, ours, raw)
    assert read_rate(ours_reads, coded) >= read_rate(raw_reads, coded) + 15


def test_generated_frames_get_no_false_reads():
    ours_reads, _raw = frame_reads()
    for i, case in enumerate(frames()):
        assert invented(ours_reads[i], case) == [], case.name


def patterns(rng: np.random.Generator):
    """Frames built to look like codes and are not: stripes at any angle and
    pitch (a radiator grille), random blocks (a QR-like chequer), pure noise."""
    yy, xx = np.mgrid[0:720, 0:1280]
    for _ in range(4):
        pitch, turn = rng.uniform(3, 30), np.radians(rng.uniform(0, 180))
        wave = np.sin((xx * np.cos(turn) + yy * np.sin(turn)) * 2 * np.pi / pitch + 3 * np.sin(xx / 200))
        yield (128 + 110 * np.sign(wave)).astype(np.uint8)
        cells = rng.integers(0, 2, (int(rng.integers(20, 90)), int(rng.integers(20, 160))), dtype=np.uint8)
        yield cv2.resize(cells * 255, (1280, 720), interpolation=cv2.INTER_NEAREST)
        yield rng.integers(0, 256, (720, 1280), dtype=np.uint8)


def test_stripes_blocks_and_noise_read_as_nothing():
    found = [decode(frame) for frame in patterns(np.random.default_rng(5))]
    assert found == [[]] * 12


@pytest.mark.parametrize("shape", [(1, 1), (1, 500), (500, 1), (9, 9), (2, 2, 3)])
def test_tiny_and_thin_images_decode_to_nothing(shape):
    assert decode(np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)) == []


def tilted_frame(text: str = "R1-04711", degrees: float = 32) -> np.ndarray:
    label = _label("Code128", text, 3.0)
    h, w = label.shape
    frame = np.full((720, 1280), 90, np.uint8)
    y, x = (720 - h) // 2, (1280 - w) // 2
    frame[y:y + h, x:x + w] = label
    turn = cv2.getRotationMatrix2D((640, 360), degrees, 1.0)
    return cv2.warpAffine(frame, turn, (1280, 720), flags=cv2.INTER_LINEAR, borderValue=90)


def test_a_tilted_linear_code_is_read_from_a_turned_region():
    frame = tilted_frame()
    assert raw_zxing(frame) == [] and raw_zbar(frame) == []  # neither library reads it alone
    pipeline = Decoder()
    found = pipeline.decode(frame)
    assert found == [Decoded("Code128", "R1-04711")] and found[0].where is None  # cut-out coordinates stay inside
    assert any(stage.startswith("region") for stage in pipeline.stages_used)


def test_regions_point_at_the_code_and_are_turned_upright():
    regions = find_regions(tilted_frame())
    assert regions
    best = regions[0]
    assert abs(best.center[0] - 640) < 60 and abs(best.center[1] - 360) < 60
    assert abs(abs(best.angle) - 32) < 6 or abs(abs(best.angle) - 148) < 6
    crop = cut_out(tilted_frame(), best)
    assert raw_zxing(crop) == [Decoded("Code128", "R1-04711")]


def test_flat_frames_have_no_regions():
    assert find_regions(np.full((720, 1280), 128, np.uint8)) == []
    assert find_regions(np.zeros((1080, 1920), np.uint8)) == []


def test_a_contradicted_ean_read_is_dropped_and_a_confirmed_one_kept():
    label = _label("EAN13", "6215079906564", 3.0)
    image = cv2.copyMakeBorder(label, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    found = decoding.zxing(image)
    assert found == [Decoded("EAN13", "6215079906564")] and found[0].where
    # The left-half misread zxing-cpp made on a generated frame, at the same spot.
    misread = Decoded("EAN13", "5215872906564", found[0].where)
    assert cross_checked(image, [misread]) == []
    assert cross_checked(image, found) == found
    # A read with no second opinion at all (a blank spot) is not contradicted.
    blank = np.full_like(image, 255)
    assert cross_checked(blank, found) == found


def test_the_pipeline_reads_every_format_on_a_clean_label():
    rng = np.random.default_rng(3)
    for fmt in FORMATS:
        image, text = camera_frame(rng, (1280, 720), fmt, "clean", backgrounds())
        codes = decode(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
        expected = Decoded("UPCA", text) if fmt == "UPCA" else Decoded(fmt, text)
        assert codes == [expected], fmt


def without_zbar(*args: str, code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter where pyzbar cannot be imported."""
    script = "import sys; sys.modules['pyzbar'] = None\n" + code
    return subprocess.run([sys.executable, "-W", "error", "-c", script, *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_decoding_works_without_zbar_and_the_command_says_so_once(tmp_path):
    frame = tilted_frame()
    cv2.imwrite(str(tmp_path / "tilted.png"), frame)
    cv2.imwrite(str(tmp_path / "also.png"), frame)
    done = without_zbar("decode", str(tmp_path), "--json", code="from kiosk.cli import main\nmain()\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("zbar is missing") == 1 and len(done.stderr.splitlines()) == 1
    assert done.stdout.count('"text": "R1-04711"') == 2


def test_a_node_without_zbar_logs_it_once():
    done = without_zbar(code="import numpy as np\n"
                             "from hardware import decode\n"
                             "assert not decode.ZBAR_AVAILABLE\n"
                             "assert decode.decode(np.zeros((9, 9), np.uint8)) == []\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("zbar is missing (pyzbar could not be imported") == 1
