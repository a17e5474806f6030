"""Heavy libraries loaded at their first use, not at import.

OpenCV and NumPy are a third of a server process's memory (about 45 MB) and half
a second of its start, Pillow, python-barcode and qrcode another 6 MB, yet a kiosk
without a camera never calls the first ones, and most requests never draw or read
an image. ``lazy("cv2")`` gives a stand-in at once; the first time a name in it is
read, the library is imported (the ordinary import, so several threads asking at
once wait for the one import: the standard library's ``LazyLoader`` is not safe
for that before Python 3.12) and the name is looked up there, as is every name
after it. ``cv2.imread`` in a function works as before.
"""
from __future__ import annotations

import importlib
from types import ModuleType


class _Deferred(ModuleType):
    """Stands for the module of the same name until it is needed; then passes every
    name it is asked for on to it. Names are read, never set, through it."""

    def __getattr__(self, attr: str):
        module = self.__dict__.get("_module")
        if module is None:
            module = importlib.import_module(self.__name__)
            self.__dict__["_module"] = module
        return getattr(module, attr)


def lazy(name: str) -> ModuleType:
    """A stand-in for the module ``name``, imported when a name in it is first used."""
    return _Deferred(name)
