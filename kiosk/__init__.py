"""bayflow's kiosk app. ``kiosk.app.create_app`` builds one node (kiosk or hub) with its stations.

Kept empty but for the station names: every module of the package imports it
first, so it imports nothing.
"""
from __future__ import annotations

STATIONS = ("reception", "bay", "parts", "cashier", "care")
