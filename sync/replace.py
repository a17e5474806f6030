"""A new PC takes a dead kiosk's place.

On the hub the manager picks, in the kiosk list, which kiosk the new PC
replaces; the hub makes a pairing code bound to it (``PairingCode.replaces``).
When the new PC pairs with that code (``bayflow pair`` as usual):

* the hub revokes the dead kiosk's identity (its key can never sync again,
  even if the old PC comes back) and gives the new one its station;
* the new PC takes the station, asks the hub for the dead kiosk's last
  reported settings — printers, cameras, idle time — and applies them
  (``take_over``);
* its first sync pulls the store's data.

The new PC is a new node with a number prefix of its own: the old prefix
stays with the old identity, so no work-order number is ever handed out twice
(the dead kiosk's counters are gone with its disk). What the dead kiosk had not
sent is lost with its disk; everything it had sent is on the hub.

The settings reach the hub in each kiosk's hello (kiosk.services.node_report),
and the hub keeps the last ones in ``NodeReport.settings``.
"""
from __future__ import annotations

import json

from kiosk import times
from kiosk.models.ops import NodeReport
from sync.pairing import PairingCode, Peer, Refused


def take_over_on_hub(old_node_id: str, new_node_id: str) -> dict:
    """Inside the pairing's transaction: revoke the old kiosk; what the new one takes over."""
    old = Peer.get_or_none(Peer.node_id == old_node_id)
    if old is None:
        raise Refused(409, "unknown_kiosk", "the kiosk this code replaces is no longer paired with this hub")
    if old_node_id == new_node_id:
        raise Refused(409, "same_kiosk", "a kiosk cannot replace itself: pair the new PC with this code")
    if old.revoked_at is None:
        old.revoked_at = times.utcnow()
    old.state = "replaced"
    old.save()
    return {"node_id": old.node_id, "station": old.station, "prefix": old.prefix}


def replaced_by(old_node_id: str) -> str:
    """The prefix of the kiosk that took ``old_node_id``'s place ('' if none did)."""
    row = (PairingCode.select(PairingCode.used_by)
           .where((PairingCode.replaces == old_node_id) & PairingCode.used_ms.is_null(False)
                  & (PairingCode.used_by != "burnt"))
           .order_by(PairingCode.used_ms.desc()).first())
    if row is None:
        return ""
    peer = Peer.get_or_none(Peer.node_id == row.used_by)
    return peer.prefix if peer else ""


def _replaced_node(new_node_id: str) -> str | None:
    row = (PairingCode.select(PairingCode.replaces)
           .where((PairingCode.used_by == new_node_id) & PairingCode.replaces.is_null(False))
           .order_by(PairingCode.used_ms.desc()).first())
    return row.replaces if row else None


def handle_profile(peer, payload: dict) -> dict:
    """On the hub (``profile`` operation): the settings of the kiosk this one replaced."""
    old = _replaced_node(peer.node_id)
    if old is None:
        return {"replaces": None, "settings": None}
    report = NodeReport.get_or_none(NodeReport.node_id == old)
    settings = json.loads(report.settings) if report is not None and report.settings else None
    old_peer = Peer.get_or_none(Peer.node_id == old)
    return {"replaces": old, "station": old_peer.station if old_peer else None, "settings": settings}


# -- the kiosk's side --------------------------------------------------------

def take_over(replaces: dict) -> dict:
    """On the new PC, right after pairing: become the old kiosk's station and take its settings.

    Returns {"station", "settings": what was applied or None when the hub had none}.
    """
    from kiosk.db import transaction
    from kiosk.services import station_settings
    from sync import transport
    from sync.node import NodeInfo, current_node

    station = str(replaces.get("station") or "all")
    with transaction():
        NodeInfo.update(station=station).where(NodeInfo.node_id == current_node().node_id).execute()
    answer = transport.call("profile", {})
    settings = answer.get("settings")
    applied = station_settings.apply_profile(settings) if isinstance(settings, dict) else None
    return {"station": station, "settings": applied}
