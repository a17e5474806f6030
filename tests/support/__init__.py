"""Helpers shared by the tests of every folder (imported from here, never from another test module)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
# The shared barcode photographs; BAYFLOW_SHARED points elsewhere when needed.
BARCODES = Path(os.environ.get("BAYFLOW_SHARED") or ROOT.parent / "shared") / "barcodes"

PIN = "2468"  # every test person's PIN (tests/conftest.py make_staff)
