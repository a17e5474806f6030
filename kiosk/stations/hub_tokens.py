"""The hub's API tokens page (``/hub/tokens``): every token with its scopes, expiry and
use, a new one made (shown once), a token revoked, and the latest calls made with them.
For the service manager and the administrator; only an administrator hands out the
``staff_admin`` scope (kiosk.services.api_keys)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, requires
from kiosk.services import api_keys
from kiosk.services.errors import ServiceError
from kiosk.stations.hub import bp


def _page(token: str | None = None, error=None, form=None, status: int = 200):
    return render_template("hub/tokens.html", tokens=api_keys.listing(), uses=api_keys.recent_uses(),
                           scopes=api_keys.SCOPES, token=token, error=error, form=form or {}), status


@bp.get("/tokens")
@requires("reports")
def tokens():
    return _page()


@bp.post("/tokens")
@requires("reports")
def new_token():
    """Make a token: its name, scopes and expiry from the form; the token is shown once."""
    form = request.form
    try:
        token = api_keys.issue(name=form.get("name", ""), scopes=form.getlist("scope"),
                               expires_at=api_keys.parse_expiry(form.get("expires_days", "") and
                                                                f"{form.get('expires_days')}d"),
                               by=current_staff())
    except ServiceError as error:
        return _page(error=error.message, form=form, status=422)
    return _page(token=token)


@bp.post("/tokens/<int:key_id>/revoke")
@requires("reports")
def revoke_token(key_id: int):
    try:
        key = api_keys.revoke(key_id)
    except ServiceError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Token %(name)s is revoked: it opens nothing any more.", name=key.name), "success")
    return redirect(url_for("hub.tokens"))
