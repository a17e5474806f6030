"""``bayflow export``: the cashier's files for the finance office and the e-health archive,
the same files as the cashier's download buttons (kiosk.services.invoices, ehealth; the
formats are in the README, "Export files of the cashier").

``kiosk.cli`` loads ``export_command`` when it is called (this module does not import it).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from kiosk.core import times
from kiosk.services import ehealth, invoices
from kiosk.startup import build_app, one_line, opened

WRITERS = {("invoices", ".csv"): invoices.export_csv, ("invoices", ".xlsx"): invoices.export_xlsx,
           ("ehealth", ".jsonl"): lambda since: ehealth.export_jsonl(since).encode("utf-8")}


@click.command("export")
@click.argument("what", type=click.Choice(["invoices", "ehealth"]))
@click.option("--db", "target", metavar="PATH", help="The node's SQLite file, or a sqlite:/// or postgresql:// URL.")
@click.option("--out", "out", required=True, metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="invoices: .csv or .xlsx; ehealth: .jsonl (chosen by the ending).")
@click.option("--since", "since", metavar="YYYY-MM-DD", help="Only what was made from this day on (the store's date).")
def export_command(what, target, out, since):
    """Write the invoice requests or the e-health archive records to FILE."""
    writer = WRITERS.get((what, out.suffix.lower()))
    if writer is None:
        endings = ", ".join(ext for kind, ext in WRITERS if kind == what)
        raise click.ClickException(f"--out {out}: {what} are written as {endings}")
    try:
        day = dt.date.fromisoformat(since) if since else None
    except ValueError:
        raise click.ClickException(f"--since {since}: write the date as YYYY-MM-DD")
    app = build_app(target, must_exist=True)
    with opened(app):
        content = writer(times.day_bounds(day)[0] if day else None)
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {one_line(exc)}")
    click.echo(str(out))


COMMANDS = (export_command,)
