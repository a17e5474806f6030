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
