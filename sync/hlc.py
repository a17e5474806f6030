"""Hybrid logical clock: wall time plus a counter, so causally later events sort later
even when two kiosks' clocks disagree.

A timestamp is written as ``"<13-digit ms>.<5-digit counter>.<node>"`` so that
plain string comparison orders them, in SQL as well as in Python.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Timestamp:
    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}.{self.counter:05d}.{self.node}"

    @classmethod
    def parse(cls, text: str) -> "Timestamp":
        wall, counter, node = text.split(".", 2)
        return cls(int(wall), int(counter), node)


class HybridClock:
    """One node's clock. ``now()`` for a local event, ``observe()`` for a received one."""

    def __init__(self, node: str, wall=lambda: int(time.time() * 1000), last: str | None = None):
        self.node = node
        self._wall = wall
        self._lock = threading.Lock()
        self._last = Timestamp.parse(last) if last else Timestamp(0, 0, node)

    def now(self) -> Timestamp:
        with self._lock:
            wall = self._wall()
            if wall > self._last.wall_ms:
                self._last = Timestamp(wall, 0, self.node)
            else:
                self._last = Timestamp(self._last.wall_ms, self._last.counter + 1, self.node)
            return self._last

    def observe(self, remote: Timestamp | str) -> Timestamp:
        """Move past a timestamp seen from another node."""
        if isinstance(remote, str):
            remote = Timestamp.parse(remote)
        with self._lock:
            wall = self._wall()
            top = max(wall, self._last.wall_ms, remote.wall_ms)
            if top == self._last.wall_ms == remote.wall_ms:
                counter = max(self._last.counter, remote.counter) + 1
            elif top == self._last.wall_ms:
                counter = self._last.counter + 1
            elif top == remote.wall_ms:
                counter = remote.counter + 1
            else:
                counter = 0
            self._last = Timestamp(top, counter, self.node)
            return self._last

    def catch_up(self, stamp: Timestamp | str) -> None:
        """Never run behind ``stamp``: the newest in this node's log, which another
        process of the same server may have written (``now()`` then goes past it)."""
        if isinstance(stamp, str):
            stamp = Timestamp.parse(stamp)
        with self._lock:
            if (stamp.wall_ms, stamp.counter) > (self._last.wall_ms, self._last.counter):
                self._last = Timestamp(stamp.wall_ms, stamp.counter, self.node)

    def skew_ms(self) -> int:
        """How far the logical clock runs ahead of this machine's wall clock."""
        return max(0, self._last.wall_ms - self._wall())
