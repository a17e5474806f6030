"""Read barcodes from camera frames and image files: one pipeline for all.

Every caller (the kiosks' camera loop, `bayflow decode`, the tests) goes
through ``decode`` / ``Decoder``, in stages from cheap to expensive, stopping
at the first stage that reads something:

1. zxing-cpp on the whole frame: reads most codes in a few milliseconds.
2. Images up to ``WHOLE_IMAGE_PIXELS`` (photographs, scans; not camera
   frames): ``WHOLE_STAGES``, zbar and zxing-cpp on the image at other
   scales and with more contrast.
3. Patches that look like a code (``hardware.locate``), cut out, turned
   upright and enlarged: ``CROP_STAGES``.  This reads tilted and small codes
   in camera frames, and costs little on frames without one.

Each stage's choice and order were measured on the shared photo set and on
generated camera frames (benchmarks/decode_bench.py), not guessed: a stage
that gained no reads per millisecond was left out.  A wrong read is worse
than none (it would book a job on the wrong car), so every read passes the
checks of ``hardware.decode_readers.clean``.  zbar is optional: without it
the zbar stages find nothing and ``ZBAR_AVAILABLE`` is False.
"""

from __future__ import annotations

import logging
from pathlib import Path


from hardware.decode_readers import (
    FORMATS, ZBAR_AVAILABLE, ZBAR_UNAVAILABLE_REASON, Decoded, clean, to_gray, zbar, zxing,
)
from hardware.locate import cut_out, find_regions
from hardware.lazy import lazy

cv2 = lazy("cv2")  # OpenCV loads at its first use (hardware.lazy)
np = lazy("numpy")

if not ZBAR_AVAILABLE:
    # Once per process, in the node's log: reads still work, a few photos fewer.
    logging.getLogger(__name__).warning("zbar is missing (%s): decoding with zxing-cpp alone",
                                        ZBAR_UNAVAILABLE_REASON)

# Other code imports these from here; the readers module is an implementation detail.
__all__ = ["FORMATS", "ZBAR_AVAILABLE", "ZBAR_UNAVAILABLE_REASON", "Decoded", "Decoder", "decode",
           "decode_file", "read_image"]


def _from_zxing(gray: np.ndarray) -> list[Decoded]:
    """The first stage (a module global, so a test can switch zxing-cpp off)."""
    return zxing(gray)


def _clahe(clip: float, tiles: int):
    """Local contrast equalisation.  A fresh CLAHE object per call: one object
    keeps working buffers, and the camera loop and a preview may decode at once."""
    return lambda gray: cv2.createCLAHE(clipLimit=clip, tileGridSize=(tiles, tiles)).apply(gray)


def _scaled(factor: float):
    # The interpolation is looked up at the call, not here: OpenCV loads at its first use.
    return lambda gray: cv2.resize(gray, None, fx=factor, fy=factor,
                                   interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)


def _sharpened(gray: np.ndarray) -> np.ndarray:
    """Unsharp mask: restores bar edges softened by focus or enlargement."""
    return cv2.addWeighted(gray, 2.5, cv2.GaussianBlur(gray, (0, 0), 2.0), -1.5, 0)


# (name, reader, transform or None), tried in this order.  The whole-image
# order is greedy by photographs gained per millisecond on the shared set.
WHOLE_STAGES = (
    ("zxing half size", zxing, _scaled(0.5)),
    ("zxing strong CLAHE", zxing, _clahe(4.0, 4)),
    ("zbar", zbar, None),
    ("zbar half size", zbar, _scaled(0.5)),
    ("zxing 1.5x", zxing, _scaled(1.5)),
    ("zbar CLAHE", zbar, _clahe(2.0, 8)),
)
# On cut-outs, sharpening reads the small codes that the enlargement blurred;
# CLAHE, the second best, read fewer of the generated frames.
CROP_STAGES = (
    ("zxing", zxing, None),
    ("zbar", zbar, None),
    ("zxing sharpened", zxing, _sharpened),
)
# A 640x480 photograph gets the whole-image stages; a 720p camera frame
# (0.9 Mpx) would spend far more than its budget on them, and gets patches.
WHOLE_IMAGE_PIXELS = 700 * 500
# Below this many pixels a side, no stage after the first can find a code (the
# smallest DataMatrix is 10x10 modules) and halving the image would leave nothing.
SMALLEST_SIDE = 10
# Patches tried per frame: the time on a frame without a code grows with it
# (each costs about half a raw zxing-cpp call); a third patch read one more of
# 168 generated frames for 0.3x zxing-cpp's time.
REGIONS = 2


class Decoder:
    """The decode pipeline (see the module's description).

    The defaults are the production settings; the benchmark builds variants
    to measure each stage.  ``stages_used`` counts which stage answered.
    """

    def __init__(self, *, whole_image_pixels: int = WHOLE_IMAGE_PIXELS, regions: int = REGIONS,
                 whole_stages=WHOLE_STAGES, crop_stages=CROP_STAGES):
        self.whole_image_pixels = whole_image_pixels
        self.regions = regions
        self.whole_stages = whole_stages
        self.crop_stages = crop_stages
        self.stages_used: dict[str, int] = {}

    def decode(self, image: np.ndarray) -> list[Decoded]:
        """All codes of our formats in an OpenCV frame (gray, BGR or BGRA, uint8)."""
        if image.size == 0:
            return []
        gray = to_gray(image)
        found = clean(gray, _from_zxing(gray))
        if found:
            return self._answer("zxing", found)
        if min(gray.shape) < SMALLEST_SIDE:
            return []
        if gray.size <= self.whole_image_pixels:
            for name, reader, transform in self.whole_stages:
                seen = transform(gray) if transform else gray
                found = clean(seen, reader(seen))
                if found:
                    return self._answer(name, found)
        for region in find_regions(gray, self.regions) if self.regions else ():
            crop = cut_out(gray, region)
            for name, reader, transform in self.crop_stages:
                seen = transform(crop) if transform else crop
                found = clean(seen, reader(seen))
                if found:
                    return self._answer("region, " + name, found)
        return []

    __call__ = decode

    def _answer(self, stage: str, found: list[Decoded]) -> list[Decoded]:
        self.stages_used[stage] = self.stages_used.get(stage, 0) + 1
        # ``where`` is in the coordinates of whatever image the stage saw (a
        # half-size copy, a turned cut-out): of no use, and misleading, outside.
        return [Decoded(code.format, code.text) for code in found]


_PIPELINE = Decoder()


def decode(image: np.ndarray) -> list[Decoded]:
    """All codes of our formats in an OpenCV frame (gray, BGR or BGRA, uint8).

    Results are de-duplicated and keep the order the decoder found them in;
    an image without a readable code gives an empty list.
    """
    return _PIPELINE.decode(image)


def read_image(path: str | Path) -> np.ndarray:
    """An image file as greyscale (any format OpenCV reads); ValueError if it cannot be read."""
    # np.fromfile + imdecode instead of imread: on Windows imread cannot open
    # paths with non-ASCII characters, such as a user folder named in Chinese.
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if image is None:
        raise ValueError(f"cannot read an image from {path}")
    return image


def decode_file(path: str | Path) -> list[Decoded]:
    """Decode an image file (any format OpenCV reads); ValueError if it cannot be read."""
    return decode(read_image(path))
