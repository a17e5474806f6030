"""The scan path's own pages: the camera indicator every scanning page shows, and
the flag that tells static/scanner.js to listen for camera scans.

The helpers stations use in their scan endpoints live in
kiosk.stations.scan_helpers and are re-exported here.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from kiosk import cameras
from kiosk.stations.scan_helpers import (answer_unknown, describe, not_used_here, reply,  # noqa: F401
                                         scan_from_request, terminal_id)

bp = Blueprint("scanning", __name__, url_prefix="/scan")


@bp.app_context_processor
def _camera_flag() -> dict:
    """``camera_on``: whether this node was started with cameras (base.html marks the body),
    and their state for the indicator."""
    on = cameras.configured(current_app.config)
    return {"camera_on": on, "camera_state": cameras.summary() if on else "none"}


@bp.get("/camera-state")
def camera_state():
    """The camera indicator (live / reconnecting / no camera), polled and nudged by ``camera-state`` events."""
    return render_template("_camera_state.html", camera_state=cameras.summary(), cameras=cameras.states())
