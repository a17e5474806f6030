"""Which stations and pages a person is offered: the home page's tiles and the header's tabs.

One list for both, in the order shown. A person sees an entry when this node
runs its page and their roles grant its permission (``kiosk.roles``); nobody is
offered a page that would refuse them. Nobody logged in sees every page the
node runs (each asks for a login). A new station adds its entries here.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for

from kiosk.i18n import lazy_gettext as _l
from kiosk.roles import allowed


@dataclass(frozen=True)
class Entry:
    key: str
    endpoint: str
    label: object
    hint: object
    permission: str | None  # None: anyone (the wall board)
    tab: bool = False  # also a tab in the header

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


ENTRIES = (
    Entry("reception", "reception.index", _l("Reception"), _l("Appointments, check-in, work orders"),
          "reception", tab=True),
    Entry("bay", "bay.index", _l("Workshop bay"), _l("Badge in, clock jobs, findings, extra work"), "bay", tab=True),
    Entry("dispatch", "workshop.index", _l("Dispatch"), _l("Jobs to technicians and bays, who is on what"),
          "dispatch"),
    Entry("qc", "workshop.qc", _l("Quality check"), _l("Checklist, road test, pass or rework"), "qc"),
    Entry("board", "workshop.board", _l("Workshop board"), _l("Every open work order, for the wall screen"), None),
    Entry("figures", "workshop.figures", _l("Workshop figures"), _l("Efficiency, loss time, first-time fix"),
          "dispatch"),
    Entry("parts", "parts.index", _l("Parts counter"), _l("Issue, return, receive and count by scanning"),
          "parts", tab=True),
    Entry("parts_manager", "parts.manager", _l("Parts manager"), _l("Counts to approve, reorder list, stock value"),
          "parts_manage"),
    Entry("cashier", "cashier.index", _l("Cashier desk"), _l("Settle, take payments, invoices, the day's close"),
          "cashier", tab=True),
    Entry("delivery", "delivery.index", _l("Delivery"), _l("Hand cars back: checklist, signature, gate pass"),
          "delivery"),
    Entry("cashier_rules", "cashier.settings", _l("Cashier rules"), _l("VAT, discount limit, guarantee periods"),
          "reports"),
    Entry("care", "care.index", _l("Customer care"), _l("Follow-up calls, complaints, reminders"), "care", tab=True),
    Entry("complaint", "complaint_intake.new", _l("Register a complaint"), _l("Write down what a customer complains of"),
          "complaint_intake"),
    Entry("claims", "claims.index", _l("Claims"), _l("Warranty claims, old parts, insurance repairs, 三包"),
          "claims", tab=True),
    Entry("service_figures", "figures.index", _l("Service figures"),
          _l("Every figure against its target, reports, drill-down"), "reports"),
    Entry("hub", "hub.index", _l("Head office"), _l("Kiosks, pairing codes and conflicts to review"), "reports",
          tab=True),
    Entry("printers", "settings.printers", _l("Printers"), _l("Where each station prints labels, slips and A4"),
          "reports"),
    Entry("staff_badges", "settings.staff_badges", _l("Staff badges"), _l("Print a badge for anyone on the staff"),
          "reports"),
    Entry("station_settings", "settings.station", _l("This kiosk"), _l("Idle time and scanning cameras"), "reports"),
    Entry("cameras", "camera.index", _l("Cameras"), _l("Live picture and codes read, for installers"), "reports"),
    Entry("health", "hub.health", _l("Store health and backups"), _l("Kiosks in red, backups, thresholds"),
          "reports"),
)


# What the stations are called wherever a page names one (a kiosk on the hub's list, a printer's station).
STATION_LABELS = {"all": _l("Every station"), "reception": _l("Reception"), "bay": _l("Workshop bay"),
                  "parts": _l("Parts counter"), "cashier": _l("Cashier"), "care": _l("Customer care"),
                  "hub": _l("Head office")}


def station_label(name: str) -> str:
    """A station's name in the page's language (an unknown one as it is written)."""
    return str(STATION_LABELS.get(name or "", name or ""))


def offered(person) -> list[Entry]:
    """The entries this node runs that ``person`` (a Staff, or None) may use."""
    pages = current_app.view_functions
    return [e for e in ENTRIES if e.endpoint in pages
            and (person is None or e.permission is None or allowed(person.role_list, e.permission))]


def tabs(person) -> list[Entry]:
    """The header's tabs: the stations among ``offered``."""
    return [e for e in offered(person) if e.tab]
