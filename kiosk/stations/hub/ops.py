"""The hub's pages for running the store: replace a dead kiosk, the store's health
(red kiosks, thresholds, backups) and its settings. Routes on the hub blueprint."""
from __future__ import annotations


from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.access import requires
from kiosk.services import backup_schedule, store_health, store_settings
from kiosk.core.errors import ServiceError
from kiosk.stations.hub import bp
from kiosk.stations.hub.pages import index_page
from sync import pairing


@bp.app_template_filter("bytes_label")
def bytes_label(value) -> str:
    """1234567890 → "1.1 GB" (disk and database sizes on the kiosk list)."""
    if value is None:
        return "—"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit in ("B", "KB") else f"{size:.1f} {unit}"
        size /= 1024
    return ""


@bp.app_template_filter("offset_label")
def offset_label(ms) -> str:
    """A clock offset in ms → "+2 s", "−7 min"."""
    if ms is None:
        return "—"
    seconds = abs(int(ms)) / 1000
    sign = "" if seconds < 0.5 else ("+" if ms > 0 else "−")
    return f"{sign}{seconds:.0f} s" if seconds < 120 else _("%(n)s min", n=f"{sign}{seconds / 60:.0f}")


@bp.post("/kiosks/<node_id>/replace")
@requires("reports")
def replace(node_id: str):
    """A pairing code for the PC that takes this kiosk's place (it gets the station and settings)."""
    peer = pairing.Peer.get_or_none(pairing.Peer.node_id == node_id)
    if peer is None:
        flash(_("This kiosk is not paired with this hub."), "error")
        return redirect(url_for("hub.index"))
    code = pairing.create_pairing_code(replaces=node_id)
    return index_page(code=code, replacing=peer, code_minutes=pairing.DEFAULT_TTL_SECONDS // 60)


def _health_page(errors: dict | None = None, status: int = 200):
    folder = backup_schedule.backup_folder(current_app.config, current_app.instance_path)
    now = times.utcnow()
    page = render_template(
        "hub/health.html", problems=store_health.problems(now), thresholds=store_health.threshold_texts(),
        last=backup_schedule.last_backup(), folder=folder, kept=backup_schedule.listed(folder)[:30],
        settings={key: request.form.get(key, store_settings.get(key)) if errors else store_settings.get(key)
                  for key in store_settings.DEFAULTS},
        errors=errors or {}, next_at=backup_schedule.next_at(now))
    return page, status


@bp.get("/health")
@requires("reports")
def health():
    """The manager's page: what is red and why, the thresholds, the backups."""
    return _health_page()


@bp.post("/health/settings")
@requires("reports")
def save_settings():
    try:
        store_settings.save({key: request.form.get(key, "") for key in store_settings.DEFAULTS})
    except ServiceError as error:
        return _health_page({error.field: error.message}, 400)
    flash(_("Settings saved."), "success")
    return redirect(url_for("hub.health"))


@bp.post("/backup")
@requires("reports")
def backup_now():
    record = backup_schedule.run_backup(current_app.config, current_app.instance_path)
    if record.get("ok"):
        flash(_("Backup made and verified: %(file)s", file=record["file"]), "success")
    else:
        flash(_("The backup failed: %(error)s", error=record["error"]), "error")
    return redirect(url_for("hub.health"))
