"""The parts counter (配件专员, 配件经理): catalogue, stock, issuing and returning
by scanning, receiving deliveries and counting bins.

One blueprint. Every module of this package is imported below, so a module
that registers a scan mode (see ``kiosk.stations.parts.scan.register_mode``)
or adds routes only has to exist: receive and count live in their own modules.
"""
from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint

bp = Blueprint("parts", __name__, url_prefix="/parts")


def _import_modules() -> None:
    # scan first: the other modules register their modes in its registry.
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    for name in ["scan"] + [n for n in names if n != "scan"]:
        importlib.import_module(f"{__name__}.{name}")


_import_modules()
