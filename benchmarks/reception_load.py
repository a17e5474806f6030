"""Reception under load: a store-year of data, 10 concurrent clients, p50/p95 per page,
beside its anchor, the minimal Flask page, in the same run.

Fills a store with about 30,000 work orders (customers, vehicles, job lines,
change events — all made through the services, as at the desk), and in each
round loads, one after the other with the same 10 closed-loop clients: the
minimal Flask page under the same server (benchmarks/minimal_flask.py, the
anchor), a real `bayflow serve --workers 1`, and `bayflow serve` as shipped
(one process per core). Prints each round's table and, at the end, the median
over the rounds of each page's p95 and its ratio to the anchor's p95. Goals:
p95 under 50 ms as shipped and at most 5× the minimal Flask page.

    python benchmarks/reception_load.py [--orders 30000] [--seconds 10] [--rounds 3]
        [--page NAME=PATH ...]   (another page to load, {n} is a work-order number)

A new page joins the benchmark by a line in PAGES (or --page). Not a test:
figures depend on the machine. The filled store is cached in benchmarks/out/
(benchmarks/store.py) so a second run starts measuring at once.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.store import OUT, as_installed, copy_of, numbers_of, store_year  # noqa: E402

BAYFLOW = str(Path(sys.executable).parent / "bayflow")  # the installed console script
BADGE, PIN = "BENCH-ADV", "1357"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
MODELS = ["大众 帕萨特", "丰田 凯美瑞", "本田 雅阁", "日产 天籁", "别克 君威", "奥迪 A4L"]
JOBS = [("保养", "0.5", "180"), ("更换刹车片", "1.0", "260"), ("四轮定位", "0.8", "200"),
        ("空调检修", "1.5", "350"), ("更换蓄电池", "0.3", "90")]


def fill(path: Path, orders: int) -> list[str]:
    """Make the store through the services; return the work-order numbers."""
    from kiosk.app import create_app
    from kiosk.db import connected, transaction
    from kiosk.core import times
    from kiosk.services import customers, staff, workorders

    rng = random.Random(7)
    app = create_app({"DATABASE": str(path), "SECRET_KEY": "bench", "NODE_PREFIX": "B1"})
    numbers = []
    with app.app_context(), connected():
        advisor = staff.create_staff("压测顾问", BADGE, ["advisor"], PIN)
        day = times.today() - dt.timedelta(days=365)
        per_day = max(1, orders // 365)
        for start in range(0, orders, 500):  # one transaction per 500 orders keeps fsyncs few
            with transaction():
                for i in range(start, min(start + 500, orders)):
                    name = rng.choice(SURNAMES) + rng.choice(SURNAMES) + "先生"
                    customer = customers.create_customer(name, f"139{i:08d}")
                    vehicle = customers.create_vehicle(customer, f"京B{i:05d}", model=rng.choice(MODELS),
                                                       mileage=rng.randint(1000, 150000))
                    jobs = [dict(zip(("description", "sold_hours", "price"), rng.choice(JOBS)))
                            for _ in range(rng.randint(1, 3))]
                    order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="定期保养",
                                                       jobs=jobs)
                    order_day = day + dt.timedelta(days=i // per_day)
                    if order_day < times.today():
                        workorders.move(order, "closed", advisor)
                    numbers.append(order.number)
            print(f"  filled {min(start + 500, orders)} / {orders}", end="\r", flush=True)
        print()
    return numbers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(port: int) -> str:
    """Log in like a person: badge, then PIN, with the form's CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login")
    response = conn.getresponse()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode()).group(1)
    body = urllib.parse.urlencode({"badge": BADGE, "pin": PIN, "csrf_token": token})
    conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    cookie = response.getheader("Set-Cookie").split(";")[0]
    # As a browser does: follow the redirect and keep the cookie it answers with (the
    # welcome message shown once is gone from it). A client that kept the login's cookie
    # showed the welcome again on every page and had the session re-signed each time.
    landing = urllib.parse.urlsplit(response.getheader("Location")).path or "/"
    conn.request("GET", landing, headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    renewed = response.getheader("Set-Cookie")
    return renewed.split(";")[0] if renewed else cookie


def api_token(db: Path) -> str:
    return subprocess.run([BAYFLOW, "token", "--db", str(db)], check=True,
                          capture_output=True, text=True).stdout.strip()


# The pages loaded, each (name, path, how it is asked for). {n}: a random work-order
# number. "session": the logged-in advisor's cookie; "token": the API token; "htmx": a fragment.
PAGES = [
    ("reception desk", "/reception/", "session"),
    ("search by plate", "/reception/?q=" + urllib.parse.quote("京B0123"), "session htmx"),
    ("work-order page", "/reception/work-orders/{n}", "session"),
    ("API work order", "/api/v1/work-orders/{n}", "token"),
    ("API health", "/api/v1/health", "token"),
]
ANCHOR = "minimal Flask page"


def measure(port: int, targets: list[tuple[str, str, dict]], seconds: float, clients: int,
            numbers: list[str]) -> tuple[dict, float]:
    """``clients`` closed-loop clients for ``seconds``: each request's milliseconds, by page; requests/s."""
    results: dict[str, list[float]] = {name: [] for name, _, _ in targets}
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def client(seed: int):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            name, path, headers = rng.choice(targets)
            path = path.replace("{n}", rng.choice(numbers)) if numbers else path
            began = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            results[name].append((time.perf_counter() - began) * 1000)
            if response.status != 200:
                errors.append(f"{path}: {response.status}")

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    if errors:
        print(f"  {len(errors)} errors, e.g. {errors[:3]}")
    return results, sum(map(len, results.values())) / elapsed


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]


def started(args: list[str]) -> tuple[subprocess.Popen, int]:
    """A server process, once it says it serves (every process of it is ready then)."""
    server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not found:
        server.kill()
        raise SystemExit(f"{args[0]} did not start: {line!r}")
    return server, int(found.group(1))


def stopped(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def load_anchor(args) -> dict[str, list[float]]:
    """The minimal Flask page under the same server and the same clients."""
    server, port = started([sys.executable, str(Path(__file__).with_name("minimal_flask.py")), str(free_port())])
    try:
        results, rate = measure(port, [(ANCHOR, "/", {})], args.seconds, args.clients, [])
    finally:
        stopped(server)
    print(f"  {ANCHOR}: p50 {statistics.median(results[ANCHOR]):.1f} ms, p95 {p95(results[ANCHOR]):.1f} ms,"
          f" {rate:.0f} requests/s")
    return results


def load_bayflow(store: Path, serve_options: list[str], pages: list, numbers: list[str], args) -> dict:
    """A fresh copy of the store served with ``serve_options``, loaded; each page's times."""
    db = copy_of(store, OUT / "bench-run.sqlite")
    token = api_token(db)
    server, port = started([BAYFLOW, "serve", "--db", str(db), "--port", str(free_port()), *serve_options])
    try:
        cookie = session_cookie(port)
        asked = {"session": {"Cookie": cookie}, "token": {"Authorization": f"Bearer {token}"},
                 "htmx": {"HX-Request": "true"}}
        targets = [(name, path, {k: v for word in how.split() for k, v in asked[word].items()})
                   for name, path, how in pages]
        results, rate = measure(port, targets, args.seconds, args.clients, numbers)
    finally:
        stopped(server)
    print(f"  bayflow {' '.join(serve_options) or '(as shipped)'}: {rate:.0f} requests/s; p95 "
          + ", ".join(f"{name} {p95(times):.1f}" for name, times in results.items() if times))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=30000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--page", action="append", default=[], metavar="NAME=PATH",
                        help="another page to load with the advisor's session ({n}: a work-order number)")
    args = parser.parse_args()
    pages = PAGES + [(*page.split("=", 1), "session") for page in args.page]

    as_installed()  # bytecode compiled, as pip installs it (benchmarks/store.py)
    store = store_year(args.orders, fill)
    numbers = numbers_of(store)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"{len(numbers)} work orders, {args.clients} concurrent clients, {args.seconds:.0f} s each, "
          f"{args.rounds} rounds; {load}")
    # Interleaved: the machine's speed drifts from minute to minute, so each figure
    # is read against the anchor measured beside it, round after round.
    setups = {"as shipped": [], "one process": ["--workers", "1"]}
    rounds: list[dict[str, dict[str, float]]] = []
    for number in range(1, args.rounds + 1):
        print(f"round {number}")
        figures = {ANCHOR: p95(load_anchor(args)[ANCHOR])}
        for label, options in setups.items():
            for name, times in load_bayflow(store, options, pages, numbers, args).items():
                if times:
                    figures[f"{name} ({label})"] = p95(times)
        rounds.append(figures)
    print(f"\nmedian of {args.rounds} rounds; {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}\n")
    print("| request | p95 ms, as shipped | × minimal Flask | p95 ms, one process | × minimal Flask |")
    print("|---|---|---|---|---|")
    anchor = statistics.median(r[ANCHOR] for r in rounds)
    for name, _, _ in pages:
        cells = []
        for label in setups:
            key = f"{name} ({label})"
            values = [r[key] for r in rounds if key in r]
            ratios = [r[key] / r[ANCHOR] for r in rounds if key in r]
            cells += [f"{statistics.median(values):.1f}", f"{statistics.median(ratios):.1f}×"] if values else ["-", "-"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"| {ANCHOR} (anchor) | {anchor:.1f} | 1.0× | | |")


if __name__ == "__main__":
    main()
