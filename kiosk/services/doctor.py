"""``bayflow doctor``: check one node and say what is wrong and what to do, in Chinese or English.

Works on a node that is broken: the database is opened with sqlite3 directly
(never through the app, which would migrate it), and every check that needs a
sound database is skipped when it is not. Checks: the file and its integrity,
the write-ahead log's size, the node's identity and pairing, the hub (a kiosk:
does it answer at its address, with the pinned key, and how far is our clock
from its), the printers and cameras configured, the free disk, the time.

Each ``Finding`` is ``ok``, ``warn`` (worth knowing, nothing broken) or
``bad`` (``bayflow doctor`` then exits non-zero).
"""
from __future__ import annotations

import email.utils
import json
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
WAL_WARN_BYTES = 64 * 1024 ** 2
WAL_BAD_BYTES = 1024 ** 3
DISK_LOW_BYTES = 1024 ** 3
CLOCK_OFF_SECONDS = 5 * 60
_catalogue: list = [NullTranslations()]


def _(text: str, **values) -> str:
    """Translated into the language ``examine`` was asked for."""
    translated = _catalogue[0].ugettext(text)
    return translated % values if values else translated


@dataclass
class Finding:
    check: str
    level: str  # ok | warn | bad
    message: str
    advice: str = ""


class _Node:
    """What the checks share: the file, its connection, its identity and settings."""

    def __init__(self, path: Path):
        self.path = path
        self.con: sqlite3.Connection | None = None
        self.role = self.station = self.prefix = ""
        self.state: dict[str, str] = {}
        self.settings: dict = {}

    def scalar_rows(self, sql: str, *args):
        return self.con.execute(sql, args).fetchall() if self.con else []


def _check_file(node: _Node) -> list[Finding]:
    path = node.path
    if not path.is_file():
        return [Finding("database", "bad", _("No database at %(path)s.", path=path),
                        _("Check --db; restore the last backup with bayflow restore if the file was lost."))]
    try:
        node.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        problems = [row[0] for row in node.con.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(problems[:3]))
        row = node.con.execute("SELECT role, station, prefix FROM node_info LIMIT 1").fetchone()
    except sqlite3.Error as exc:
        if node.con is not None:
            node.con.close()
        node.con = None
        return [Finding("database", "bad", _("The database is damaged: %(error)s", error=" ".join(str(exc).split())),
                        _("Stop bayflow on this PC and restore the last backup: bayflow restore --db %(path)s "
                          "--from BACKUP-FILE. A kiosk is then paired again; nothing it had sent is lost.",
                          path=path))]
    if row is None:
        return [Finding("database", "bad", _("The database holds no node: it is not a bayflow database."),
                        _("Check --db."))]
    node.role, node.station, node.prefix = row
    node.state = dict(node.scalar_rows("SELECT key, value FROM sync_state"))
    try:
        node.settings = {k: json.loads(v) for k, v in node.scalar_rows("SELECT key, value FROM node_setting")}
    except (sqlite3.Error, ValueError):
        node.settings = {}
    return [Finding("database", "ok", _("Database sound (integrity check passed)."))]


def _check_wal(node: _Node) -> list[Finding]:
    wal = Path(f"{node.path}-wal")
    size = wal.stat().st_size if wal.exists() else 0
    megabytes = size // 1024 ** 2
    if size > WAL_BAD_BYTES:
        return [Finding("wal", "bad", _("The write-ahead log is %(mb)s MB.", mb=megabytes),
                        _("Something holds the database open for a long time: restart bayflow on this PC."))]
    if size > WAL_WARN_BYTES:
        return [Finding("wal", "warn", _("The write-ahead log is %(mb)s MB.", mb=megabytes),
                        _("It shrinks when the node is quiet; if it keeps growing, restart bayflow."))]
    return [Finding("wal", "ok", _("Write-ahead log small (%(mb)s MB).", mb=megabytes))]


def _check_pairing(node: _Node) -> list[Finding]:
    if node.role == "hub":
        paired = node.scalar_rows("SELECT COUNT(*) FROM peer WHERE revoked_at IS NULL")[0][0]
        return [Finding("pairing", "ok", _("Head-office node with %(count)s kiosks paired.", count=paired))]
    if not node.state.get("hub_public_key"):
        return [Finding("pairing", "bad", _("This kiosk is not paired with the head office."),
                        _("Show a pairing code on the hub, then: bayflow pair --db %(path)s --code CODE.",
                          path=node.path))]
    state = node.state.get("state", "")
    advice = {"diverged": _("Its history differs from the hub's (a restored or copied disk): pair it again."),
              "revoked": _("The head office revoked this kiosk: ask the manager, then pair it again."),
              "upgrade": _("The head office needs a newer bayflow on this kiosk: upgrade it.")}
    if state in advice:
        return [Finding("pairing", "bad", _("Sync is stopped (%(state)s).", state=state), advice[state])]
    return [Finding("pairing", "ok", _("Paired with %(store)s.", store=node.state.get("hub_store") or
                                      node.state.get("hub_node_id", "")))]


def _check_hub(node: _Node, timeout: float) -> list[Finding]:
    """The hub answers at its address with the pinned key; our clock against its clock."""
    if node.role == "hub" or not node.state.get("hub_public_key"):
        return []
    from sync import keys

    urls = [u for u in dict.fromkeys([node.state.get("hub_url_seen"), node.state.get("hub_url")]) if u]
    pinned = keys.fingerprint(node.state["hub_public_key"])
    for url in urls:
        try:
            with urllib.request.urlopen(f"{url}/sync/v1/pair", timeout=timeout) as answer:
                intro, date = json.loads(answer.read() or b"{}"), answer.headers.get("Date")
        except (OSError, ValueError, urllib.error.URLError):
            continue
        if intro.get("fingerprint") != pinned:
            return [Finding("hub", "bad", _("Something else answers at %(url)s (key %(key)s, not the pinned %(pinned)s).",
                                            url=url, key=intro.get("fingerprint"), pinned=pinned),
                            _("Check the hub's address; if the hub was reinstalled, pair this kiosk again."))]
        found = [Finding("hub", "ok", _("The head office answers at %(url)s.", url=url))]
        if date:
            offset = time.time() - email.utils.parsedate_to_datetime(date).timestamp()
            if abs(offset) > CLOCK_OFF_SECONDS:
                found.append(Finding("time", "bad", _("This PC's clock is %(minutes)s minutes off the head office's.",
                                                      minutes=int(abs(offset) // 60)),
                                     _("Turn on time synchronisation (NTP) on this PC.")))
            else:
                found.append(Finding("time", "ok", _("Clock agrees with the head office's.")))
        return found
    return [Finding("hub", "bad", _("The head office does not answer at %(urls)s.", urls=", ".join(urls) or "?"),
                    _("Check the network cable and that the hub PC runs bayflow; the kiosk keeps working "
                      "and syncs when the hub is back."))]


def _printer_answers(kind: str, address: str, queue: str, timeout: float) -> str | None:
    """None when the printer answers, else why not."""
    from hardware.printers import PrinterError, split_address
    from hardware.printers.escpos import ESCPOS_PORT, is_device
    from hardware.printers.zpl import ZPL_PORT

    if kind in ("zpl", "escpos"):
        if kind == "escpos" and is_device(address):
            return None if Path(address).exists() else _("no device %(device)s", device=address)
        try:
            host, port = split_address(address, ZPL_PORT if kind == "zpl" else ESCPOS_PORT)
            socket.create_connection((host, port), timeout=timeout).close()
        except (OSError, PrinterError) as exc:
            return str(exc) or type(exc).__name__
        return None
    if kind == "cups":
        if shutil.which("lpstat") is None:
            return _("lpstat is not installed (cups-client)")
        done = subprocess.run(["lpstat", "-p", queue], capture_output=True, text=True, timeout=timeout + 5)
        return None if done.returncode == 0 else " ".join(done.stderr.split())[:120] or _("unknown queue")
    return None


def _check_printers(node: _Node, timeout: float) -> list[Finding]:
    rows = node.scalar_rows("SELECT station, purpose, kind, address, queue FROM printer_setting")
    found = []
    for station, purpose, kind, address, queue in rows:
        if kind == "browser":
            continue
        where = address or queue
        reason = _printer_answers(kind, address, queue, timeout)
        if reason is None:
            found.append(Finding("printer", "ok", _("Printer %(where)s (%(station)s, %(purpose)s) answers.",
                                                    where=where, station=station, purpose=purpose)))
        else:
            found.append(Finding("printer", "bad", _("Printer %(where)s (%(station)s, %(purpose)s) does not answer: "
                                                     "%(reason)s", where=where, station=station, purpose=purpose,
                                                     reason=reason),
                                 _("Check that it is on and its cable or network; fix the address at /settings/printers.")))
    return found


def _check_cameras(node: _Node) -> list[Finding]:
    found = []
    for source in node.settings.get("cameras") or []:
        from hardware.camera_check import check

        result = check(str(source), 1.5)
        if result.ok:
            found.append(Finding("camera", "ok", _("Camera %(source)s delivers pictures.", source=source)))
        else:
            found.append(Finding("camera", "bad", _("Camera %(source)s: %(reason)s", source=source,
                                                    reason=" ".join(str(result.reason).split())),
                                 _("Check its cable or address; try it with bayflow camera-check.")))
    return found


def _check_disk(path: Path) -> list[Finding]:
    folder = path.parent if path.parent.is_dir() else Path(".")
    free = shutil.disk_usage(folder).free
    probe = folder / f".bayflow-doctor-{time.time_ns()}"
    try:
        with open(probe, "wb") as handle:
            handle.write(b"\0" * 65536)
            handle.flush()
        writable = True
    except OSError:
        writable = False
    finally:
        probe.unlink(missing_ok=True)
    advice = _("Free space (old files, old backups) or give the PC a bigger disk; bayflow needs at least 1 GB.")
    if not writable:
        return [Finding("disk", "bad", _("The disk of %(folder)s is full: nothing more can be written (%(mb)s MB "
                                         "free).", folder=folder, mb=free // 1024 ** 2), advice)]
    if free < DISK_LOW_BYTES:
        return [Finding("disk", "bad", _("Only %(mb)s MB free on the disk of %(folder)s.", mb=free // 1024 ** 2,
                                         folder=folder), advice)]
    return [Finding("disk", "ok", _("%(gb)s GB free on the disk.", gb=round(free / 1024 ** 3, 1)))]


def _check_time_sync() -> list[Finding]:
    if shutil.which("timedatectl") is None:
        return []
    try:
        done = subprocess.run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"], capture_output=True,
                              text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if done.returncode != 0 or done.stdout.strip() not in ("yes", "no"):
        return []  # no systemd-timedated here (a container): nothing to say
    if done.stdout.strip() == "no":
        return [Finding("time", "warn", _("The system clock is not synchronised (NTP)."),
                        _("Turn on time synchronisation: timedatectl set-ntp true."))]
    return [Finding("time", "ok", _("The system clock is synchronised (NTP)."))]


def examine(target: str, *, lang: str = "zh", timeout: float = 3.0) -> tuple[dict, list[Finding]]:
    """Check the node whose database is ``target``; (what the node is, the findings)."""
    _catalogue[0] = Translations.load(str(TRANSLATIONS), ["zh_Hans_CN" if lang.startswith("zh") else "en"])
    path = Path(target[len("sqlite:///"):] if target.startswith("sqlite:///") else target)
    node = _Node(path)
    findings = _check_file(node)
    if node.con is not None:
        try:
            findings += _check_wal(node) + _check_pairing(node) + _check_hub(node, timeout)
            findings += _check_printers(node, timeout) + _check_cameras(node)
        finally:
            node.con.close()
    findings += _check_disk(path)
    if not any(f.check == "time" for f in findings):
        findings += _check_time_sync()
    about = {"path": str(path), "role": node.role, "station": node.station, "prefix": node.prefix}
    return about, findings


def as_dicts(findings: list[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]


def summary(findings: list[Finding]) -> str:
    """The report's last line."""
    bad = sum(f.level == "bad" for f in findings)
    return _("Problems found: %(count)s.", count=bad) if bad else _("All well.")
