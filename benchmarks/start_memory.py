"""Start and memory of one kiosk, beside the minimal Flask page, in the same run.

Each round starts, one after the other: the minimal Flask page under the same
server (benchmarks/minimal_flask.py, the anchor), `bayflow serve` as shipped
(one process per core) and `bayflow serve --workers 1`, each on a copy of the
cached store-year (benchmarks/store.py). For each it prints

* the seconds from the command until the first page answers (GET /login, 200; the anchor's /),
* the memory of all its processes (the server, its workers, multiprocessing's
  resource tracker) when idle and after 200 pages: the sum of their resident
  sizes (RSS, counting the pages they share once per process) and of their
  proportional sizes (PSS, from /proc/PID/smaps_rollup: shared pages split
  between the processes sharing them, so the sum is what the kiosk costs the PC).

    python benchmarks/start_memory.py [--rounds 3] [--orders 30000]

Goals: the first page within 1.5 s as shipped; all processes of one kiosk under
150 MB as shipped. Not a test: figures depend on the machine. Linux only (/proc).
"""
from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.reception_load import BAYFLOW, fill, free_port, session_cookie, stopped  # noqa: E402
from benchmarks.store import OUT, as_installed, copy_of, numbers_of, store_year  # noqa: E402

ANCHOR = "minimal Flask page"


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo += [int(child) for child in children]
    return found


def memory_mb(pid: int) -> tuple[float, float, int]:
    """(sum of RSS, sum of PSS) in MB over ``pid``'s process tree, and how many processes."""
    rss = pss = 0
    pids = tree(pid)
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, pss / 1024, len(pids)


def first_page(command: list[str], port: int, path: str) -> tuple[subprocess.Popen, float]:
    """Start ``command``; the seconds until GET ``path`` answers 200 on ``port``."""
    began = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if server.poll() is not None:
            raise SystemExit(f"{command[:2]} ended with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return server, time.perf_counter() - began
        except OSError:
            time.sleep(0.005)
        finally:
            conn.close()


def pages(port: int, count: int, numbers: list[str], anchor: bool) -> None:
    """``count`` pages, spread over several connections as the desks would (both processes serve)."""
    cookie = {} if anchor else {"Cookie": session_cookie(port)}
    paths = ["/"] if anchor else ["/reception/", "/reception/work-orders/{n}", "/reception/?q=京B01",
                                  "/parts/", "/bay/", "/settings/printers"]
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(4)]
    for i in range(count):
        path = paths[i % len(paths)].replace("{n}", numbers[i * 97 % len(numbers)])
        conn = conns[i % len(conns)]
        conn.request("GET", quote(path, safe="/?=&"), headers=cookie)
        conn.getresponse().read()
    for conn in conns:
        conn.close()


def measure(label: str, command: list[str], port: int, numbers: list[str], anchor: bool = False) -> dict:
    server, seconds = first_page(command, port, "/" if anchor else "/login")
    try:
        time.sleep(2)  # the processes settle (a worker's own start, the first sync round)
        idle = memory_mb(server.pid)
        pages(port, 200, numbers, anchor)
        time.sleep(0.5)
        busy = memory_mb(server.pid)
    finally:
        stopped(server)
    print(f"  {label}: first page {seconds:.2f} s; {idle[2]} processes; idle RSS {idle[0]:.0f} MB, PSS {idle[1]:.0f} MB;"
          f" after 200 pages RSS {busy[0]:.0f} MB, PSS {busy[1]:.0f} MB", flush=True)
    return {"start": seconds, "idle rss": idle[0], "idle pss": idle[1], "busy rss": busy[0], "busy pss": busy[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--orders", type=int, default=30000)
    args = parser.parse_args()
    as_installed()  # bytecode compiled, as pip installs it (benchmarks/store.py)
    store = store_year(args.orders, fill)
    numbers = numbers_of(store)
    print(f"{subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    rounds = []
    for number in range(1, args.rounds + 1):
        print(f"round {number}")
        figures = {}
        port = free_port()
        figures[ANCHOR] = measure(ANCHOR, [sys.executable, str(Path(__file__).with_name("minimal_flask.py")),
                                           str(port)], port, numbers, anchor=True)
        for label, options in (("as shipped", []), ("one process", ["--workers", "1"])):
            db = copy_of(store, OUT / "start-run.sqlite")
            port = free_port()
            figures[label] = measure(f"bayflow {label}", [BAYFLOW, "serve", "--db", str(db), "--port", str(port),
                                                          *options], port, numbers)
        rounds.append(figures)
    print(f"\nmedian of {args.rounds} rounds; {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}\n")
    print("| | first page, s | × minimal Flask | idle RSS MB | idle PSS MB | after 200 pages RSS MB | PSS MB |")
    print("|---|---|---|---|---|---|---|")
    for label in ("as shipped", "one process", ANCHOR):
        med = {key: statistics.median(r[label][key] for r in rounds) for key in rounds[0][label]}
        ratio = statistics.median(r[label]["start"] / r[ANCHOR]["start"] for r in rounds)
        print(f"| {label} | {med['start']:.2f} | {ratio:.1f}× | {med['idle rss']:.0f} | {med['idle pss']:.0f} |"
              f" {med['busy rss']:.0f} | {med['busy pss']:.0f} |")


if __name__ == "__main__":
    main()
