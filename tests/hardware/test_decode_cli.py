"""`bayflow decode FILE_OR_DIR … --json` as CONTRACT.md describes it, through
click's runner and the installed script, on the shared photographs."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.decode_bench import BARCODES
from hardware.decode import FORMATS
from hardware.labels import code_png
from kiosk.cli import main

BAYFLOW = str(Path(sys.executable).parent / "bayflow")


@pytest.fixture
def cli():
    return CliRunner()


def shared(folder: str) -> Path:
    path = BARCODES / "images" / folder
    if not path.is_dir():
        pytest.fail(f"the shared barcode photographs are not at {BARCODES} (set BAYFLOW_SHARED)")
    return path


def expected(folder: str) -> dict[str, str]:
    with open(BARCODES / "manifest.csv", encoding="utf-8", newline="") as f:
        return {str(BARCODES / row["path"]): row["expected_text"].replace("\r\n", "\n")
                for row in csv.DictReader(f) if row["folder"] == folder.split("/")[1]}


def test_help(cli):
    done = cli.invoke(main, ["decode", "--help"])
    assert done.exit_code == 0
    assert "FILE_OR_DIR" in done.output and "--json" in done.output


def test_json_lines_for_a_folder_match_the_manifest(cli):
    folders = [str(shared("zxing/code39-2")), str(shared("zxing-cpp/datamatrix-4"))]
    done = cli.invoke(main, ["decode", *folders, "--json"])
    assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in done.output.splitlines()]
    assert all(set(line) == {"path", "codes", "ms"} for line in lines)
    assert all(isinstance(line["ms"], float) and line["ms"] >= 0 for line in lines)
    assert all(code["format"] in FORMATS and set(code) == {"format", "text"}
               for line in lines for code in line["codes"])
    texts = {line["path"]: [code["text"] for code in line["codes"]] for line in lines}
    want = {**expected("zxing/code39-2"), **expected("zxing-cpp/datamatrix-4")}
    assert texts == {path: [text] for path, text in want.items()}


def test_human_readable_lines(cli, tmp_path):
    (tmp_path / "tag.png").write_bytes(code_png("R1-00042", "qr"))
    done = cli.invoke(main, ["decode", str(tmp_path / "tag.png")])
    assert done.exit_code == 0
    assert done.output.startswith(f"{tmp_path / 'tag.png'}: QRCode R1-00042 (")
    assert done.output.rstrip().endswith("ms)") and len(done.output.splitlines()) == 1


def test_a_missing_path_is_one_line_and_non_zero(cli, tmp_path):
    done = cli.invoke(main, ["decode", str(tmp_path / "nothing.png"), "--json"])
    assert done.exit_code != 0
    assert done.output.strip() == f"Error: no such file or folder: {tmp_path / 'nothing.png'}"


def test_a_file_that_is_not_an_image_gets_an_error_line(cli, tmp_path):
    (tmp_path / "note.png").write_text("not an image")
    (tmp_path / "tag.png").write_bytes(code_png("R1-00042", "code128"))
    done = cli.invoke(main, ["decode", str(tmp_path), "--json"])
    assert done.exit_code == 1
    out, err = done.stdout.splitlines(), done.stderr.splitlines()
    assert [json.loads(line) for line in out] == [
        {"path": str(tmp_path / "note.png"), "error": f"cannot read an image from {tmp_path / 'note.png'}"},
        {"path": str(tmp_path / "tag.png"), "codes": [{"format": "Code128", "text": "R1-00042"}],
         "ms": json.loads(out[1])["ms"]},
    ]
    assert err == ["Error: 1 of 2 files could not be read as images"]


def test_a_folder_without_images_is_an_error(cli, tmp_path):
    (tmp_path / "readme.txt").write_text("no images here")
    done = cli.invoke(main, ["decode", str(tmp_path)])
    assert done.exit_code == 1 and done.output.strip() == f"Error: no image files in {tmp_path}"


def test_the_installed_script_with_a_chinese_path(tmp_path):
    folder = tmp_path / "扫描"
    folder.mkdir()
    (folder / "工单.png").write_bytes(code_png("R1-00042", "qr"))
    done = subprocess.run([BAYFLOW, "decode", str(folder), "--json"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    line = json.loads(done.stdout)
    assert line["path"] == str(folder / "工单.png")
    assert line["codes"] == [{"format": "QRCode", "text": "R1-00042"}]
    missing = subprocess.run([BAYFLOW, "decode", str(folder / "没有.png")], capture_output=True, text=True,
                             timeout=120)
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.strip().splitlines() == [f"Error: no such file or folder: {folder / '没有.png'}"]
