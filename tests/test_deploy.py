"""``bayflow deploy``: the service files of "Deploy a store" (README), built from the
templates for a hub and two kiosks on one machine, and checked — by ``systemd-analyze
verify`` where systemd is installed (CI's machine has it), and by reading them back."""
from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

BAYFLOW = str(Path(sys.executable).parent / "bayflow")
STORE = [  # the README's store on one machine: name, role, port, station
    ("hub", "hub", "5100", None),
    ("reception", "kiosk", "5001", "reception"),
    ("bay1", "kiosk", "5002", "bay"),
]


def deploy(kind: str, out: Path, name: str, role: str, port: str, station: str | None, *extra: str):
    args = [BAYFLOW, "deploy", kind, "--name", name, "--role", role, "--db", f"/var/lib/bayflow/{name}.sqlite",
            "--port", port, "--out", str(out), *extra]
    if station:
        args += ["--station", station]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [Path(line) for line in done.stdout.split()]


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_text())
    return parser


def test_systemd_units_for_a_hub_and_two_kiosks(tmp_path):
    files = []
    for name, role, port, station in STORE:
        files += deploy("systemd", tmp_path, name, role, port, station, "--user", "root")
    names = sorted(p.name for p in files)
    assert names == ["bayflow-bay1.service", "bayflow-hub.service", "bayflow-reception.service",
                     "bayflow-screen-bay1.service", "bayflow-screen-reception.service"]
    hub = unit(tmp_path / "bayflow-hub.service")
    command = shlex.split(hub["Service"]["ExecStart"])
    assert command[0] == BAYFLOW and command[1:3] == ["serve", "--role"] and "hub" in command
    assert command[command.index("--port") + 1] == "5100" and "--station" not in command
    assert hub["Service"]["Restart"] == "always" and hub["Install"]["WantedBy"] == "multi-user.target"
    kiosk = shlex.split(unit(tmp_path / "bayflow-reception.service")["Service"]["ExecStart"])
    assert kiosk[kiosk.index("--station") + 1] == "reception"
    screen = unit(tmp_path / "bayflow-screen-bay1.service")["Service"]
    browser = shlex.split(screen["ExecStart"])
    assert "--kiosk" in browser and browser[-1] == "http://127.0.0.1:5002"
    assert shlex.split(screen["ExecStartPre"])[1:3] == ["wait-ready", "http://127.0.0.1:5002"]
    if shutil.which("systemd-analyze") is None:
        return  # read back above; systemd itself checks them where it is installed
    for path in files:
        checked = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True,
                                 timeout=60)
        complaints = [line for line in checked.stderr.splitlines() if path.name in line or "bayflow" in line]
        assert checked.returncode == 0 and not complaints, checked.stderr


def test_systemd_analyze_would_catch_a_broken_unit(tmp_path):
    """The check above can fail: a unit whose program is missing is refused."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    path, *_ = deploy("systemd", tmp_path, "hub", "hub", "5100", None, "--user", "root",
                      "--bayflow", "/nonexistent/bayflow")
    checked = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True)
    assert checked.returncode != 0 and "/nonexistent/bayflow" in checked.stderr


def test_a_windows_service_definition_and_its_install_script(tmp_path):
    files = deploy("windows", tmp_path, "reception", "kiosk", "5001", "reception", "--db",
                   r"C:\bayflow\reception.sqlite", "--bayflow", r"C:\bayflow\Scripts\bayflow.exe")
    xml_file, script = files
    service = ElementTree.parse(xml_file).getroot()
    assert service.findtext("id") == "bayflow-reception" and service.findtext("startmode") == "Automatic"
    assert service.findtext("executable") == r"C:\bayflow\Scripts\bayflow.exe"
    arguments = service.findtext("arguments")
    assert arguments.startswith("serve --role kiosk --db C:\\bayflow\\reception.sqlite")
    assert "--station reception" in arguments
    text = script.read_text()
    assert "bayflow-reception.exe\") install" in text and "--kiosk http://127.0.0.1:5001" in text


def test_bad_deploy_options_get_one_line(tmp_path):
    done = subprocess.run([BAYFLOW, "deploy", "systemd", "--name", "Bad Name!", "--role", "hub", "--db", "x",
                           "--out", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 1 and "--name" in done.stderr and "Traceback" not in done.stderr
