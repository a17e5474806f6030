"""Reception under load: a store-year of data, 10 concurrent clients, p50/p95 per page.

Fills a store with about 30,000 work orders (customers, vehicles, job lines,
change events — all made through the services, as at the desk), starts a real
`bayflow serve` on loopback, and has 10 client threads hit the reception pages
and the work-order API: first with one server process (the baseline), then as
shipped (one process per core). Prints a table for each and the ratio of their
p95s; the goal is p95 under 50 ms as shipped.

    python benchmarks/reception_load.py [--orders 30000] [--seconds 20]

Not a test: figures depend on the machine. The filled store is cached in
benchmarks/out/ so a second run starts measuring at once.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
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
    return response.getheader("Set-Cookie").split(";")[0]


def api_token(db: Path) -> str:
    return subprocess.run([BAYFLOW, "token", "--db", str(db)], check=True,
                          capture_output=True, text=True).stdout.strip()


def measure(port: int, targets: list[tuple[str, str, dict]], seconds: float, clients: int) -> dict:
    results: dict[str, list[float]] = {name: [] for name, _, _ in targets}
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def client(seed: int):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            name, path, headers = rng.choice(targets)
            path = path.replace("{n}", rng.choice(NUMBERS))
            began = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            results[name].append((time.perf_counter() - began) * 1000)
            process = response.getheader("X-Bayflow-Process", "0")
            ANSWERED_BY[process] = ANSWERED_BY.get(process, 0) + 1
            if response.status != 200:
                errors.append(f"{path}: {response.status}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"  {len(errors)} errors, e.g. {errors[:3]}")
    return results


NUMBERS: list[str] = []
ANSWERED_BY: dict[str, int] = {}  # server process → requests it answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=30000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()

    OUT.mkdir(exist_ok=True)
    cached = OUT / f"store-{args.orders}.sqlite"
    numbers_file = cached.with_suffix(".numbers")
    if not cached.exists():
        print(f"filling a store with {args.orders} work orders …")
        began = time.monotonic()
        numbers = fill(cached.with_suffix(".tmp"), args.orders)
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(cached.with_suffix(".tmp")) + suffix)
            if src.exists():
                shutil.move(src, str(cached) + suffix)
        numbers_file.write_text("\n".join(numbers))
        print(f"filled in {time.monotonic() - began:.0f} s")
    NUMBERS.extend(numbers_file.read_text().split())
    # The baseline in the same run: the same server with one process (the
    # machine's speed drifts from minute to minute, so only a ratio measured
    # side by side says what the extra processes bring).
    p95s = {}
    for label, workers in (("one server process (--workers 1)", ["--workers", "1"]),
                           ("as shipped (one process per core)", [])):
        print(f"\n## {label}")
        p95s[label] = run_once(cached, workers, args)
    baseline, shipped = p95s.values()
    print("\np95 as shipped / one process: "
          + ", ".join(f"{name} {shipped[name] / baseline[name]:.2f}" for name in shipped))


def run_once(cached: Path, serve_options: list[str], args) -> dict[str, float]:
    """Serve a fresh copy of the store, load it, print the table; the p95 of each request."""
    ANSWERED_BY.clear()
    db = OUT / "bench-run.sqlite"
    shutil.copy(cached, db)
    port = free_port()
    token = api_token(db)
    with subprocess.Popen([BAYFLOW, "serve", "--db", str(db), "--port", str(port), *serve_options],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as server:
        try:
            server.stdout.readline()  # "serving on …": every process is ready
            cookie = {"Cookie": session_cookie(port)}
            targets = [
                ("reception desk", "/reception/", cookie),
                ("search by plate", "/reception/?q=" + urllib.parse.quote("京B0123"),
                 {**cookie, "HX-Request": "true"}),
                ("work-order page", "/reception/work-orders/{n}", cookie),
                ("API work order", "/api/v1/work-orders/{n}", {"Authorization": f"Bearer {token}"}),
                ("API health", "/api/v1/health", {"Authorization": f"Bearer {token}"}),
            ]
            began = time.monotonic()
            results = measure(port, targets, args.seconds, args.clients)
            elapsed = time.monotonic() - began
            shares = dict(ANSWERED_BY)
            # The same requests one at a time: what each costs without waiting behind the others.
            alone = measure(port, targets, min(args.seconds, 5), 1)
        finally:
            server.terminate()
            server.wait(timeout=10)
    total = sum(len(times) for times in results.values())
    print(f"\n{len(NUMBERS)} work orders, {args.clients} concurrent clients, {args.seconds:.0f} s: "
          f"{total / elapsed:.0f} requests/s; answered by server process: "
          + ", ".join(f"{p}: {n}" for p, n in sorted(shares.items())) + "\n")
    print(f"| {'request':<18} | {'count':>6} | {'p50 ms':>7} | {'p95 ms':>7} | {'1 client p50':>12} |")
    print(f"|{'-' * 20}|{'-' * 8}|{'-' * 9}|{'-' * 9}|{'-' * 14}|")
    p95s = {}
    for name, times in results.items():
        if times:
            p95 = p95s[name] = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
            single = f"{statistics.median(alone[name]):.1f}" if alone.get(name) else "-"
            print(f"| {name:<18} | {len(times):>6} | {statistics.median(times):>7.1f} | {p95:>7.1f} | {single:>12} |")
    return p95s

if __name__ == "__main__":
    main()
