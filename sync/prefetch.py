"""Answers fetched one ahead on a thread of their own, so the hub serving the next
batch and this node applying the last one overlap (a first sync, a long pull)."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from sync import transport, wire


class Prefetch:
    """Fetch ``fetch(request)`` on a thread (with its own connection to the hub, proven
    by a hello like any other), then ``fetch(follow(answer))`` and so on until
    ``follow`` gives None. One answer waits at most: memory stays bounded."""

    def __init__(self, request, fetch: Callable[[object], dict], follow: Callable[[dict], object]):
        self._answers: queue.Queue = queue.Queue(maxsize=1)
        self._stopped = threading.Event()
        self._fetch, self._follow = fetch, follow
        self._thread = threading.Thread(target=self._run, args=(request,), name="sync-pull-ahead", daemon=True)
        self._thread.start()

    def _run(self, request) -> None:
        try:
            while not self._stopped.is_set() and request is not None:
                try:
                    answer = self._fetch(request)
                    request = self._follow(answer)
                except BaseException as error:  # handed to the applying thread, raised there
                    self._hand_over(error)
                    return
                if not self._hand_over(answer):
                    return
        finally:
            wire.drop()  # this thread's own connection to the hub

    def _hand_over(self, item) -> bool:
        while not self._stopped.is_set():
            try:
                self._answers.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def next(self) -> dict:
        """The next answer (or the error fetching it raised)."""
        while True:
            try:
                item = self._answers.get(timeout=1.0)
                break
            except queue.Empty:
                if not self._thread.is_alive() and self._answers.empty():
                    raise transport.SyncError("the pull stopped without an answer")
        if isinstance(item, BaseException):
            raise item
        return item

    def stop(self) -> None:
        self._stopped.set()
