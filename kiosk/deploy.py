"""Service files for a store's PCs, made from the templates in ``kiosk/deploy_templates/``.

``bayflow deploy systemd`` writes, for a Linux PC, a system unit that runs
the node at boot (``bayflow-<name>.service``) and, for a kiosk, a user unit
that opens Chromium full screen on it (``bayflow-screen-<name>.service``).
``bayflow deploy windows`` writes a WinSW service definition (a Windows
service: started at boot, no console window) and an install script that
also starts Edge full screen at logon on a kiosk. See the README's "Deploy a
store"; ``tests/test_deploy.py`` builds the units and checks them with
``systemd-analyze verify``.
"""
from __future__ import annotations

import re
import shlex
import shutil
import sys
from pathlib import Path
from string import Template
from xml.sax.saxutils import escape

TEMPLATES = Path(__file__).resolve().parent / "deploy_templates"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")


def _bayflow() -> str:
    """The ``bayflow`` program of this installation."""
    beside = Path(sys.executable).with_name("bayflow.exe" if sys.platform == "win32" else "bayflow")
    return str(beside if beside.exists() else (shutil.which("bayflow") or beside))


def node_args(role: str, db: str, port: int, host: str, station: str | None, prefix: str | None,
              store_name: str | None, backup_dir: str | None) -> list[str]:
    args = ["--role", role, "--db", db, "--host", host, "--port", str(port)]
    if role == "kiosk" and station:
        args += ["--station", station]
    if prefix:
        args += ["--prefix", prefix]
    if store_name:
        args += ["--store-name", store_name]
    if role == "hub" and backup_dir:
        args += ["--backup-dir", backup_dir]
    return args


def _values(name: str, role: str, db: str, port: int, args: list[str], *, user: str, instance: str,
            bayflow: str | None, browser: str | None, quote) -> dict:
    if not _NAME.match(name):
        raise ValueError(f"--name {name!r}: lower-case letters, digits and dashes, e.g. reception")
    return {"name": name, "role": role, "port": port, "user": user, "group": user,
            "workdir": str(Path(db).parent), "instance": instance, "bayflow": bayflow or _bayflow(),
            "args": " ".join(quote(a) for a in args), "url": f"http://127.0.0.1:{port}",
            "browser": browser or shutil.which("chromium") or "/usr/bin/chromium",
            "python": sys.executable, "service": f"bayflow-{name}",
            "unit": f"bayflow-screen-{name}.service"}


def systemd_units(out: Path, *, name: str, role: str, db: str, port: int, host: str = "0.0.0.0",
                  station: str | None = None, prefix: str | None = None, store_name: str | None = None,
                  backup_dir: str | None = None, user: str = "bayflow", instance: str | None = None,
                  bayflow: str | None = None, browser: str | None = None) -> list[Path]:
    """Write the node's unit (and a kiosk's screen unit) into ``out``; return the files."""
    args = node_args(role, db, port, host, station, prefix, store_name, backup_dir)
    values = _values(name, role, db, port, args, user=user, instance=instance or str(Path(db).parent / "instance"),
                     bayflow=bayflow, browser=browser, quote=_systemd_quote)
    written = [_write(out / f"bayflow-{name}.service", "bayflow-node.service", values)]
    if role == "kiosk":
        written.append(_write(out / values["unit"], "bayflow-browser.service", values))
    return written


def windows_service(out: Path, *, name: str, role: str, db: str, port: int, host: str = "0.0.0.0",
                    station: str | None = None, prefix: str | None = None, store_name: str | None = None,
                    backup_dir: str | None = None, instance: str | None = None,
                    bayflow: str | None = None) -> list[Path]:
    """Write the WinSW service definition and the install script into ``out``."""
    args = node_args(role, db, port, host, station, prefix, store_name, backup_dir)
    bayflow = bayflow or r"C:\bayflow\Scripts\bayflow.exe"
    values = _values(name, role, db, port, args, user="", instance=instance or str(Path(db).parent / "instance"),
                     bayflow=bayflow, browser="", quote=_windows_quote)
    xml_values = {k: escape(str(v), {'"': "&quot;"}) for k, v in values.items()}
    return [_write(out / f"bayflow-{name}.xml", "bayflow-node.winsw.xml", xml_values),
            _write(out / f"install-bayflow-{name}.ps1", "install-bayflow.ps1", values)]


class _Template(Template):
    """``@{name}`` placeholders: ``$`` belongs to PowerShell and systemd, ``%`` to systemd."""

    delimiter = "@"


def _write(path: Path, template: str, values: dict) -> Path:
    text = _Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)
    path.write_text(text, encoding="utf-8", newline="\n" if path.suffix == ".service" else None)
    return path


def _systemd_quote(arg: str) -> str:
    """systemd's ExecStart reads words like a shell does, with $ and % special."""
    quoted = shlex.quote(arg) if re.search(r"[\s'\"\\;]", arg) else arg
    return quoted.replace("%", "%%").replace("$", "$$")


def _windows_quote(arg: str) -> str:
    return f'"{arg}"' if re.search(r"[\s\"]", arg) else arg
