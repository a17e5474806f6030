"""A dealer group's stores side by side, on the group's hub.

Every store's kiosks pair to the one group hub (on PostgreSQL); each kiosk's human numbers
carry its prefix, so a work order — and the deliveries, QC checks, clocks and parts
requests hanging from it — belongs to the store whose kiosks use that prefix
(``GROUP_STORES``: store name → prefixes). The cars sold by a store belong to it by the
kiosk that first wrote them. A store's figures are computed exactly as a single store's,
within ``store_scope``; the group's total of a rate is the sum of the stores' numerators
over the sum of their denominators. The figures counted by another station's rule (revenue,
CSI, complaints, claims, receivables: ``per_store`` False) count each store's orders within
the scope too; their group total is the rule over the whole hub (a complaint about no order
counts there only).
"""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.errors import ServiceError
from kiosk.i18n import lazy_gettext as _l
from kiosk.services.figures import board
from kiosk.services.figures.base import Result, added, one_reading, store_scope
from kiosk.services.figures.period import Period
from kiosk.services.figures.registry import FIGURES


@dataclass
class Side:
    """The group page: the stores' names, each store's figures and the group's."""

    stores: list
    by_store: dict  # store name → {figure key: Result}
    total: dict  # figure key → Result


def stores_of(text: str) -> dict[str, tuple]:
    """The group's stores from ``GROUP_STORES`` ("浦东店=PD1,PD2;苏州店=SZ1"): {name: prefixes}."""
    found = {}
    for part in (text or "").split(";"):
        name, _, prefixes = part.partition("=")
        if name.strip() and prefixes.strip():
            found[name.strip()] = tuple(p.strip().upper() for p in prefixes.split(",") if p.strip())
    return found


def store_figures(period: Period, prefixes) -> dict[str, Result]:
    """One store's figures (its orders, by number prefix)."""
    with store_scope(prefixes):
        return board.compute(period)


def side_by_side(period: Period, stores: dict[str, tuple]) -> Side:
    """Every figure of every store of the group and the group's totals."""
    by_store = {name: store_figures(period, prefixes) for name, prefixes in stores.items()}
    total = {key: added([values[key] for values in by_store.values()]) for key in FIGURES}
    # The stations' own rules: the group's total is the rule over the whole hub (those figures
    # only: the workshop's figures of the whole hub are the stores' sums already).
    with one_reading():
        total.update({key: figure.compute(period) for key, figure in FIGURES.items() if not figure.per_store})
    return Side(list(stores), by_store, total)


def scope_of(name: str | None, stores: dict[str, tuple]):
    """The prefixes of the store ``name`` (a drill-down of one store); a clear error for an unknown one."""
    if not name:
        return None
    if name not in stores:
        raise ServiceError(_l("There is no such store in the group."), field="store", status=404)
    return stores[name]
