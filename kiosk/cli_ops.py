"""The ``bayflow`` commands for running a store: backup, restore, doctor, deploy.

Registered on the ``bayflow`` group by ``kiosk.cli``. Like every command, a
person's mistake ends with one line on stderr and a non-zero exit.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from kiosk.cli import _one_line, _sqlite_path, main


def _blob_folder(target: str | None) -> Path | None:
    """Where the node keeps photos and signatures (beside its database, as ``bayflow serve`` does)."""
    path = _sqlite_path(target) if target else None
    if path is None:
        return None
    return path.with_name(path.stem + "-blobs")


def _database(target: str | None) -> str:
    if target:
        return target
    import os

    from flask import Flask

    # The instance folder's database, where ``bayflow serve`` without --db keeps it.
    instance = os.environ.get("BAYFLOW_INSTANCE") or Flask("kiosk").instance_path
    return str(Path(instance) / "bayflow.sqlite")


@main.command("backup")
@click.option("--db", "target", metavar="PATH",
              help="The node's SQLite file or postgresql:// URL (default: the instance folder's database).")
@click.option("--out", "out", required=True, metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="The backup file to write (its manifest goes to FILE.json).")
def backup_command(target, out):
    """Back a node's database up while it keeps serving, verified, with a manifest beside it."""
    from kiosk.services import backup as backups

    target = _database(target)
    if not backups.is_postgresql_url(target) and not _sqlite_path(target).is_file():
        raise click.ClickException(f"--db {target}: no such database")
    if out.exists() and out.is_dir():
        raise click.ClickException(f"--out {out}: is a folder; give a file name")
    blobs = _blob_folder(target)
    try:
        manifest = backups.backup(target, out, blob_folder=blobs,
                                  blobs_to=out.with_name(out.stem + "-blobs") if blobs else None)
    except backups.BackupError as exc:
        raise click.ClickException(_one_line(exc))
    click.echo(f"backup {out}: {manifest['bytes']:,} bytes, verified ({manifest['integrity']}), "
               f"{manifest['role']} {manifest['prefix']}, change log up to {manifest['seq']} "
               f"({len(manifest['origins'])} nodes), manifest {backups.manifest_path(out)}")


@main.command("restore")
@click.option("--db", "target", metavar="PATH", required=True,
              help="The node's SQLite file (replaced; the old one is kept beside it) or postgresql:// URL.")
@click.option("--from", "source", required=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path), help="A file made by bayflow backup.")
def restore_command(target, source):
    """Put a backup back as a node's database (stop the node first)."""
    from kiosk.services import backup as backups

    if not backups.is_postgresql_url(target):
        path = _sqlite_path(target)
        if path.is_dir() or not path.parent.is_dir():
            raise click.ClickException(f"--db {target}: give a database file in an existing folder")
        target = str(path.resolve())
    try:
        done = backups.restore(target, source, blob_folder=_blob_folder(target))
    except backups.BackupError as exc:
        raise click.ClickException(_one_line(exc))
    click.echo(f"restored {done['role']} {done['prefix']} from {source} (made {done['made_at'] or 'unknown'}, "
               f"change log up to {done['seq']})")
    if done["aside"]:
        click.echo(f"the database it replaced is kept as {done['aside']}")
    if done["role"] == "hub":
        click.echo("start the hub: each kiosk's next sync sends again what the backup lacks")
    else:
        click.echo("if the hub holds newer work of this kiosk, sync refuses it: pair it again "
                   "(bayflow pairing-code on the hub, then bayflow pair); nothing is lost")


def _json_out(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@main.command("doctor")
@click.option("--db", "target", metavar="PATH",
              help="The node's SQLite file (default: the instance folder's database).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the report (default: Chinese, English when LANG starts with en).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--timeout", type=click.FloatRange(0.2, 60), default=3.0, show_default=True,
              help="Seconds to wait for the hub and each network printer.")
def doctor_command(target, lang, as_json, timeout):
    """Check a node: database, write-ahead log, pairing, hub, printers, cameras, disk, time.

    Prints what is wrong and what to do; exits 1 when something is wrong."""
    import os

    from kiosk.services import doctor

    target = _database(target)
    if target.startswith(("postgres://", "postgresql://")):
        raise click.ClickException("bayflow doctor checks a SQLite node; check PostgreSQL with its own tools")
    lang = lang or ("en" if (os.environ.get("LC_ALL") or os.environ.get("LANG") or "").startswith("en") else "zh")
    about, findings = doctor.examine(target, lang=lang, timeout=timeout)
    bad = [f for f in findings if f.level == "bad"]
    if as_json:
        _json_out({"node": about, "ok": not bad, "findings": doctor.as_dicts(findings)})
    else:
        marks = {"ok": "✔", "warn": "!", "bad": "✖"}
        click.echo(f"bayflow doctor: {about['path']} ({about['role'] or '?'} {about['prefix']} {about['station']})")
        for finding in findings:
            click.echo(f"{marks[finding.level]} {finding.message}")
            if finding.advice and finding.level != "ok":
                click.echo(f"    → {finding.advice}")
        click.echo(doctor.summary(findings))
    if bad:
        raise SystemExit(1)


def _deploy_options(function):
    options = [
        click.option("--name", required=True, help="A short name for this node's service, e.g. hub or reception."),
        click.option("--role", type=click.Choice(["kiosk", "hub"]), required=True, help="A kiosk or the hub."),
        click.option("--db", "db", required=True, metavar="PATH", help="The node's database file on that PC."),
        click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True),
        click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on."),
        click.option("--station", type=click.Choice(["reception", "bay", "parts", "cashier", "care", "all"]),
                     default=None, help="A kiosk's station."),
        click.option("--prefix", default=None, help="The node's number prefix (first start only)."),
        click.option("--store-name", default=None, help="The store's name (a hub's first start)."),
        click.option("--backup-dir", default=None, help="A hub's backup folder."),
        click.option("--instance", default=None, help="The node's instance folder (logs, secret key)."),
        click.option("--bayflow", "program", default=None, help="The bayflow program on that PC."),
        click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="The folder to write the files into (made if missing)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@main.group("deploy")
def deploy_group():
    """Write the service files that start bayflow at boot (see README: Deploy a store)."""


@deploy_group.command("systemd")
@_deploy_options
@click.option("--user", default="bayflow", show_default=True, help="The account the node runs as.")
@click.option("--browser", default=None, help="A kiosk's browser (default: chromium).")
def deploy_systemd(name, role, db, port, host, station, prefix, store_name, backup_dir, instance, program, out,
                   user, browser):
    """Linux: a systemd unit for the node and, for a kiosk, a user unit for the full-screen browser."""
    from kiosk.deploy import systemd_units

    out.mkdir(parents=True, exist_ok=True)
    try:
        files = systemd_units(out, name=name, role=role, db=db, port=port, host=host, station=station,
                              prefix=prefix, store_name=store_name, backup_dir=backup_dir, user=user,
                              instance=instance, bayflow=program, browser=browser)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    for path in files:
        click.echo(str(path))


@deploy_group.command("windows")
@_deploy_options
def deploy_windows(name, role, db, port, host, station, prefix, store_name, backup_dir, instance, program, out):
    """Windows: a WinSW service definition (at boot, no console window) and its install script."""
    from kiosk.deploy import windows_service

    out.mkdir(parents=True, exist_ok=True)
    try:
        files = windows_service(out, name=name, role=role, db=db, port=port, host=host, station=station,
                                prefix=prefix, store_name=store_name, backup_dir=backup_dir, instance=instance,
                                bayflow=program)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    for path in files:
        click.echo(str(path))


@main.command("wait-ready")
@click.argument("url")
@click.option("--seconds", type=click.FloatRange(1, 3600), default=120, show_default=True)
def wait_ready(url, seconds):
    """Wait until the node at URL answers (the kiosk screen starts after it); non-zero if it never does."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/login", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.monotonic() > deadline:
                raise click.ClickException(f"{url} did not answer within {seconds:.0f} s")
            time.sleep(0.5)
