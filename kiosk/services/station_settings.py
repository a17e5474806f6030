"""This kiosk's own settings beside its printers: the idle time of each station and the
scanning cameras.

Kept in the node's database (``NodeSetting``), so they travel with the
station's profile to the hub and from there to a PC that replaces this one
(sync.replace). ``bayflow serve --camera`` still works: the sources given are
remembered as the station's cameras (``--camera off`` forgets them), and a
start without ``--camera`` uses the remembered ones.

The idle time is one setting with one source of truth, ``idle_seconds(station)``:
what the station settings page saved for a station, else the store's defaults
(``IDLE_SECONDS`` per station: the bay short, reception and the cashier long),
else ``IDLE_TIMEOUT_SECONDS``. Only values that differ from the default are
kept, so a store changing its defaults reaches every station nobody set by hand.
"""
from __future__ import annotations

import json

from flask import current_app
from kiosk.i18n import lazy_gettext as _l

from kiosk.core import events, times
from kiosk.db import connected, transaction
from kiosk.models.ops import NodeSetting
from kiosk.models.printing import PrinterSetting
from kiosk.core.errors import ServiceError
from sync import transport
from sync.node import current_node
from sync.tables import NodeInfo

IDLE_KEY, CAMERAS_KEY = "idle_seconds", "cameras"
IDLE_RANGE = (30, 3600)
# The parts of a node with an idle time of their own, by blueprint (kiosk.access): the workshop's
# pages (dispatch, QC, the board) beside the bay; "other" is the home page, settings and the rest.
IDLE_AREAS = ("reception", "bay", "workshop", "parts", "cashier", "care", "hub", "other")
SAVED_CONFIG = "IDLE_SECONDS_SAVED"  # the saved idle times, mirrored in app.config for every request
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
    now = times.utcnow()
    with transaction():
        (NodeSetting.insert(key=key, value=text, updated_at=now)
         .on_conflict(conflict_target=[NodeSetting.key], update={NodeSetting.value: text,
                                                                NodeSetting.updated_at: now}).execute())


def _idle_map(value) -> dict[str, int]:
    """The saved idle times as {station: seconds}. A single number (saved before the idle time
    was per station) was this node's idle time everywhere, and still is."""
    if isinstance(value, bool):
        return {}
    if isinstance(value, int):
        return {area: value for area in IDLE_AREAS} if IDLE_RANGE[0] <= value <= IDLE_RANGE[1] else {}
    if not isinstance(value, dict):
        return {}
    return {area: seconds for area, seconds in value.items()
            if area in IDLE_AREAS and isinstance(seconds, int) and not isinstance(seconds, bool)
            and IDLE_RANGE[0] <= seconds <= IDLE_RANGE[1]}


def _apply_to_config(config, idle, cameras) -> None:
    if idle is not None:
        config[SAVED_CONFIG] = _idle_map(idle)
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
        app.config[SAVED_CONFIG] = {}  # none saved: every station has the store's default
        _apply_to_config(app.config, get(IDLE_KEY), get(CAMERAS_KEY))
        app.config["CAMERAS"] = list(app.config["CAMERAS"] or [])  # none given nor remembered: none
    # Several server processes: a change saved in one reaches the others' config.
    events.on_shared("station-settings", lambda idle, cameras: _apply_to_config(app.config, idle, cameras))


def default_idle_seconds(station: str) -> int:
    """The store's idle time for ``station`` when this kiosk has none of its own: ``IDLE_SECONDS``
    (per station), ``BAY_IDLE_SECONDS`` (the older setting, for the bay), else ``IDLE_TIMEOUT_SECONDS``."""
    config = current_app.config
    if station == "bay" and config["BAY_IDLE_SECONDS"]:
        return int(config["BAY_IDLE_SECONDS"])
    return int(config["IDLE_SECONDS"].get(station) or config["IDLE_TIMEOUT_SECONDS"])


def idle_seconds(station: str = "other") -> int:
    """How long a session lasts untouched at ``station`` on this kiosk (every idle logout asks here)."""
    saved = current_app.config[SAVED_CONFIG]
    return int(saved.get(station) or default_idle_seconds(station))


def idle_areas() -> list[str]:
    """The stations of this node that have an idle time (the settings page's rows), "other" last."""
    running = current_app.blueprints
    return [area for area in IDLE_AREAS if area == "other" or area in running]


def cameras() -> list[str]:
    return [str(c) for c in current_app.config["CAMERAS"]]


def _checked_idle(idle_texts: dict) -> dict[str, int]:
    """The idle times typed on the page ({station: text}) that differ from the store's default;
    an empty field is the default. A ServiceError at the first one out of range."""
    kept = dict(current_app.config[SAVED_CONFIG])
    for area, text in idle_texts.items():
        if area not in IDLE_AREAS:
            continue
        text = str(text or "").strip()
        if not text:
            kept.pop(area, None)
            continue
        try:
            seconds = int(text)
        except ValueError:
            seconds = 0
        if not IDLE_RANGE[0] <= seconds <= IDLE_RANGE[1]:
            raise ServiceError(_l("Enter the idle time in seconds, from %(low)s to %(high)s.",
                                  low=IDLE_RANGE[0], high=IDLE_RANGE[1]), field=f"idle-{area}")
        if seconds == default_idle_seconds(area):
            kept.pop(area, None)
        else:
            kept[area] = seconds
    return kept


def save(idle_texts: dict, cameras_text: str) -> None:
    """Save the idle time of each station ({station: seconds as typed}; empty: the store's
    default) and the cameras (one source a line) from the settings page."""
    idle = _checked_idle(idle_texts or {})
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
    saved = dict(current_app.config[SAVED_CONFIG])
    return {"printers": printers, "cameras": cameras(), "idle_seconds": saved}


def apply_profile(data: dict) -> dict:
    """Take over another kiosk's settings (a replacement PC); returns what was applied. The idle
    time is {station: seconds}, or one number from a kiosk before the idle time per station."""
    printers = [p for p in (data.get("printers") or []) if isinstance(p, dict)]
    idle = _idle_map(data.get("idle_seconds"))
    cams = [str(c) for c in (data.get("cameras") or []) if str(c).strip()]
    now = times.utcnow()
    with transaction():
        PrinterSetting.delete().execute()
        for printer in printers:
            values = {name: str(printer.get(name) or "") for name in PRINTER_FIELDS}
            if values["station"] and values["purpose"]:
                PrinterSetting.create(**values, updated_at=now)
        put(IDLE_KEY, idle)
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
