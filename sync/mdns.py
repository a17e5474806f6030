"""The zeroconf side of discovery: the hub's advert, a live browser, and the
small address helpers both need. ``sync.discovery`` is the API to call.

Everything here runs on zeroconf's own thread (never an asyncio loop the
caller happens to have) and degrades to "nothing found" / an inactive advert
when multicast is unavailable, so a node never stops for it.
"""
from __future__ import annotations

import atexit
import ipaddress
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from sync.protocol import PROTOCOL_MAX, PROTOCOL_MIN, SERVICE_TYPE

log = logging.getLogger("sync.discovery")

RESOLVE_MS = 1500              # how long one advert's SRV/TXT/A lookup may take


@dataclass(frozen=True)
class HubAdvert:
    """One hub as it announced itself (or, for fallbacks, only its address)."""

    addresses: tuple[str, ...]
    port: int
    store: str = ""
    node_id: str = ""
    fingerprint: str = ""
    protocol_range: tuple[int, int] | None = None
    name: str = ""                 # the DNS-SD instance name
    server: str = ""               # the host name in the SRV record
    source: str = "mdns"           # "mdns", "remembered" or "configured"
    pinned: bool | None = None     # matches the pinned fingerprint? None: nothing pinned

    @property
    def url(self) -> str:
        """``http://address:port`` of the first (best) address."""
        return self.urls[0]

    @property
    def urls(self) -> list[str]:
        """``http://address:port`` of every announced address, best first."""
        return [f"http://[{a}]:{self.port}" if ":" in a else f"http://{a}:{self.port}"
                for a in (self.addresses or ("127.0.0.1",))]

    def speaks(self, version: int) -> bool:
        """Whether the hub accepts kiosks on protocol ``version`` (unknown range: assume yes)."""
        if self.protocol_range is None:
            return True
        low, high = self.protocol_range
        return low <= version <= high


# -- advertising (the hub) --------------------------------------------------

class Advertiser:
    """A registered hub advert. ``close()`` says goodbye and stops zeroconf.

    Registration (probing and announcing take about two seconds) runs in a
    thread so the hub starts serving at once; ``wait()`` blocks until it is done.
    """

    def __init__(self, zeroconf, info):
        self._zc, self.info = zeroconf, info
        self._lock = threading.Lock()
        self._closed = zeroconf is None
        self.registered = threading.Event()
        self._thread = None
        if zeroconf is not None:
            self._thread = threading.Thread(target=self._register, name="mdns-advertise", daemon=True)
            self._thread.start()
            # A backstop for exits that skip the server's own shutdown path.
            atexit.register(self.close)

    @property
    def active(self) -> bool:
        return not self._closed

    def _register(self) -> None:
        try:
            self._zc.register_service(self.info, allow_name_change=True)
        except Exception as exc:  # never take the hub down for its advert
            log.warning("mDNS: cannot advertise the hub: %s", exc)
            return
        self.registered.set()
        log.info("mDNS: advertising %s on port %s", self.info.name, self.info.port)

    def wait(self, timeout: float = 5.0) -> bool:
        """Block until the advert is registered; False if it was not."""
        return self.registered.wait(timeout)

    def close(self) -> None:
        """Unregister (the goodbye packets make browsers drop us at once) and close."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        atexit.unregister(self.close)
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            if self.registered.is_set():
                self._zc.unregister_service(self.info)
        except Exception as exc:
            log.warning("mDNS: goodbye failed: %s", exc)
        finally:
            try:
                self._zc.close()
            except Exception as exc:
                log.warning("mDNS: close failed: %s", exc)


def advertise(port: int, *, addresses: list[str], store: str, node_id: str, fingerprint: str,
              protocol_range: tuple[int, int] = (PROTOCOL_MIN, PROTOCOL_MAX),
              interfaces: list[str] | None = None) -> Advertiser:
    """Announce this hub on ``addresses`` (``interfaces``: where to multicast;
    None: the addresses themselves, or every interface if none is given).

    Never raises for a network problem: the advert is then inactive and the
    kiosks use their configured address.
    """
    from zeroconf import ServiceInfo  # lazily, see open_zeroconf

    short = node_id.replace("-", "")[-12:] or "unknown"
    properties = {
        "store": _clip(store, 200),
        "node": node_id,
        "proto": f"{protocol_range[0]}-{protocol_range[1]}",
        "fp": fingerprint,
    }
    try:
        info = ServiceInfo(SERVICE_TYPE, f"bayflow hub {short}.{SERVICE_TYPE}", port=int(port),
                           parsed_addresses=list(addresses), properties=properties,
                           server=f"bayflow-{short}.local.")
    except Exception as exc:
        log.warning("mDNS: bad advert for %s: %s", addresses, exc)
        return Advertiser(None, None)
    zeroconf = open_zeroconf(interfaces if interfaces is not None else (list(addresses) or None))
    return Advertiser(zeroconf, info)


# -- browsing (the kiosk) ---------------------------------------------------

class HubWatcher:
    """A live list of advertised hubs; ``on_change(advert, present)`` is called
    from zeroconf's browser thread when one appears, changes or says goodbye."""

    def __init__(self, *, interfaces: list[str] | None = None,
                 on_change: Callable[[HubAdvert, bool], None] | None = None):
        self._on_change = on_change
        self._hubs: dict[str, HubAdvert] = {}
        self._cond = threading.Condition()
        self._browser = None
        self._zc = open_zeroconf(interfaces)
        if self._zc is None:
            return
        from zeroconf import DNSQuestionType, ServiceBrowser  # lazily, see open_zeroconf

        try:
            # QM (multicast) answers, not QU: several mDNS stacks on one machine
            # (a hub and kiosks side by side) share port 5353, and a unicast
            # answer reaches only one of them.
            self._browser = ServiceBrowser(self._zc, SERVICE_TYPE, handlers=[self._changed],
                                           question_type=DNSQuestionType.QM)
        except Exception as exc:
            log.warning("mDNS: cannot browse: %s", exc)
            self.close()

    def _changed(self, zeroconf, service_type, name, state_change) -> None:
        from zeroconf import DNSQuestionType, ServiceInfo, ServiceStateChange  # lazily, see open_zeroconf

        if state_change is ServiceStateChange.Removed:
            with self._cond:
                advert = self._hubs.pop(name, None)
                self._cond.notify_all()
            if advert is not None and self._on_change:
                self._on_change(advert, False)
            return
        info = ServiceInfo(service_type, name)
        try:
            if not info.request(zeroconf, RESOLVE_MS, question_type=DNSQuestionType.QM):
                return
        except Exception as exc:  # zeroconf closing under us
            log.debug("mDNS: cannot resolve %s: %s", name, exc)
            return
        advert = advert_from_info(info)
        with self._cond:
            self._hubs[name] = advert
            self._cond.notify_all()
        if self._on_change:
            self._on_change(advert, True)

    def hubs(self) -> list[HubAdvert]:
        with self._cond:
            return sorted(self._hubs.values(), key=lambda a: a.name)

    def wait_for(self, predicate: Callable[[list[HubAdvert]], bool], timeout: float) -> bool:
        """Block until ``predicate(hubs)`` holds or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(sorted(self._hubs.values(), key=lambda a: a.name)):
                left = deadline - time.monotonic()
                if left <= 0 or self._zc is None:
                    return False
                self._cond.wait(left)
            return True

    def close(self) -> None:
        zc, self._zc = self._zc, None
        with self._cond:
            self._cond.notify_all()
        if zc is None:
            return
        try:
            if self._browser is not None:
                self._browser.cancel()
            zc.close()
        except Exception as exc:
            log.debug("mDNS: close failed: %s", exc)


# -- helpers -----------------------------------------------------------------

def advert_from_info(info) -> HubAdvert:
    """A resolved zeroconf ``ServiceInfo`` as a HubAdvert (best address first)."""
    txt = {_text(k): _text(v) for k, v in (info.properties or {}).items()}
    networks = _local_networks()
    addresses = sorted(info.parsed_scoped_addresses(), key=lambda a: _address_rank(a, networks))
    return HubAdvert(addresses=tuple(addresses), port=info.port or 0, store=txt.get("store", ""),
                     node_id=txt.get("node", ""), fingerprint=txt.get("fp", ""),
                     protocol_range=_range(txt.get("proto", "")), name=info.name, server=info.server or "")


def open_zeroconf(interfaces: list[str] | None):
    """A Zeroconf on ``interfaces`` (None: all), or None when multicast is unavailable."""
    import zeroconf  # lazily: zeroconf costs 60 ms to import, and only a hub or a kiosk looking for one needs it

    if interfaces:
        # zeroconf leaks its listening socket when asked for an address this
        # machine does not have (ENODEV), so drop those first.
        local = set(local_ipv4()) | set(_local_ipv6())
        missing = [i for i in interfaces if i not in local]
        interfaces = [i for i in interfaces if i in local]
        if missing:
            log.warning("mDNS: no interface has the address %s", ", ".join(missing))
        if not interfaces:
            return None
    choice = list(interfaces) if interfaces else zeroconf.InterfaceChoice.All
    try:
        try:
            # Always zeroconf's own thread: an asyncio loop left "running" in
            # this thread (Playwright's sync API does that) would otherwise
            # adopt it, and our blocking calls would starve it.
            return zeroconf.Zeroconf(interfaces=choice, use_asyncio=False)
        except TypeError:  # a zeroconf older than the switch
            return zeroconf.Zeroconf(interfaces=choice)
    except Exception as exc:  # no interface, no multicast, port 5353 refused …
        log.warning("mDNS unavailable (%s); using the configured hub address", exc)
        return None


def local_ipv4() -> list[str]:
    import ifaddr  # zeroconf's own dependency, loaded with it (see open_zeroconf)

    return sorted({ip.ip for adapter in ifaddr.get_adapters() for ip in adapter.ips if ip.is_IPv4})


def _local_ipv6() -> list[str]:
    import ifaddr  # zeroconf's own dependency, loaded with it (see open_zeroconf)

    return sorted({ip.ip[0] for adapter in ifaddr.get_adapters() for ip in adapter.ips if ip.is_IPv6})


def _local_networks() -> list:
    """The networks this machine's interfaces are on (IPv4 and IPv6)."""
    import ifaddr  # zeroconf's own dependency, loaded with it (see open_zeroconf)

    networks = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            address = ip.ip if ip.is_IPv4 else ip.ip[0]
            try:
                networks.append(ipaddress.ip_network(f"{address}/{ip.network_prefix}", strict=False))
            except ValueError:
                continue
    return networks


def _address_rank(address: str, networks: list) -> tuple[int, int, int]:
    """Addresses on one of our own networks first (a hub with a second,
    unreachable interface, e.g. a container bridge, announces that one too),
    then IPv4 before IPv6, loopback and link-local last."""
    ip = ipaddress.ip_address(address.split("%")[0])
    reachable = any(ip.version == net.version and ip in net for net in networks)
    return (not reachable, ip.version == 6, ip.is_loopback + 2 * ip.is_link_local)


def _range(text: str) -> tuple[int, int] | None:
    low, _, high = text.partition("-")
    try:
        return int(low), int(high or low)
    except ValueError:
        return None


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes, cut on a character boundary (TXT strings are short)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")
