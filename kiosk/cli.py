"""The ``bayflow`` command line: run a node, hand out API tokens, print tags.

Each command opens its database through ``create_app`` so migrations and the
node's identity run as they do for the server. A person's mistake (a wrong
number, a bad file name, a database that cannot be opened) ends with one line
on stderr and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import click

from kiosk import STATIONS
from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services import api_keys, station_settings, workorders
from kiosk.startup import _check_target, _existing_identity, build_app, one_line, opened
from kiosk.workers import auto_count
from sync import client, discovery, pairing, transport
from sync.errors import SyncError
from sync.pairing import Refused, create_pairing_code
from sync.worker import SyncWorker

TAG_FORMATS = (".png", ".svg", ".pdf", ".zpl")


class LazyGroup(click.Group):
    """A group whose commands in other modules are imported only when one of them runs or
    the help lists them (Click's lazy loading pattern): ``bayflow sync --once`` would
    otherwise import the backup, doctor and deploy machinery (a third of its run) first."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy  # command name → "module:attribute"

    def list_commands(self, ctx) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx, name):
        if name in self.lazy and name not in self.commands:
            module, attribute = self.lazy[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


# The commands for running a store (backup, restore, doctor, deploy), the cashier's exports and
# the scanning hardware's (decode, camera-check) live in their own modules.
OPS_COMMANDS = {"backup": "kiosk.cli_ops:backup_command", "restore": "kiosk.cli_ops:restore_command",
                "doctor": "kiosk.cli_ops:doctor_command", "deploy": "kiosk.cli_ops:deploy_group",
                "wait-ready": "kiosk.cli_ops:wait_ready",
                "export": "kiosk.cli_cashier:export_command",  # the cashier's exports (invoices, e-health)
                "decode": "kiosk.cli_hardware:decode_command",  # the scanning hardware
                "camera-check": "kiosk.cli_hardware:camera_check"}


@click.group(cls=LazyGroup, lazy=OPS_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bayflow", prog_name="bayflow")
def main():
    """bayflow: offline-first kiosks for a car dealership's service department."""


def _db_option(help_text: str = "The node's SQLite file, or a sqlite:/// or postgresql:// URL "
                                 "(default: the instance folder's database)."):
    return click.option("--db", "target", metavar="PATH", help=help_text)


@main.command()
@_db_option("The node's SQLite file, or a sqlite:/// or postgresql:// URL. Without it: the instance "
            "folder's database, with demo data on first start.")
@click.option("--role", type=click.Choice(["kiosk", "hub"]), default="kiosk", show_default=True,
              help="A kiosk at a station, or the store's head-office node.")
@click.option("--station", type=click.Choice([*STATIONS, "all"]), default=None,
              help="Which station this kiosk runs (default: the one it ran last, or all; a PC that "
                   "replaced a kiosk takes that kiosk's station from the hub).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: the LAN).")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True,
              help="Port to listen on (0: any free port; the URL is printed).")
@click.option("--prefix", help="This node's short prefix for work-order numbers (first start only), e.g. R1.")
@click.option("--store-name", help="The store's name on printed tags (first start only).")
@click.option("--demo/--no-demo", default=None,
              help="Fill an empty store with demo staff, customers and work orders "
                   "(default: on without --db, off with it).")
@click.option("--threads", type=click.IntRange(4, 512), default=32, show_default=True,
              help="Worker threads; each open page's live-update stream holds one.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Server processes answering requests (default: one per core, at most 4).")
@click.option("--sync-interval", type=click.FloatRange(0), default=30, show_default=True,
              help="A kiosk syncs with its hub soon after each change and at least this often "
                   "(seconds; 0: no background sync, only `bayflow sync --once`).")
@click.option("--camera", "camera_sources", multiple=True, metavar="SOURCE",
              help="A scanning camera for this kiosk's pages (repeatable): a USB device number, an "
                   "rtsp:// or http:// stream, a video file or a folder of images. Remembered as the "
                   "station's cameras (a start without --camera uses them; --camera off forgets them).")
@click.option("--backup-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A hub's folder for its scheduled backups (default: <database name>-backups beside "
                   "the database).")
def serve(target, role, station, host, port, prefix, store_name, demo, threads, workers, sync_interval,
          camera_sources, backup_dir):
    """Run one node (kiosk or hub) under the production server."""
    # Lazily: serving brings the cameras' OpenCV and the decoder (most of a second), which
    # the other commands (token, sync, pair …) never need.
    from kiosk.serve import run

    if prefix is not None:
        prefix = prefix.strip().upper()
        if not prefix.isalnum() or len(prefix) > 6:
            raise click.ClickException(f"--prefix {prefix!r}: use 1 to 6 letters or digits, e.g. R1")
    if station is None:
        station = (_existing_identity(_check_target(target, False)) if target else {}).get("STATION") or "all"
    config = {"ROLE": role, "STATION": station, "DEMO": (target is None) if demo is None else demo}
    if backup_dir is not None:
        config["BACKUP_FOLDER"] = str(backup_dir.resolve())
    if prefix:
        config["NODE_PREFIX"] = prefix
    if store_name:
        config["STORE_NAME"] = store_name
    if camera_sources:
        config["CAMERAS"] = list(camera_sources)
    app = build_app(target, **config)
    worker = None
    if role == "kiosk" and sync_interval > 0:
        worker = SyncWorker(app, interval=sync_interval).start()
    try:
        # The workers build the same app; the node exists now, so they find it as it is.
        run(app, host=host, port=port, threads=threads, workers=workers or auto_count(),
            build=(target, config))
    except OSError as exc:  # port taken, address not on this machine …
        raise click.ClickException(f"cannot listen on {host}:{port}: {one_line(exc.strerror or exc)}")
    finally:
        if worker is not None:
            worker.stop()


@main.command()
@_db_option()
@click.option("--name", "--label", "name", default="cli", show_default=True,
              help="What the token is for (shown in the token list and the audit).")
@click.option("--scope", "scopes", multiple=True, metavar="SCOPE",
              help="read, write or staff_admin (repeatable, or comma-separated). Default: read and write, "
                   "which every call of the API needs; staff_admin also creates administrators.")
@click.option("--expires", metavar="WHEN",
              help="When the token stops working: 30d, 12h, 90m from now, or a date such as 2027-01-31. "
                   "Default: never.")
@click.option("--list", "list_tokens", is_flag=True, help="List this node's tokens (no secrets) instead.")
@click.option("--revoke", metavar="NUMBER_OR_NAME", help="Revoke a token (see --list) instead.")
def token(target, name, scopes, expires, list_tokens, revoke):
    """Print a new API token for this node (shown once; only its hash is kept)."""
    app = build_app(target, WEB_PAGES=False)
    with opened(app):
        try:
            if list_tokens:
                for row in api_keys.listing():
                    key = row["key"]
                    # The store's wall time, like every time a person reads (kiosk.core.times).
                    expiry = times.to_local(key.expires_at).isoformat(sep=" ", timespec="minutes") \
                        if key.expires_at else "never"
                    last = times.to_local(row["last_used"]).isoformat(sep=" ", timespec="seconds") \
                        if row["last_used"] else "never"
                    click.echo(f"{key.id}\t{key.name}\t{','.join(row['scopes'])}\t{row['state']}\t"
                               f"expires {expiry}\tused {row['uses']} times, last {last}")
                return
            if revoke:
                key = api_keys.revoke(revoke)
                click.echo(f"revoked token {key.id} ({key.name})")
                return
            chosen = api_keys.parse_scopes(scopes) if scopes else api_keys.DEFAULT_SCOPES
            click.echo(api_keys.issue(name=name, scopes=chosen, expires_at=api_keys.parse_expiry(expires)))
        except ServiceError as exc:
            raise click.ClickException(one_line(exc.message))


@main.command()
@click.argument("number")
@_db_option()
@click.option("--out", "out", required=True, metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the tag: .png, .svg, .pdf or .zpl (chosen by the ending).")
def tag(number, target, out):
    """Render the tag of work order NUMBER to a file."""
    if out.suffix.lower() not in TAG_FORMATS:
        raise click.ClickException(f"--out {out}: the file must end in {', '.join(TAG_FORMATS)}")
    if not out.parent.is_dir():
        raise click.ClickException(f"--out {out}: the folder {out.parent} does not exist")
    # Lazily: the label renderer brings Pillow, python-barcode and qrcode.
    from hardware import labels
    from kiosk.services import documents

    app = build_app(target, must_exist=True)
    with opened(app):
        try:
            order = workorders.get_by_number(number)
        except ServiceError as exc:
            raise click.ClickException(f"{number}: {exc.message}")
        data = documents.tag_data(order)  # the same tag the reception desk prints
    try:
        labels.render_tag_file(data, out)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot write {out}: {one_line(exc)}")
    click.echo(str(out))


@main.command("pairing-code")
@_db_option("The hub's SQLite file, or a sqlite:/// or postgresql:// URL.")
@click.option("--ttl", type=click.IntRange(1, 86_400), default=600, show_default=True, metavar="SECONDS",
              help="How long the code stays valid.")
def pairing_code(target, ttl):
    """On a hub: print a fresh one-time pairing code for a kiosk (bayflow pair)."""
    app = build_app(target, must_exist=True, WEB_PAGES=False)
    with opened(app):
        try:
            click.echo(create_pairing_code(ttl_seconds=ttl))
        except Refused as refusal:
            raise click.ClickException(f"--db {target}: {refusal.detail}")


@main.command()
@_db_option("The kiosk's SQLite file (made if it does not exist yet).")
@click.option("--hub", "hub_url", metavar="URL",
              help="The hub's address, e.g. http://192.168.1.10:5000 (default: found by zeroconf).")
@click.option("--code", required=True, help="The one-time code the hub shows (bayflow pairing-code).")
def pair(target, hub_url, code):
    """On a kiosk: pair with the store's hub, so the two pin each other's keys."""
    app = build_app(target, WEB_PAGES=False)
    with opened(app):
        if not pairing.normalize_code(code):
            raise click.ClickException(f"--code {code}: a pairing code has {pairing.CODE_DIGITS} digits, "
                                       "e.g. 1234-5678")
        url = hub_url or _discovered_hub(app)
        try:
            pinned = pairing.pair(url, code)
            took = None
            if pinned.get("replaces"):  # a code made to replace a dead kiosk
                took = station_settings.take_over(pinned["replaces"])
        except transport.SyncError as error:
            raise click.ClickException(one_line(error))
    click.echo(f"paired with the hub {pinned['store_name'] or pinned['hub_node_id']} at {pinned['url']} "
               f"(key {pinned['fingerprint']}); this kiosk's numbers start with {pinned['prefix']}")
    if took is not None:
        old = pinned["replaces"]
        settings = took["settings"]
        idle = ", ".join(f"{station} {seconds} s" for station, seconds in sorted(settings["idle_seconds"].items())) \
            if settings else ""
        what = (f"{settings['printers']} printer settings, cameras {settings['cameras'] or 'none'}, idle time "
                f"{idle or 'the defaults'}" if settings else "no settings were known for it")
        click.echo(f"replaces kiosk {old.get('prefix')} as station {took['station']} ({what}); its old identity "
                   "is revoked. Start it with bayflow serve --role kiosk --db … (no --station needed), "
                   "it pulls the store's data")


def _discovered_hub(app) -> str:
    """The hub's address from zeroconf, or a one-line reason why there is none."""
    if not app.config["DISCOVERY"]:
        raise click.ClickException("no --hub given and zeroconf discovery is off (DISCOVERY): pass --hub URL")
    found = discovery.find_hub()
    if found is None:
        raise click.ClickException("no hub found on the network by zeroconf: pass --hub URL")
    return found.url


@main.command("sync")
@_db_option()
@click.option("--once", is_flag=True, help="Run one round (hello, push, pull) now and exit.")
def sync_now(target, once):
    """Sync this kiosk with its hub. Exit 0 when nothing waits to go up and the pull is up to date."""
    if not once:
        raise click.UsageError("use --once: the background sync runs inside `bayflow serve`")
    app = build_app(target, must_exist=True, WEB_PAGES=False)
    with opened(app):
        try:
            result = client.sync_once()
        except SyncError as exc:
            raise click.ClickException(f"sync failed: {one_line(exc)}")
    if not result.up_to_date:
        raise click.ClickException(f"{result.outbox} changes still wait to go up; run it again")
    click.echo(f"up to date: sent {result.pushed}, received {result.pulled}")
