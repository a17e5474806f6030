"""In-process broadcast of "something changed" to the pages listening on /events.

Writes note which tables they touched; when the outermost transaction commits,
one event per table goes to every listener (``work_order`` → ``work_order-changed``).
Nothing here knows Flask, so sync and scanning can publish too.
"""
from __future__ import annotations

import queue
import threading

_local = threading.local()
_listeners: set[queue.Queue] = set()
_lock = threading.Lock()


def note(entity: str) -> None:
    """Remember that the current transaction touched ``entity``."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = set()
    pending.add(entity)


def discard_pending() -> None:
    _local.pending = set()


def flush_pending() -> None:
    """Called after a commit: announce what the transaction changed."""
    pending, _local.pending = getattr(_local, "pending", set()), set()
    for entity in sorted(pending):
        publish(f"{entity.replace('_', '')}-changed")


def publish(name: str, data: str = "") -> None:
    with _lock:
        listeners = list(_listeners)
    for q in listeners:
        try:
            q.put_nowait((name, data))
        except queue.Full:
            pass  # a stalled page misses a nudge; it refreshes on the next one


def subscribe(maxsize: int = 100) -> queue.Queue:
    q: queue.Queue = queue.Queue(maxsize=maxsize)
    with _lock:
        _listeners.add(q)
    return q


def unsubscribe(q: queue.Queue) -> None:
    with _lock:
        _listeners.discard(q)
