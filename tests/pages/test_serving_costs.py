"""What keeps a serving node cheap (#20): compiled templates kept on disk and shared by
the server's processes, and server threads woken last-in-first-out so idle ones never
open a database connection of their own. The figures: benchmarks/ and the README."""
from __future__ import annotations

import threading
import time

from kiosk.app import create_app
from kiosk.server import _LastInFirstOut, make_server, warm_templates
from kiosk.templating import TemplateCache


def test_compiled_templates_are_cached_in_the_instance_folder_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("BAYFLOW_INSTANCE", str(tmp_path / "instance"))
    settings = {"TESTING": True, "SECRET_KEY": "t", "DATABASE": str(tmp_path / "node.sqlite")}
    first = create_app(settings)
    assert isinstance(first.jinja_env.bytecode_cache, TemplateCache)
    warm_templates(first)
    cached = sorted((tmp_path / "instance" / "cache" / "templates").glob("*.jinja"))
    assert len(cached) >= len(first.jinja_env.list_templates()) - 5  # a few non-templates may not compile
    # A second process (here: a second app) loads them instead of compiling: Jinja's
    # compiler is never asked.
    second = create_app(settings)
    compiled = []
    monkeypatch.setattr(second.jinja_env, "compile", lambda *a, **k: compiled.append(a) or None)
    with second.test_request_context():
        assert second.jinja_env.get_template("base.html") is not None
    assert compiled == []


def test_the_thread_that_went_idle_last_is_woken_first():
    condition = _LastInFirstOut(threading.Lock())
    woken: list[int] = []
    waiting = threading.Semaphore(0)

    def idle(number: int) -> None:
        with condition:
            waiting.release()
            condition.wait()
            woken.append(number)

    threads = []
    for number in range(3):  # 0 goes idle first, 2 last
        thread = threading.Thread(target=idle, args=(number,))
        thread.start()
        waiting.acquire()
        with condition:  # its wait() has released the lock: it is on the list
            pass
        threads.append(thread)
    for expected in ([2], [2, 1], [2, 1, 0]):
        with condition:
            condition.notify()
        deadline = time.monotonic() + 10
        while len(woken) < len(expected) and time.monotonic() < deadline:
            time.sleep(0.001)
        assert woken == expected
    for thread in threads:
        thread.join()


def test_the_server_wakes_its_threads_last_in_first_out(app):
    threads_before = app.config.get("SERVER_THREADS")
    server = make_server(app, "127.0.0.1", 0, threads=4)
    try:
        assert isinstance(server.task_dispatcher.queue_cv, _LastInFirstOut)
        assert server.task_dispatcher.queue_cv._lock is server.task_dispatcher.lock
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        app.config["SERVER_THREADS"] = threads_before
