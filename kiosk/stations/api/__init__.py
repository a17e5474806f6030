"""The JSON API (/api/v1): the same services as the pages, for integrations and tests.

Every call carries ``Authorization: Bearer TOKEN`` (from ``bayflow token``).
Answers are JSON; a mistake in the request is a 4xx ``{"error": code,
"detail": …}``, never a 500. The endpoints live in the modules imported at
the bottom; the helpers here read and check bodies.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from kiosk.core.errors import ServiceError
from kiosk.services import api_keys, identifiers

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# ServiceError status → the short machine code integrations switch on.
ERROR_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid", 429: "locked", 500: "internal", 503: "busy", 507: "disk_full"}


class BadRequest(Exception):
    """The body is not what the call expects (shape or type); nothing was written."""

    def __init__(self, message, field: str | None = None, error: str = "invalid", status: int = 400):
        super().__init__(str(message))
        self.message, self.field, self.error, self.status = message, field, error, status


def error(code: str, status: int, detail=None):
    """A JSON error answer."""
    return jsonify({"error": code, "detail": detail}), status


@bp.before_request
def _check_token():
    """The token must be known, not revoked, not expired, and hold the scope the call needs."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error("unauthorized", 401, _("Send the header Authorization: Bearer TOKEN (see bayflow token)."))
    try:
        key = api_keys.authenticate(token.strip())
    except ServiceError as refused:
        return error("unauthorized", 401, str(refused.message))
    g.api_key = key
    needed = api_keys.scope_for(request.method)
    if not api_keys.allows(key, needed):
        return error("forbidden", 403, _("This API token lacks the %(scope)s scope (it has: %(scopes)s).",
                                          scope=needed, scopes=key.scopes))
    return None


@bp.after_request
def _audit(response):
    """Every call made with a token leaves an audit fact (refused ones included)."""
    key = g.get("api_key")
    if key is not None:
        api_keys.record_use(key, request.method, request.path, response.status_code, request.remote_addr or "")
    return response


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    detail = {"message": str(exc.message), "field": exc.field}
    if isinstance(exc.detail, dict):
        detail.update({k: v for k, v in exc.detail.items() if k not in detail})
    return error(ERROR_CODES.get(exc.status, "invalid"), exc.status, detail)


@bp.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    return error(exc.error, exc.status, {"message": str(exc.message), "field": exc.field})


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error(ERROR_CODES.get(exc.code, "error"), exc.code or 500, exc.description)


def json_object() -> dict:
    """The request body as a JSON object, whatever Content-Type the caller sent."""
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(_("The body is not valid JSON."), error="invalid_json")
    if not isinstance(body, dict):
        raise BadRequest(_("The body must be a JSON object."), error="invalid_json")
    return body


def member(body: dict, key: str, kind, where: str, *, required: bool = True, default=None):
    """``body[key]`` checked to be of ``kind`` (a type or tuple); ``where`` names it in errors."""
    if key not in body or body[key] is None:
        if required:
            raise BadRequest(_("%(field)s is missing.", field=where), field=where)
        return default
    value = body[key]
    # bool is an int in Python, but never a valid count, price or text here.
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise BadRequest(_("%(field)s has the wrong type.", field=where), field=where)
    if not isinstance(value, kind):
        raise BadRequest(_("%(field)s has the wrong type.", field=where), field=where)
    return value


def text(body: dict, key: str, where: str, *, required: bool = True) -> str:
    return member(body, key, str, where, required=required, default="")


def amount(body: dict, key: str, where: str, *, required: bool = False) -> Decimal:
    """A non-negative number, given as a JSON number or a numeric string (``"120.50"``)."""
    value = member(body, key, (int, float, str), where, required=required, default=0)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadRequest(_("%(field)s must be a number.", field=where), field=where)
    if not number.is_finite() or number < 0:
        raise BadRequest(_("%(field)s must be a number that is not negative.", field=where), field=where)
    return number


def whole(body: dict, key: str, where: str) -> int | None:
    """An optional non-negative whole number (mileage)."""
    value = member(body, key, (int, float, str), where, required=False)
    if value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadRequest(_("%(field)s must be a whole number.", field=where), field=where)
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        raise BadRequest(_("%(field)s must be a whole number that is not negative.", field=where), field=where)
    return int(number)


def confirmations(customer: dict, vehicle: dict) -> identifiers.Confirmations:
    """The person's confirmations as optional JSON fields (``vehicle.unusual_plate``,
    ``vehicle.vin_confirmed``, ``customer.landline``), given as the desk's checkboxes.

    Unlike the desk, a VIN whose check digit does not fit is accepted with a
    warning when ``vin_confirmed`` is left out: calls that were valid before the
    API checked it stay valid (its own first example had such a VIN); ``false``
    refuses it as the desk does.
    """
    vin_confirmed = member(vehicle, "vin_confirmed", bool, "vehicle.vin_confirmed", required=False)
    return identifiers.Confirmations(
        unusual_plate=member(vehicle, "unusual_plate", bool, "vehicle.unusual_plate", required=False,
                             default=False),
        vin_confirmed=bool(vin_confirmed),
        landline=member(customer, "landline", bool, "customer.landline", required=False, default=False),
        warn=frozenset({identifiers.VIN_CONFIRMED}) if vin_confirmed is None else frozenset())


@contextmanager
def fields_under(prefix: str, *, customer_fields: str | None = None, names: dict | None = None):
    """Name a service's field the way the caller's body does (``mileage`` → ``vehicle.mileage``;
    with ``customer_fields``, the customer's name and phone go under that prefix instead;
    ``names`` renames a service's field to the body's, ``sold_hours`` → ``hours``)."""
    try:
        yield
    except ServiceError as exc:
        if customer_fields is not None and exc.field in ("name", "phone"):
            prefix = customer_fields
        field = (names or {}).get(exc.field, exc.field)
        raise ServiceError(exc.message, field=f"{prefix}{field}" if field else prefix.rstrip("."),
                           status=exc.status, detail=exc.detail) from exc


def warnings_json(found) -> list[dict]:
    """The identifier doubts ``customers.find_or_create`` let through, named as the body names them."""
    return [w.as_json("customer." if w.field == "phone" else "vehicle.") for w in found.warnings]


def as_number(value: Decimal) -> float | int:
    """Decimals go out as JSON numbers (2 decimal places are exact enough as floats)."""
    return int(value) if value == value.to_integral_value() else float(value)


from kiosk.stations.api import edits, health, staff, workorders  # noqa: E402,F401
from kiosk.stations.api import parts  # noqa: E402,F401
from kiosk.stations.api import clock  # noqa: E402,F401
from kiosk.stations.api import estimates  # noqa: E402,F401
from kiosk.stations.api import care  # noqa: E402,F401
from kiosk.stations.api import claims  # noqa: E402,F401
from kiosk.stations.api import bookings  # noqa: E402,F401
from kiosk.stations.api import figures  # noqa: E402,F401
from kiosk.stations.api import cashier  # noqa: E402,F401
from kiosk.stations.api import idempotency  # noqa: E402,F401  (after the token check: its hooks run after it)
