"""Finding the hub on the LAN: mDNS / DNS-SD with python-zeroconf.

The hub advertises ``_bayflow._tcp.local.`` (``sync.protocol.SERVICE_TYPE``) on
the interface it serves, with TXT keys ``store`` (store name), ``node`` (hub
node id), ``proto`` (protocol range "min-max") and ``fp`` (key fingerprint),
and says goodbye when it stops. Kiosks browse for it.

mDNS is only a hint: anyone on the LAN can advertise anything, including a
copy of the real hub's fingerprint. Trust comes from the pinned keys checked
by ``sync.transport``; this module only ranks addresses. So:

* an advert whose fingerprint is not the pinned one is never chosen: it is
  returned in ``HubSearch.suspects`` (same store, or store unknown) so the
  caller can raise the rogue-hub alert, and ``find_hub`` skips it;
* the "last good" address is written by the caller (``remember(url)``) once
  an authenticated exchange with it succeeded, never from an advert alone;
* when multicast finds nothing (blocked, or no network), the remembered and
  then the configured address (``sync.state`` "hub_url", set by pairing) are
  offered instead. Nothing here raises because multicast is unavailable.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import urlsplit

from kiosk.db import connected
from sync import keys, state
from sync.mdns import Advertiser, HubAdvert, HubWatcher, advertise, local_ipv4
from sync.node import current_node

__all__ = ["Advertiser", "HubAdvert", "HubSearch", "HubWatcher", "advertise", "advertise_node", "browse",
           "configured", "find_hub", "find_hub_candidates", "last_known", "own_fingerprint", "remember",
           "serving_addresses"]

log = logging.getLogger(__name__)

SEEN_KEY = "hub_url_seen"      # last address an authenticated sync reached
CONFIGURED_KEY = "hub_url"     # set by pairing (or by hand)
WILDCARDS = ("", "0.0.0.0", "::")
SUSPECT_GRACE = 0.5            # seconds to keep listening after the pinned hub answered


@dataclass
class HubSearch:
    """What one search found, sorted out for the caller."""

    trusted: list[HubAdvert] = field(default_factory=list)   # fingerprint matches the pin (or nothing pinned)
    suspects: list[HubAdvert] = field(default_factory=list)  # our store, a different fingerprint: possible rogue
    others: list[HubAdvert] = field(default_factory=list)    # other stores' hubs, ignored
    fallbacks: list[HubAdvert] = field(default_factory=list) # remembered, then configured address

    @property
    def best(self) -> HubAdvert | None:
        """The address to try first: a trusted advert, else a fallback; never a suspect."""
        for advert in (*self.trusted, *self.fallbacks):
            return advert
        return None

    @property
    def urls(self) -> list[str]:
        """Every address worth trying, best first, without repeats."""
        seen: list[str] = []
        for advert in (*self.trusted, *self.fallbacks):
            for url in advert.urls:
                if url not in seen:
                    seen.append(url)
        return seen


# -- advertising (the hub) --------------------------------------------------

def serving_addresses(host: str) -> tuple[list[str], list[str] | None]:
    """(addresses to announce, interfaces to multicast on; None: all) for a server bound to ``host``.

    A wildcard bind announces every non-loopback IPv4 address (loopback only
    when there is none), multicast on all interfaces; a specific address
    announces that one, on its own interface only.
    """
    if host in WILDCARDS:
        addresses = local_ipv4()
        outside = [a for a in addresses if not ipaddress.ip_address(a).is_loopback]
        return (outside or ["127.0.0.1"]), None
    try:
        address = str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:  # a host name such as "localhost"
        address = socket.getaddrinfo(host, None, socket.AF_INET)[0][4][0]
    return [address], [address]


def advertise_node(app, host: str, port: int) -> Advertiser | None:
    """Start advertising when ``app`` is a hub (None for a kiosk, or when
    ``DISCOVERY`` is off in the config). Called by ``kiosk.server.run``."""
    if app.config["ROLE"] != "hub" or not app.config["DISCOVERY"]:
        return None
    try:
        with connected():
            node = current_node()
            node_id, store = node.node_id, node.store_name or app.config["STORE_NAME"] or ""
            fingerprint = own_fingerprint()
        addresses, interfaces = serving_addresses(host)
        return advertise(port, addresses=addresses, store=store, node_id=node_id,
                         fingerprint=fingerprint, interfaces=interfaces)
    except Exception as exc:  # the hub serves on without its advert
        log.warning("mDNS: not advertising: %s", exc)
        return None


def own_fingerprint() -> str:
    """This node's key fingerprint (``sync.keys.own_fingerprint``); "" when the
    node has no key yet, so the hub still advertises its address."""
    try:
        return keys.own_fingerprint()
    except Exception as exc:  # keys not set up on this database (yet)
        log.warning("mDNS: advertising without a key fingerprint: %s", exc)
        return ""


# -- browsing (the kiosk) ---------------------------------------------------

def browse(timeout: float = 3.0, *, interfaces: list[str] | None = None,
           until: Callable[[HubAdvert], bool] | None = None, grace: float = 0.0) -> list[HubAdvert]:
    """Every hub that answers within ``timeout`` seconds (``interfaces``: IP
    addresses to listen on; None: all). ``until``: stop early, ``grace``
    seconds after an advert satisfies it (answers to one query arrive within
    a fraction of a second, so a short grace still hears the others).
    Returns [] when multicast is unavailable."""
    watcher = HubWatcher(interfaces=interfaces)
    started = time.monotonic()
    try:
        if watcher.wait_for(lambda hubs: until is not None and any(until(h) for h in hubs), timeout):
            time.sleep(max(0.0, min(grace, timeout - (time.monotonic() - started))))
        return watcher.hubs()
    finally:
        watcher.close()


def find_hub_candidates(*, timeout: float = 3.0, pinned_fingerprint: str | None = None,
                        store: str | None = None, interfaces: list[str] | None = None) -> HubSearch:
    """Browse, then sort what answered: trusted (fingerprint = pinned; or, with
    nothing pinned, every hub of ``store`` / every hub), suspects (the same
    store or store unknown, another fingerprint), other stores, and the
    remembered and configured addresses as fallbacks."""
    until = (lambda a: a.fingerprint == pinned_fingerprint) if pinned_fingerprint else None
    search = HubSearch()
    # Stop soon after the pinned hub answers, but not at once: a rogue answering
    # the same query should still be heard and reported.
    for advert in browse(timeout, interfaces=interfaces, until=until, grace=SUSPECT_GRACE):
        ours = not store or advert.store == store
        if pinned_fingerprint:
            advert = replace(advert, pinned=advert.fingerprint == pinned_fingerprint)
            if advert.pinned:
                search.trusted.append(advert)
            elif ours:
                log.warning("mDNS: %s at %s advertises fingerprint %r, not the pinned one",
                            advert.name, advert.url, advert.fingerprint)
                search.suspects.append(advert)
            else:
                search.others.append(advert)
        else:
            (search.trusted if ours else search.others).append(advert)
    seen = last_known()
    search.trusted.sort(key=lambda a: a.url != seen)  # stable: the address that worked last goes first
    for source, url in (("remembered", seen), ("configured", configured())):
        fallback = advert_from_url(url, source)
        if fallback is not None:
            search.fallbacks.append(fallback)
    return search


def find_hub(*, timeout: float = 3.0, pinned_fingerprint: str | None = None,
             store: str | None = None, interfaces: list[str] | None = None) -> HubAdvert | None:
    """The hub to try: an advert with the pinned fingerprint, else the
    remembered, else the configured address; None if there is none. Adverts
    with another fingerprint are never returned (see ``find_hub_candidates``)."""
    return find_hub_candidates(timeout=timeout, pinned_fingerprint=pinned_fingerprint,
                               store=store, interfaces=interfaces).best


# -- remembered addresses (sync.state, needs the node's database bound) ------

def remember(url: str) -> None:
    """Keep ``url`` as the last address an authenticated sync reached."""
    with connected():
        if state.get(SEEN_KEY) != url:
            state.put(SEEN_KEY, url)


def last_known() -> str | None:
    """The address ``remember`` kept, if any."""
    return _state_get(SEEN_KEY)


def configured() -> str | None:
    """The hub address pairing configured, if any."""
    return _state_get(CONFIGURED_KEY)


def _state_get(key: str) -> str | None:
    try:
        with connected():
            return state.get(key) or None
    except Exception as exc:  # no database bound (a bare browse from a script)
        log.debug("discovery: cannot read %s: %s", key, exc)
        return None


# -- helpers -----------------------------------------------------------------

def advert_from_url(url: str | None, source: str) -> HubAdvert | None:
    """A fallback address as an advert that knows nothing but where it is."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return HubAdvert(addresses=(parts.hostname,), port=port, source=source)
