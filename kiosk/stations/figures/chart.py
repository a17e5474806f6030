"""Trend lines drawn on the server as SVG: no script, nothing to load, printable.

A small line over the last 12 weeks or months with the target as a dashed
line; the points the period had nothing to count are left out (the line breaks).
Only SVG attributes, no ``style`` (the pages' Content-Security-Policy forbids it).
"""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 180, 64, 6
LABEL_ROOM = 14  # the first and last period's label under the line


def _scale(values, target):
    known = [v for v in values if v is not None] + ([target] if target is not None else [])
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    return low, high


def trend_svg(points: list[tuple[str, float | None]], target: float | None = None, *, title: str = "",
              good: bool | None = None) -> Markup:
    """An inline SVG line of ``points`` ([(label, value shown)]), oldest first, with ``target``."""
    values = [v for _, v in points]
    low, high = _scale(values, target)
    plot_h = HEIGHT - LABEL_ROOM - PAD
    step = (WIDTH - 2 * PAD) / max(1, len(points) - 1)

    def y(value: float) -> float:
        return round(PAD + plot_h - (value - low) / (high - low) * (plot_h - PAD), 1)

    runs, run = [], []
    for index, value in enumerate(values):
        if value is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{round(PAD + index * step, 1)},{y(value)}")
    if run:
        runs.append(run)
    colour = {True: "#1e8449", False: "#c0392b"}.get(good, "#0b5cad")
    parts = [f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    if target is not None:
        parts.append(f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(target)}" y2="{y(target)}" stroke="#5d6d7e" '
                     f'stroke-width="1" stroke-dasharray="4 3"/>')
    for line in runs:
        if len(line) > 1:
            parts.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="{colour}" stroke-width="2.5" '
                         f'stroke-linejoin="round"/>')
        x, yy = line[-1].split(",")
        parts.append(f'<circle cx="{x}" cy="{yy}" r="3" fill="{colour}"/>')
    if points:
        base = HEIGHT - 3
        parts.append(f'<text x="{PAD}" y="{base}" font-size="10" fill="#5d6d7e">{escape(points[0][0])}</text>')
        parts.append(f'<text x="{WIDTH - PAD}" y="{base}" font-size="10" fill="#5d6d7e" text-anchor="end">'
                     f'{escape(points[-1][0])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
