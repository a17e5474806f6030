"""Heavy libraries loaded at their first use, not at import.

OpenCV and NumPy are a third of a server process's memory (about 45 MB) and half
a second of its start, yet a kiosk without a camera never calls them, and one
with a camera only from its camera threads. ``lazy("cv2")`` gives the module
object at once and loads the library the first time one of its names is read
(the standard library's ``importlib.util.LazyLoader``), so ``cv2.imread`` in a
function works as before.
"""
from __future__ import annotations

import importlib.util
import sys
import threading
from types import ModuleType

_lock = threading.Lock()


def lazy(name: str) -> ModuleType:
    """The module ``name``; it is loaded when a name in it is first used."""
    with _lock:
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        loader = importlib.util.LazyLoader(spec.loader)
        spec.loader = loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
        return module
