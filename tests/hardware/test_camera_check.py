"""``bayflow camera-check``: what an installer sees when pointing it at a camera,
through click's runner and through the installed script."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from hardware.camera_check import check
from hardware.decode import Decoded, decode_file
from kiosk.cli import main
from tests.support.cameras import MjpegCamera, code_frame, numbered, put_image, write_video

BAYFLOW = str(Path(sys.executable).parent / "bayflow")
ORDER = "R1-20261127-0042"


@pytest.fixture
def counter_video(tmp_path):
    frames = [code_frame(ORDER)] * 6 + [code_frame("PRT-001", "qr")] * 6 + numbered(3)
    return write_video(tmp_path / "前台 camera.avi", frames, fps=30)


def cli(*args):
    return CliRunner().invoke(main, ["camera-check", *map(str, args)])


def test_a_video_file_reports_frames_size_and_codes(counter_video, tmp_path):
    preview = tmp_path / "预览.jpg"
    result = cli(counter_video, "--seconds", 10, "--save", preview)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"source: {counter_video} (file), state: ended"
    assert lines[1].startswith("frames: 15 in ") and ", 640x480, " in lines[1]
    assert [line for line in lines if line.startswith("code:")] == [f"code: Code128 {ORDER}",
                                                                    "code: QRCode PRT-001"]
    assert lines[-1] == f"saved: {preview}"
    assert cv2.imdecode(np.fromfile(str(preview), np.uint8), cv2.IMREAD_COLOR).shape == (480, 640, 3)


def test_json_output(counter_video):
    result = cli(counter_video, "--json", "--seconds", 10)
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["ok"] is True and data["frames"] == 15 and (data["width"], data["height"]) == (640, 480)
    assert data["codes"] == [{"format": "Code128", "text": ORDER}, {"format": "QRCode", "text": "PRT-001"}]
    assert 20 <= data["fps"] <= 40  # the file's own 30 fps, measured


def test_a_folder_and_the_saved_frame_decodes(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    put_image(folder, "0001.jpg", code_frame(ORDER))
    preview = tmp_path / "p.jpg"
    result = check(str(folder), 1.0, save=preview)
    assert result.ok and result.kind == "folder" and result.codes == [Decoded("Code128", ORDER)]
    assert decode_file(preview) == [Decoded("Code128", ORDER)]


def test_an_mjpeg_stream():
    server = MjpegCamera([code_frame(ORDER)], fps=15)
    try:
        result = cli(server.url, "--seconds", 2)
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert f"code: Code128 {ORDER}" in result.output.splitlines()
    assert "(url), state: live" in result.output


@pytest.mark.parametrize("source, why", [
    ("missing.avi", "no such file"), ("empty-folder", "no images in folder"),
    ("http://127.0.0.1:9/none.mjpg", "cannot open url"), ("9", "cannot open device 9"),
])
def test_no_frames_exits_non_zero_with_one_line(tmp_path, source, why):
    if source == "empty-folder":
        (tmp_path / source).mkdir()
    if "://" not in source and not source.isdigit():
        source = str(tmp_path / source)
    result = cli(source, "--seconds", 1)
    assert result.exit_code == 1
    error = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and why in error[0] and "no frames from" in error[0]


def test_json_says_why_too(tmp_path):
    result = cli(tmp_path / "gone.avi", "--seconds", 0.5, "--json")
    assert result.exit_code == 1
    data = json.loads(result.output.splitlines()[0])
    assert data["ok"] is False and "no such file" in data["reason"] and data["frames"] == 0


def test_bad_options_are_one_line(tmp_path, counter_video):
    result = cli(counter_video, "--save", tmp_path / "no" / "dir" / "x.jpg")
    assert result.exit_code == 1 and "does not exist" in result.output
    assert cli(counter_video, "--seconds", 0).exit_code == 2
    assert cli("  ").exit_code == 1 and "empty camera source" in cli("  ").output


def test_the_installed_script_prints_one_line_on_stderr(tmp_path):
    """No OpenCV or FFmpeg chatter, no log lines, no traceback: just the reason."""
    done = subprocess.run([BAYFLOW, "camera-check", "http://127.0.0.1:9/none.mjpg", "--seconds", "1"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: no frames from http://127.0.0.1:9/none.mjpg within 1 s: cannot open url http://127.0.0.1:9/none.mjpg"]


def test_help():
    result = CliRunner().invoke(main, ["camera-check", "--help"])
    assert result.exit_code == 0 and "USB device number" in result.output
