"""The hub's sync endpoints: ``GET``/``POST /sync/v1/pair`` and ``POST /sync/v1/<op>``.

Thin: ``sync.pairing`` answers pairing, ``sync.envelope`` opens and seals the
envelope, ``sync.hub`` (when present) handles the operations. Only a hub
answers; a kiosk says 404. Every error is JSON ``{"error", "detail"}`` with a
4xx status — sealed as well when the request authenticated, so a kiosk can
trust a "revoked" — and never a 500.
"""
from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from kiosk.core.errors import ServiceError
from sync import envelope, hub, pairing
from sync.pairing import Refused

bp = Blueprint("sync_api", __name__, url_prefix="/sync/v1")
log = logging.getLogger(__name__)


def ops() -> dict:
    """The operations this hub answers: ``handle_<op>`` of ``sync.hub`` (or its
    ``OPS``), and a minimal ``hello`` of our own when ``sync.hub`` is absent."""
    found = dict(getattr(hub, "OPS", None) or {}) or {
        name[len("handle_"):]: handler for name, handler in vars(hub).items()
        if name.startswith("handle_") and callable(handler)}
    found.setdefault("hello", envelope.fallback_hello)
    return found


def _error(status: int, error: str, detail):
    return jsonify({"error": error, "detail": detail}), status


def _refused(refusal: Refused, op: str):
    log.warning("sync: refused %s from %s: %s (%s)", op, request.remote_addr, refusal.error, refusal.detail)
    return jsonify(envelope.refusal_answer(refusal, op)), refusal.status


@bp.before_request
def _hubs_only():
    if current_app.config["ROLE"] != "hub":
        return _error(404, "not_a_hub", "this node is a kiosk: sync calls go to the hub")
    return None


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return _error(exc.code or 400, "http_error", exc.description)


@bp.get("/pair")
def pair_intro():
    """The hub's key and store, which the kiosk needs to prove the code (public)."""
    return jsonify(pairing.hub_intro())


@bp.post("/pair")
def pair():
    try:
        body = json.loads(request.get_data().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    if not isinstance(body, dict):
        return _error(400, "invalid_json", "the body must be a JSON object")
    try:
        answer = pairing.accept_pairing(body)
    except Refused as refusal:
        return _refused(refusal, "pair")
    log.info("sync: paired kiosk %s (%s), prefix %s", body.get("node_id"), request.remote_addr, answer["prefix"])
    return jsonify(answer)


@bp.route("/<op>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def operation(op: str):
    if request.method != "POST":
        return _error(405, "method_not_allowed", "sync calls are POST")
    try:
        peer, payload = envelope.open_request(op, request.get_data())
    except Refused as refusal:
        return _refused(refusal, op)
    rid = payload["rid"]
    handler = ops().get(op)
    try:
        if handler is None:
            raise Refused(404, "unknown_op", f"this hub does not know the operation {op!r}")
        answer = handler(peer, payload)
    except Refused as refusal:
        refusal.peer, refusal.rid = peer, rid
        return _refused(refusal, op)
    except ServiceError as exc:
        return _refused(Refused(exc.status if 400 <= exc.status < 500 else 400, "refused", str(exc.message),
                                peer=peer, rid=rid), op)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if _is_protocol_error(exc):
            return _refused(_from_protocol_error(exc, peer, rid), op)
        log.exception("sync: %s from %s failed", op, peer.node_id)
        return _refused(Refused(400, "invalid", f"the {op} request could not be handled: {exc}",
                                peer=peer, rid=rid), op)
    except Exception as exc:
        if not _is_protocol_error(exc):
            raise
        return _refused(_from_protocol_error(exc, peer, rid), op)
    return jsonify(envelope.seal_response(peer, op, rid, answer))


def _is_protocol_error(exc: Exception) -> bool:
    """``sync.hub.ProtocolError`` (or any error of the hub's that names an HTTP status)."""
    status = getattr(exc, "status", None)
    return isinstance(status, int) and 400 <= status < 500


def _from_protocol_error(exc: Exception, peer, rid: str) -> Refused:
    message = str(exc)
    known = {"diverged", "upgrade", "revoked"}
    return Refused(exc.status, message if message in known else "refused", message, peer=peer, rid=rid)
