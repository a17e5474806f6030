"""``GET /api/v1/health``: who this node is and how its sync stands."""
from __future__ import annotations

import datetime as dt
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from flask import jsonify

from kiosk.core import times
from kiosk.stations.api import bp
from sync import state
from sync.changelog import outbox_size
from sync.node import current_node


@cache  # reading the package metadata costs more than the rest of the answer
def _version() -> str:
    try:
        return version("bayflow")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _iso(text: str | None) -> str | None:
    """The last sync (kept as UTC text) in ISO 8601 with the store's offset."""
    try:
        return times.isoformat(dt.datetime.fromisoformat(text)) if text else None
    except ValueError:
        return None


@bp.get("/health")
def health():
    node = current_node()
    return jsonify({
        "node": node.node_id,
        "role": node.role,
        "station": node.station,
        "version": _version(),
        "outbox": outbox_size(),
        "last_sync": _iso(state.last_sync()),
    })
