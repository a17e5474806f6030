"""``POST /api/v1/staff``: register a staff member (badge, roles, PIN)."""
from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _

from kiosk.stations.api import BadRequest, bp, json_object, member, text
from kiosk.services import api_keys
from kiosk.services import staff as staff_service


@bp.post("/staff")
def create_staff():
    body = json_object()
    name = text(body, "name", "name")
    badge = text(body, "badge", "badge")
    roles = member(body, "roles", (list, str), "roles")
    if isinstance(roles, str):  # "advisor" or "advisor,manager" is what a person would type
        roles = [r.strip() for r in roles.split(",") if r.strip()]
    if not all(isinstance(r, str) for r in roles):
        raise BadRequest(_("%(field)s has the wrong type.", field="roles"), field="roles")
    pin = member(body, "pin", (str, int), "pin")
    # An administrator only with a token that may make one (the staff_admin scope).
    person = staff_service.create_staff(name, badge, roles, str(pin),
                                        admin_allowed=api_keys.allows(g.api_key, "staff_admin"))
    return jsonify({"id": person.id.hex, "badge": person.badge}), 201
