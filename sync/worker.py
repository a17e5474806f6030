"""Background sync on a kiosk: soon after each change, on an interval, and a
waiting pull so changes made elsewhere arrive within a second or two.

Two threads, each with its own database connection:
* the pusher runs a full round (hello, push, pull) shortly after a local
  commit (debounced) and at least every ``interval`` seconds;
* the puller keeps one long-poll open to the hub and applies what arrives.
When the hub cannot be reached both back off, and the kiosk works on.
"""
from __future__ import annotations

import logging
import queue
import threading

from kiosk.core import events as page_events
from kiosk.db import connected
from sync import client, state, transport

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3
PULL_WAIT_SECONDS = 20.0
MAX_BACKOFF_SECONDS = 30.0


class SyncWorker:
    def __init__(self, app, interval: float = 30.0):
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> "SyncWorker":
        self._listener = page_events.subscribe(maxsize=1000)
        for target in (self._watch_local_changes, self._push_loop, self._pull_loop):
            thread = threading.Thread(target=target, name=f"sync-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._kick.set()
        page_events.unsubscribe(self._listener)

    def kick(self) -> None:
        self._kick.set()

    def _watch_local_changes(self) -> None:
        while not self._stop.is_set():
            try:
                name, _ = self._listener.get(timeout=1)
            except queue.Empty:
                continue
            if name.endswith("-changed"):  # a local commit; sync-applied is not ours to push
                self._kick.set()

    def _round(self, step) -> bool:
        """Run ``step`` with a connection; True when the hub answered."""
        with self.app.app_context(), connected():
            if not state.get("hub_public_key") and not state.get("hub_url"):
                return False  # not paired yet: nothing to do
            try:
                step()
                return True
            except transport.Offline:
                state.put("online", "0")
            except transport.SyncError as error:
                log.warning("sync refused: %s", error)
            except Exception:  # a bug must not kill the kiosk's background sync
                log.exception("sync round failed")
            page_events.publish("sync-changed")
            return False

    def _push_loop(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            self._kick.wait(timeout=self.interval)
            if self._stop.is_set():
                return
            self._stop.wait(DEBOUNCE_SECONDS)  # let a burst of commits go up together
            self._kick.clear()
            if self._round(client.sync_once):
                backoff = 1.0
                page_events.publish("sync-changed")
            else:
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _pull_loop(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            if self._round(lambda: client.pull(wait=PULL_WAIT_SECONDS)):
                backoff = 1.0
            else:
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
