"""The group hub's year for benchmarks/figures_bench.py: built once, bulk-loaded, kept.

Each store's year (kiosk.demo.figures_year) is built in memory and written straight into
the tables, no change log (it measures the figures' queries, not sync): PostgreSQL by
``COPY … FROM STDIN`` (one stream a table), SQLite by ``executemany`` in one transaction
with the journal and syncs off. The filled PostgreSQL cluster and the SQLite file are kept
in a cache folder named by the size, so a second run starts the cluster on the kept data
and only migrates it (a new migration step runs on the old fill) instead of filling again.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import pwd
import random
import shutil
import time
from pathlib import Path

from kiosk.app import create_app
from kiosk.core import times
from kiosk.db import bind, connected, database
from kiosk.demo import make_vin
from kiosk.demo.figures_year import MODELS_IN_ORDER, year
from kiosk.models import Part, Staff, WorkOrder

COPY_ROWS = 50000  # rows a COPY stream (or an executemany) carries


def _staff(store: int, technicians: int) -> tuple[dict, list]:
    """A store's people (bulk: no change log)."""
    made = {"advisors": [], "technicians": []}
    rows = []
    for kind, count in (("advisors", 4), ("technicians", technicians)):
        for n in range(count):
            person = Staff(name=f"{kind[:3]}{store}-{n}", badge=f"S{store:02d}-{kind[:3].upper()}-{n}",
                           roles="advisor" if kind == "advisors" else "technician")
            made[kind].append(person)
            rows.append(person)
    made["clerk"] = Staff(name=f"clerk{store}", badge=f"S{store:02d}-PRT", roles="parts_clerk")
    made["qc"] = Staff(name=f"qc{store}", badge=f"S{store:02d}-QC", roles="qc")
    rows += [made["clerk"], made["qc"]]
    return made, rows


def _values(model, rows) -> tuple[list[str], list[tuple]]:
    """Each row's columns as the database stores them (the fields' own conversion)."""
    fields = model._meta.sorted_fields  # a model's defaults are in __data__ since it was made
    return ([f.column_name for f in fields],
            [tuple(f.db_value(row.__data__.get(f.name)) for f in fields) for row in rows])


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy(model, rows) -> None:
    columns, values = _values(model, rows)
    cursor = database.connection().cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    for start in range(0, len(values), COPY_ROWS):
        stream = io.StringIO("".join("\t".join(_text(v) for v in row) + "\n"
                                     for row in values[start:start + COPY_ROWS]))
        cursor.copy_expert(f'COPY "{model._meta.table_name}" ({names}) FROM STDIN', stream)


def _executemany(model, rows) -> None:
    columns, values = _values(model, rows)
    sql = (f'INSERT INTO "{model._meta.table_name}" ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
           f'VALUES ({", ".join("?" for _ in columns)})')
    cursor = database.connection().cursor()
    for start in range(0, len(values), COPY_ROWS):
        cursor.executemany(sql, values[start:start + COPY_ROWS])


def _load(target: str, rows_by_model: dict) -> int:
    """Every row into ``target``, parents first, in one transaction."""
    bind(target)
    total = 0
    with connected():
        postgres = target.startswith("postgres")
        if not postgres:
            database.execute_sql("PRAGMA synchronous=OFF")
        with database.atomic():
            for model in (Staff, Part, *MODELS_IN_ORDER):
                rows = rows_by_model.get(model, [])
                if rows:
                    (_copy if postgres else _executemany)(model, rows)
                    total += len(rows)
    return total


def fill(targets: list[str], stores: int, days: int, per_day: float) -> dict:
    """The same rows into every database in ``targets``; answers the stores' prefixes."""
    prefixes = {}
    last = times.today() - dt.timedelta(days=1)
    for store in range(stores):
        prefix = f"S{store:02d}"
        prefixes[f"门店{store + 1:02d}"] = [prefix]
        people, staff_rows = _staff(store, max(3, round(per_day / 5)))
        part = Part(part_no=f"P{store:02d}-0001", name="机油滤清器", cost=30, price=68, bin="A-01")
        rows = year(random.Random(store), last=last, days=days, per_day=per_day, prefix=prefix,
                    advisors=people["advisors"], technicians=people["technicians"], clerk=people["clerk"],
                    qc=people["qc"], part=part, plate=lambda r, p=prefix: f"沪{p[1:]}{r.randint(0, 10**6):06d}",
                    vin=lambda r, wmi: make_vin(r, wmi, "N"))
        rows[Staff], rows[Part] = staff_rows, [part]
        counted = 0
        for target in targets:
            counted = _load(target, rows)
        print(f"  store {prefix}: {len(rows[WorkOrder])} orders, {counted} rows", flush=True)
    return prefixes


def _migrate(target: str, folder: Path) -> None:
    """Bring ``target`` to this build's schema as a hub (the app factory migrates)."""
    create_app({"DATABASE": target, "ROLE": "hub", "SECRET_KEY": "bench", "WEB_PAGES": False,
                "BLOB_FOLDER": str(folder / "blobs")})
    database.close()


def filled_hub(cache: Path, stores: int, days: int, per_day: float):
    """A started PostgreSQL server, its filled database's URL, the filled SQLite file and the
    stores' prefixes, from ``cache`` (filled there on the first run of this size)."""
    from tests.support.pg import PostgresServer, find_bindir  # the tests' server, as the tests start it

    folder = cache / f"{stores}x{days}x{per_day:g}"
    done = folder / "filled.json"
    if not done.exists() and folder.exists():
        shutil.rmtree(folder)  # a fill that did not finish
    (folder / "pg").mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # PostgreSQL runs as its own user: it owns its folder
        owner = pwd.getpwnam("postgres")
        os.chown(folder / "pg", owner.pw_uid, owner.pw_gid)
    server = PostgresServer(find_bindir(), folder / "pg").start()
    sqlite = str(folder / "hub.sqlite")
    if done.exists():
        pg = server.url("figures_bench")
        print(f"the filled hub from {folder} (kept from an earlier run)")
    else:
        pg = server.create_database("figures_bench")
    for target in (pg, sqlite):
        _migrate(target, folder)
    if not done.exists():
        print(f"filling {stores} stores × {days} days, ~{per_day:g} orders a day, into PostgreSQL and SQLite")
        start = time.perf_counter()
        prefixes = fill([pg, sqlite], stores, days, per_day)
        took = time.perf_counter() - start
        bind(pg)
        with connected():
            database.execute_sql("VACUUM ANALYZE")
        bind(sqlite)
        with connected():
            database.execute_sql("ANALYZE")
        done.write_text(json.dumps({"stores": prefixes, "fill_seconds": round(took), "day": times.today().isoformat()}))
        print(f"filled in {took:.0f} s; kept in {folder}")
    kept = json.loads(done.read_text())
    return server, pg, sqlite, {name: tuple(p) for name, p in kept["stores"].items()}, kept
