"""This kiosk's own settings beside its printers: the idle time and the scanning cameras.

Kept in the node's database (``NodeSetting``), so they travel with the
station's profile to the hub and from there to a PC that replaces this one
(sync.replace). ``bayflow serve --camera`` still works: the sources given are
remembered as the station's cameras (``--camera off`` forgets them), and a
start without ``--camera`` uses the remembered ones.
"""
from __future__ import annotations

import datetime as dt
import json

from flask import current_app
from kiosk.i18n import lazy_gettext as _l

from kiosk.core import events
from kiosk.db import connected, transaction
from kiosk.models.ops import NodeSetting
from kiosk.models.printing import PrinterSetting
from kiosk.core.errors import ServiceError
from sync import transport
from sync.node import current_node
from sync.tables import NodeInfo

IDLE_KEY, CAMERAS_KEY = "idle_seconds", "cameras"
IDLE_RANGE = (30, 3600)
PRINTER_FIELDS = ("station", "purpose", "kind", "address", "queue", "mode")


def get(key: str, default=None):
    """A stored setting of this node (JSON value), or ``default``."""
    row = NodeSetting.get_or_none(NodeSetting.key == key)
    if row is None:
        return default
    try:
        return json.loads(row.value)
    except ValueError:
        return default


def put(key: str, value) -> None:
    """Store a setting of this node (call inside or outside a transaction)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    now = dt.datetime.now()
    with transaction():
        (NodeSetting.insert(key=key, value=text, updated_at=now)
         .on_conflict(conflict_target=[NodeSetting.key], update={NodeSetting.value: text,
                                                                NodeSetting.updated_at: now}).execute())


def _apply_to_config(config, idle, cameras) -> None:
    if idle is not None:
        config["IDLE_TIMEOUT_SECONDS"] = int(idle)
    if cameras is not None:
        config["CAMERAS"] = list(cameras)


def load_into(app) -> None:
    """At start: remembered settings into ``app.config``; cameras given on the command line are remembered."""
    with connected():
        given = app.config["CAMERAS"]  # None: not given at this start
        if given is not None:
            cameras = [] if list(given) == ["off"] else [str(c) for c in given]
            if cameras != get(CAMERAS_KEY):
                put(CAMERAS_KEY, cameras)
        _apply_to_config(app.config, get(IDLE_KEY), get(CAMERAS_KEY))
        app.config["CAMERAS"] = list(app.config["CAMERAS"] or [])  # none given nor remembered: none
    # Several server processes: a change saved in one reaches the others' config.
    events.on_shared("station-settings", lambda idle, cameras: _apply_to_config(app.config, idle, cameras))


def idle_seconds() -> int:
    return int(current_app.config["IDLE_TIMEOUT_SECONDS"])


def cameras() -> list[str]:
    return [str(c) for c in current_app.config["CAMERAS"]]


def save(idle_text: str, cameras_text: str) -> None:
    """Save the idle time (seconds) and the cameras (one source a line) from the settings page."""
    try:
        idle = int(str(idle_text or "").strip())
    except ValueError:
        idle = 0
    if not IDLE_RANGE[0] <= idle <= IDLE_RANGE[1]:
        raise ServiceError(_l("Enter the idle time in seconds, from %(low)s to %(high)s.",
                              low=IDLE_RANGE[0], high=IDLE_RANGE[1]), field="idle")
    sources = [line.strip() for line in str(cameras_text or "").splitlines() if line.strip()]
    if len(sources) > 8 or any(len(s) > 300 for s in sources):
        raise ServiceError(_l("At most 8 cameras, one source a line."), field="cameras")
    put(IDLE_KEY, idle)
    put(CAMERAS_KEY, sources)
    _apply_to_config(current_app.config, idle, sources)
    events.share("station-settings", idle, sources)


def profile() -> dict:
    """What a PC replacing this one must take over: printers, cameras, idle time."""
    printers = [{name: getattr(row, name) for name in PRINTER_FIELDS}
                for row in PrinterSetting.select().order_by(PrinterSetting.station, PrinterSetting.purpose)]
    return {"printers": printers, "cameras": cameras(), "idle_seconds": idle_seconds()}


def apply_profile(data: dict) -> dict:
    """Take over another kiosk's settings (a replacement PC); returns what was applied."""
    printers = [p for p in (data.get("printers") or []) if isinstance(p, dict)]
    idle = data.get("idle_seconds")
    cams = [str(c) for c in (data.get("cameras") or []) if str(c).strip()]
    now = dt.datetime.now()
    with transaction():
        PrinterSetting.delete().execute()
        for printer in printers:
            values = {name: str(printer.get(name) or "") for name in PRINTER_FIELDS}
            if values["station"] and values["purpose"]:
                PrinterSetting.create(**values, updated_at=now)
        if isinstance(idle, int) and IDLE_RANGE[0] <= idle <= IDLE_RANGE[1]:
            put(IDLE_KEY, idle)
        else:
            idle = None
        put(CAMERAS_KEY, cams)
    return {"printers": len(printers), "cameras": cams, "idle_seconds": idle}


def take_over(replaces: dict) -> dict:
    """On the new PC, right after pairing with a code made to replace a dead kiosk (sync.replace):
    become the old kiosk's station and take its settings.

    Returns {"station", "settings": what was applied or None when the hub had none}.
    """
    station = str(replaces.get("station") or "all")
    with transaction():
        NodeInfo.update(station=station).where(NodeInfo.node_id == current_node().node_id).execute()
    answer = transport.call("profile", {})
    settings = answer.get("settings")
    applied = apply_profile(settings) if isinstance(settings, dict) else None
    return {"station": station, "settings": applied}
