"""``bayflow decode`` and ``bayflow camera-check``: the scanning hardware from the command line.

``kiosk.cli`` loads these commands only when one of them runs (its lazy group): they bring
OpenCV, zxing-cpp and zbar (most of a second) that no other command needs.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import click

# Read by OpenCV when it first loads FFmpeg (importing cv2 below); -8 is FFmpeg's "quiet".
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
# The decoder logs a missing zbar when it loads; these commands say it once, in their own words.
logging.getLogger("hardware.decode").addHandler(logging.NullHandler())

import cv2  # noqa: E402

from hardware import decode as decoding  # noqa: E402
from hardware.camera_check import check  # noqa: E402
from hardware.decode_cli import decode_one, image_files  # noqa: E402
from kiosk.startup import one_line  # noqa: E402


def _say_if_zbar_is_missing(command: str) -> None:
    if not decoding.ZBAR_AVAILABLE:
        click.echo(f"bayflow {command}: zbar is missing ({decoding.ZBAR_UNAVAILABLE_REASON}); "
                   "decoding with zxing-cpp alone", err=True)


@click.command("decode")
@click.argument("paths", nargs=-1, required=True, metavar="FILE_OR_DIR...", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help='One JSON object a line: {"path", "codes": [{"format", "text"}], "ms"}.')
def decode_command(paths, as_json):
    """Read the barcodes in image files (folders: every image in them, recursively)
    with the same decode pipeline as the kiosks."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.ClickException(f"no such file or folder: {', '.join(missing)}")
    _say_if_zbar_is_missing("decode")
    failed = total = 0
    for path in image_files(paths):
        total += 1
        line, ok = decode_one(path, as_json)
        failed += not ok
        click.echo(line, err=not ok and not as_json)
    if not total:
        raise click.ClickException(f"no image files in {', '.join(str(p) for p in paths)}")
    if failed:
        raise click.ClickException(f"{failed} of {total} files could not be read as images")


@click.command("camera-check")
@click.argument("source")
@click.option("--seconds", type=click.FloatRange(0.5, 600), default=5, show_default=True,
              help="How long to watch the source (a file or folder that ends sooner ends the check).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--save", metavar="FILE.jpg", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the last frame seen to this JPEG file.")
def camera_check(source, seconds, as_json, save):
    """Open a camera SOURCE and show what it delivers and decodes.

    SOURCE is a USB device number (0, 1, ...), an rtsp:// or http:// stream URL, a video
    file or a folder of images. Exit 0 when frames arrived, 1 with the reason otherwise.
    """
    # The result says what went wrong in one line; OpenCV's and the capture
    # thread's own warnings would only repeat it.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    logging.getLogger("hardware.camera").addHandler(logging.NullHandler())
    _say_if_zbar_is_missing("camera-check")
    if save is not None and not save.parent.is_dir():
        raise click.ClickException(f"--save {save}: the folder {save.parent} does not exist")
    try:
        result = check(source, seconds, save=save)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"camera-check {source}: {one_line(exc)}")
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        click.echo(f"source: {result.source} ({result.kind}), state: {result.state}")
        size = f"{result.width}x{result.height}" if result.width else "no picture"
        fps = f"{result.fps} fps" if result.fps is not None else "fps unknown"
        click.echo(f"frames: {result.frames} in {result.seconds} s, {size}, {fps}, dropped {result.dropped}")
        for code in result.codes:
            click.echo(f"code: {code.format} {code.text}")
        if result.saved:
            click.echo(f"saved: {result.saved}")
    if not result.ok:
        raise click.ClickException(one_line(result.reason))

