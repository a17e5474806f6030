"""Find where a barcode may be in a frame and cut it out straight.

zxing-cpp scans rows and columns (and the same turned by 90°), so a label held
at 30° or a code that covers a few pixels of a 1080p frame is invisible to it.
This module looks for small patches of dense, strong edges (bars and modules
make far more of them than walls, cloth or skin), turns each patch so that a
linear code's bars stand upright, and scales it so its modules get a few
pixels each.  The decoders then read the cut-out instead of the frame.

Everything runs on a reduced copy of the frame (about 640 pixels wide), so
finding regions costs about a millisecond or two; only the cut-outs are taken
from the full-resolution image.  No Flask, no kiosk imports: hardware only.
"""

from __future__ import annotations

from dataclasses import dataclass
from hardware.lazy import lazy

cv2 = lazy("cv2")  # OpenCV loads at its first use (hardware.lazy)
np = lazy("numpy")


# Width of the reduced copy that regions are searched in.  Smaller is faster,
# but a code with 1.5-pixel modules in a 720p frame must still show edges.
SEARCH_WIDTH = 720
# Weakest mean edge strength (grey levels per pixel) worth a look.
MIN_STRENGTH = 20.0
# A region smaller than this (pixels of the reduced copy, each side) cannot hold
# a readable code, and tiny patches of texture are the commonest false alarm.
MIN_SIDE = 10
# Cut-outs are scaled so their longer side is about this long: enough pixels
# per module for a code that filled the region, small enough to decode fast.
CROP_LONG_SIDE = 640


@dataclass(frozen=True)
class Region:
    """A candidate patch in full-resolution coordinates.

    ``center`` and ``size`` (width, height) describe a rectangle turned by
    ``angle`` degrees (OpenCV's convention); ``score`` orders candidates.
    """

    center: tuple[float, float]
    size: tuple[float, float]
    angle: float
    score: float


def _reduce(gray: np.ndarray) -> tuple[np.ndarray, int]:
    """The frame shrunk by a whole factor to at most ``SEARCH_WIDTH`` wide
    (whole factors keep INTER_AREA fast), and that factor."""
    h, w = gray.shape
    factor = max(1, -(-max(w, h) // SEARCH_WIDTH))
    if factor == 1:
        return gray, 1
    return cv2.resize(gray, (w // factor, h // factor), interpolation=cv2.INTER_AREA), factor


def find_regions(gray: np.ndarray, limit: int = 3) -> list[Region]:
    """Up to ``limit`` candidate regions of a greyscale frame, best first."""
    small, factor = _reduce(gray)
    sh, sw = small.shape
    window = max(5, round(min(sh, sw) / 40))
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    # Mean edge strength around each pixel.  A region must stand out against
    # the frame's own texture (mean + 2 sd) and be strong in absolute terms:
    # a flat or dark frame has no "best" patch worth decoding.
    strength = cv2.boxFilter(cv2.magnitude(gx, gy), -1, (window, window))
    mean, sd = cv2.meanStdDev(strength)
    threshold = max(float(mean[0, 0] + 2.0 * sd[0, 0]), MIN_STRENGTH)
    mask = (strength > threshold).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (window, window))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    regions = []
    for contour in contours:
        (cx, cy), (rw, rh), _ = cv2.minAreaRect(contour)
        if min(rw, rh) < MIN_SIDE:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        angle = _dominant_angle(gx[y:y + bh, x:x + bw], gy[y:y + bh, x:x + bw])
        score = float(strength[y:y + bh, x:x + bw].mean()) * float(np.sqrt(rw * rh))
        # The patch's extent along and across that direction.
        pts = contour.reshape(-1, 2).astype(np.float32)
        t = np.radians(angle)
        u = pts @ np.array([np.cos(t), np.sin(t)], np.float32)
        v = pts @ np.array([-np.sin(t), np.cos(t)], np.float32)
        size = (float(u.max() - u.min()) * factor, float(v.max() - v.min()) * factor)
        regions.append(Region((cx * factor, cy * factor), size, angle, score))
    regions.sort(key=lambda r: r.score, reverse=True)
    return regions[:limit]


def _dominant_angle(gx: np.ndarray, gy: np.ndarray) -> float:
    """The patch's main gradient direction in degrees (structure tensor).

    For a linear code it runs across the bars, so turning the patch by it
    makes the bars vertical; for QR and DataMatrix it is one of the module
    grid's axes, which does no harm.
    """
    sxx = float(np.dot(gx.ravel(), gx.ravel()))
    syy = float(np.dot(gy.ravel(), gy.ravel()))
    sxy = float(np.dot(gx.ravel(), gy.ravel()))
    return float(0.5 * np.degrees(np.arctan2(2 * sxy, sxx - syy)))


def cut_out(gray: np.ndarray, region: Region, margin: float = 0.25) -> np.ndarray:
    """The region from the full-resolution frame, turned upright and scaled.

    ``margin`` adds a border (a fraction of the region's shorter side) so the
    decoders see the quiet zone around the code.
    """
    (cx, cy), (rw, rh) = region.center, region.size
    pad = margin * min(rw, rh) + 8
    out_w, out_h = rw + 2 * pad, rh + 2 * pad
    zoom = min(3.0, max(1.0, CROP_LONG_SIDE / max(out_w, out_h)))
    if max(out_w, out_h) * zoom > 2 * CROP_LONG_SIDE:
        zoom = 2 * CROP_LONG_SIDE / max(out_w, out_h)
    matrix = cv2.getRotationMatrix2D((cx, cy), region.angle, zoom)
    matrix[0, 2] += out_w * zoom / 2 - cx
    matrix[1, 2] += out_h * zoom / 2 - cy
    size = (max(1, round(out_w * zoom)), max(1, round(out_h * zoom)))
    return cv2.warpAffine(gray, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
