"""Every setting a node reads: its default, its type and what it does, in one class.

``kiosk.app.create_app`` reads them once, at start, into ``app.config`` in this
order, each later source overriding the earlier ones:

1. the defaults below;
2. the instance folder's ``config.py`` (a store's own settings);
3. the environment, ``BAYFLOW_<NAME>`` (``BAYFLOW_DISCOVERY=off``), converted to the setting's type;
4. what the caller passes (the command line's options, the tests).

Then every value is checked against its type, so a mistyped setting stops the
start with its name instead of failing later on some page. Code reads
``app.config["NAME"]``, never with a default of its own. The README's
"Configuration" table lists the same names.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRANSLATIONS = str(Path(__file__).resolve().parent.parent / "translations")
OFF = ("off", "0", "no", "false", "")


@dataclass(frozen=True)
class Setting:
    name: str
    type: type | tuple
    default: Any
    doc: str


def _settings(instance: Path) -> list[Setting]:
    """The settings, with the defaults that depend on the instance folder."""
    return [
        Setting("DATABASE", str, str(instance / "bayflow.sqlite"), "the node's SQLite file, or a sqlite:/// or postgresql:// URL"),
        Setting("ROLE", str, "kiosk", "kiosk, or hub (the store's head-office node)"),
        Setting("STATION", str, "all", "reception, bay, parts, cashier, care, or all"),
        Setting("NODE_PREFIX", (str, type(None)), None, "prefix of this node's human numbers (first start only)"),
        Setting("STORE_NAME", str, "", "the store's name on printed tags (first start only)"),
        Setting("GROUP_STORES", str, "", "a dealer group's hub: each store and its kiosks' number prefixes, "
                "'浦东店=PD1,PD2;苏州店=SZ1' (the group page /figures/group; empty: a single store)"),
        Setting("DEMO", bool, False, "fill an empty store with demo data on start"),
        Setting("DEMO_HISTORY_DAYS", int, 364, "days of delivered work the demo store starts with (the manager's "
                "figures and their trends; the tests use a few weeks)"),
        Setting("BLOB_FOLDER", str, str(instance / "blobs"), "where photos and signatures are kept by hash"),
        Setting("SECRET_KEY", (str, type(None)), None,
                "session signing key (default: the instance folder's secret, mode 0600, bound to the node)"),
        Setting("WEB_PAGES", bool, True, "serve the stations' pages (off: a command-line job)"),
        Setting("DISCOVERY", bool, True, "zeroconf: a hub advertises itself, a kiosk looks for its hub"),
        Setting("SYNC_SNAPSHOT", bool, True, "a new kiosk's first sync loads the hub's merged rows (off: it pulls "
                "and merges every event; read from the environment, as DISCOVERY)"),
        Setting("SYNC_SNAPSHOT_PAGE", int, 20_000, "rows a first sync asks a PostgreSQL hub for in one snapshot page "
                "(one transaction each; read from the environment)"),
        Setting("SYNC_SNAPSHOT_CHUNK_KIB", int, 8192, "KiB a first sync asks a SQLite hub for in one range of its "
                "snapshot file (read from the environment)"),
        Setting("IDLE_TIMEOUT_SECONDS", int, 300, "a session ends after this long without a touch (a station "
                "not in IDLE_SECONDS)"),
        # A bay screen is shared by many hands; at reception or the cashier a customer is talking.
        Setting("IDLE_SECONDS", dict, {"bay": 90, "workshop": 300, "parts": 300, "reception": 1200, "cashier": 1200,
                                       "care": 900},
                "each station's idle time (seconds), unless changed for this kiosk at /settings/station"),
        Setting("BAY_IDLE_SECONDS", (int, type(None)), None, "the bay's idle time (the older setting: "
                "IDLE_SECONDS['bay'] when unset)"),
        Setting("SSE_MAX_SECONDS", int, 300, "a live-update stream is renewed after this long"),
        Setting("SSE_MAX_PER_CLIENT", int, 8, "live-update streams one client address may hold (per server process)"),
        Setting("SSE_RESERVED_THREADS", int, 8, "server threads no live-update stream may take (kept for pages)"),
        Setting("SSE_MAX_TOTAL", (int, type(None)), None,
                "live-update streams in all (default: the server's threads less SSE_RESERVED_THREADS)"),
        Setting("SSE_POLL_SECONDS", int, 15, "a page whose stream was refused refreshes its live parts this often"),
        Setting("MAX_CONNECTIONS_PER_CLIENT", int, 48, "open connections one client address may hold (one more: 503)"),
        Setting("IDLE_CONNECTION_SECONDS", int, 30, "a connection that sends nothing for this long is closed"),
        Setting("CONNECTION_LIMIT", int, 1000, "open connections of all clients together"),
        Setting("SERVER_THREADS", (int, type(None)), None, "set by the server: its worker threads"),
        Setting("SCAN_KEY_GAP_MS", int, 50, "keys closer than this, ending in a terminator, are a scanner's"),
        Setting("SCAN_TERMINATORS", str, "Enter", "keys that end a scan (comma-separated, e.g. Enter,Tab)"),
        Setting("SHIFT_END", str, "18:00", "when clocks still running are closed, until the foreman sets it at /bay/rules"),
        Setting("WORKSHOP_BAYS", (list, tuple), [str(n) for n in range(1, 9)], "the bays jobs are dispatched to"),
        Setting("CAMERAS", (list, tuple, type(None)), None,
                "scanning cameras (bayflow serve --camera; default: the ones this station remembers)"),
        Setting("CAMERA_FPS", (float, int, type(None)), None, "pace of a camera that is a file or folder"),
        Setting("CAMERA_GONE_SECONDS", (float, int), 0.6, "a code out of view this long counts again when it comes back"),
        Setting("CAMERA_RECONNECT_SECONDS", (float, int), 2.0, "wait before reopening a lost camera"),
        Setting("SERVER_PROCESS", (int, type(None)), None, "set by bayflow serve: which of its processes this is"),
        Setting("BACKUP_FOLDER", (str, type(None)), None,
                "a hub's nightly backups (bayflow serve --backup-dir; default: <database>-backups beside it, "
                "or backups in the instance folder on PostgreSQL)"),
        Setting("BACKUP_CHECK_SECONDS", (float, int), 60, "how often a hub checks whether its nightly backup is due"),
        Setting("LOG_FOLDER", (str, type(None)), None, "the node's log files (default: logs in the instance folder)"),
        Setting("LOG_MAX_BYTES", int, 5 * 1024 * 1024, "a log file is rotated at this size (five are kept)"),
        Setting("PRINTER_DEVICES", (list, tuple, type(None)), None,
                "device files a receipt printer may be, as regular expressions "
                "(default: USB, parallel and serial printer ports only)"),
        Setting("BABEL_DEFAULT_LOCALE", str, "zh_Hans_CN", "the pages' language unless a person picks another"),
        Setting("STORE_TIMEZONE", str, "Asia/Shanghai", "the store's time zone: 'today', shift ends, "
                "appointments and every time shown (times are stored as UTC, kiosk/core/times.py)"),
        Setting("BABEL_TRANSLATION_DIRECTORIES", str, TRANSLATIONS, "Flask-Babel's catalogues"),
        Setting("WTF_CSRF_TIME_LIMIT", (int, type(None)), None, "a form's CSRF token never expires while its session lives"),
        Setting("SESSION_COOKIE_SAMESITE", str, "Lax", "Flask's session cookie"),
        Setting("SEND_FILE_MAX_AGE_DEFAULT", int, 3600, "browser cache of static files (seconds)"),
        Setting("MAX_CONTENT_LENGTH", int, 8 * 1024 * 1024, "the largest request body (a photo)"),
    ]


class ConfigError(ValueError):
    """A setting of the wrong type: the node does not start."""


def _from_text(setting: Setting, text: str):
    """An environment variable's text as the setting's type."""
    kinds = setting.type if isinstance(setting.type, tuple) else (setting.type,)
    if bool in kinds:
        return text.strip().lower() not in OFF
    if type(None) in kinds and text.strip().lower() in ("", "none"):
        return None
    if list in kinds:
        return [part.strip() for part in text.split(",") if part.strip()]
    if dict in kinds:  # name=number pairs: BAYFLOW_IDLE_SECONDS=bay=60,reception=1800
        try:
            return {k.strip(): int(v) for k, _, v in (p.partition("=") for p in text.split(",") if p.strip())}
        except ValueError:
            raise ConfigError(f"BAYFLOW_{setting.name}={text!r}: not name=number pairs")
    for kind in (int, float):
        if kind in kinds:
            try:
                return kind(text)
            except ValueError:
                raise ConfigError(f"BAYFLOW_{setting.name}={text!r}: not a {kind.__name__}")
    return text


def defaults(instance: Path) -> dict:
    """Every setting's default for a node whose instance folder is ``instance``."""
    return {s.name: copy.deepcopy(s.default) for s in _settings(instance)}  # a list or dict of its own


def from_environment(instance: Path, environ=os.environ) -> dict:
    """The settings given as ``BAYFLOW_<NAME>`` environment variables."""
    return {s.name: _from_text(s, environ[f"BAYFLOW_{s.name}"]) for s in _settings(instance)
            if f"BAYFLOW_{s.name}" in environ}


def check(config, instance: Path) -> None:
    """Raise ``ConfigError`` naming the first setting whose value has the wrong type."""
    for setting in _settings(instance):
        value = config.get(setting.name)
        kinds = setting.type if isinstance(setting.type, tuple) else (setting.type,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ConfigError(f"setting {setting.name}={value!r}: expected {' or '.join(k.__name__ for k in kinds)}")


def documented(instance: Path = Path("instance")) -> list[Setting]:
    """The settings as the README's table lists them (tests/… checks the two agree)."""
    return _settings(instance)


def discovery_on(environ=os.environ) -> bool:
    """``DISCOVERY`` where no app is at hand (a sync round outside a request): the environment's say."""
    return environ.get("BAYFLOW_DISCOVERY", "on").strip().lower() not in OFF


def snapshot_on(environ=os.environ) -> bool:
    """``SYNC_SNAPSHOT`` for a sync round (run outside a request, as ``discovery_on``)."""
    return environ.get("BAYFLOW_SYNC_SNAPSHOT", "on").strip().lower() not in OFF


def snapshot_page(environ=os.environ) -> int:
    """``SYNC_SNAPSHOT_PAGE`` for a sync round (from the environment, at least 1)."""
    try:
        return max(1, int(environ.get("BAYFLOW_SYNC_SNAPSHOT_PAGE", "20000")))
    except ValueError:
        return 20_000


def snapshot_chunk_kib(environ=os.environ) -> int:
    """``SYNC_SNAPSHOT_CHUNK_KIB`` for a sync round (from the environment, at least 1)."""
    try:
        return max(1, int(environ.get("BAYFLOW_SYNC_SNAPSHOT_CHUNK_KIB", "8192")))
    except ValueError:
        return 8192
