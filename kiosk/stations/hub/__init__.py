"""The head-office node's own pages: its kiosks and their sync state, pairing
codes, revoking and replacing a kiosk, the conflict list a manager reviews, the
store's health and backups, and the API tokens.

Registered only on a node whose role is hub. One blueprint, split by task into
the modules imported at the bottom.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("hub", __name__, url_prefix="/hub")

from kiosk.stations.hub import ops, pages, tokens  # noqa: E402,F401
