"""The version of bayflow this node runs (``bayflow --version``, page footers, the hub's kiosk list)."""
from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version


@cache  # reading the package metadata costs more than a page render
def app_version() -> str:
    """The installed package's version, e.g. ``0.2.0``."""
    try:
        return version("bayflow")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def version_key(text: str | None) -> tuple[int, ...]:
    """``"0.10.1"`` → ``(0, 10, 1)`` for comparing versions; anything unreadable sorts first."""
    parts = []
    for piece in str(text or "").split("+")[0].split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)
