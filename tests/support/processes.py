"""Processes a test starts (``bayflow serve``, a PostgreSQL server, a writer to kill)
die with the test process, even when pytest itself is killed.

Every one is started through ``popen``: on Linux the child asks the kernel for
SIGKILL when its parent dies (``PR_SET_PDEATHSIG``, set between fork and exec;
it survives ``exec`` of ``faketime`` or ``ip netns exec``), and the ones still
running when pytest exits normally are killed then (``atexit``), with their
process group. ``server_args`` adds what a test server needs unless the test is
about it: one server process (``--workers 1``: the multi-process tests are
tests/system/test_workers.py).
"""
from __future__ import annotations

import atexit
import ctypes
import os
import pwd
import signal
import subprocess
import sys
from pathlib import Path

BAYFLOW = str(Path(sys.executable).parent / "bayflow")  # the installed console script
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
_started: list[subprocess.Popen] = []


def die_with_parent(sig: int = signal.SIGKILL, *, user: str | None = None):
    """A ``preexec_fn``: optionally become ``user`` (root only), then die with the parent.

    The death signal is set after the change of user, which would clear it.
    """
    def preexec() -> None:
        if user is not None and os.geteuid() == 0:
            entry = pwd.getpwnam(user)
            os.setgid(entry.pw_gid)
            os.initgroups(user, entry.pw_gid)
            os.setuid(entry.pw_uid)
        if _libc is not None:
            _libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
    return preexec


def popen(args, *, death_signal: int = signal.SIGKILL, user: str | None = None, **kwargs) -> subprocess.Popen:
    """``subprocess.Popen`` whose process dies with this one (see the module's doc)."""
    kwargs.setdefault("start_new_session", True)  # its own process group: stopped with its children
    process = subprocess.Popen(args, preexec_fn=die_with_parent(death_signal, user=user), **kwargs)
    _started.append(process)
    return process


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Signal the process (and its group), wait for it; kill it if it does not end in ``timeout``."""
    if process.poll() is None:
        _signal_group(process, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=timeout)
    if process in _started:
        _started.remove(process)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            process.send_signal(sig)
        except ProcessLookupError:
            pass


def server_args(args: list[str]) -> list[str]:
    """``bayflow serve`` arguments for a test: one server process unless the test says how many."""
    return args if "--workers" in args else [*args, "--workers", "1"]


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_started):
        if process.poll() is None:
            _signal_group(process, signal.SIGKILL)
